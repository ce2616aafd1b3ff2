// Runs s3rver (an S3-protocol server) on 127.0.0.1 for the tests: `node s3rver-main.mjs DIR [PORT]` serves the
// objects in DIR and prints one JSON line {"port": N} once it listens. Stops on SIGTERM or when stdin closes.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { createRequire } from 'node:module';
import S3rver from 's3rver';

// s3rver keeps each object in a file named after its key, joined with path.join: "a//b" became "a/b", "../x" left the
// bucket and "./x" became "x". Key segments that a path cannot hold are given names it can ("&e" empty, "&d" ".", "&dd"
// "..", "&26" for "&"), so keys round-trip exactly as on S3. A trailing "/" (a folder marker, a listing prefix) stays:
// s3rver stores such a key as "._S3rver_object" in its folder.
const FilesystemStore = createRequire(import.meta.url)('s3rver/lib/stores/filesystem.js');
FilesystemStore.encodeKeyPath = (key) =>
  key
    .split('/')
    .map((seg, i, all) => {
      if (seg === '' || seg === '\u0000') return i === all.length - 1 && seg === '' ? '' : '&e';
      if (seg === '.') return '&d';
      if (seg === '..') return '&dd';
      return seg.replace(/&/g, '&26');
    })
    .join('/');
FilesystemStore.decodeKeyPath = (path) =>
  path
    .split('/')
    .map((seg) => {
      if (seg === '&e') return '';
      if (seg === '&d') return '.';
      if (seg === '&dd') return '..';
      return seg.replace(/&([0-9a-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    })
    .join('/');

const [dir, port = '0'] = process.argv.slice(2);
// S3RVER_LOG=1 logs every request to stderr (to count what a command costs).
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory: dir,
  silent: process.env.S3RVER_LOG !== '1',
  // S3RVER_TLS_KEY and S3RVER_TLS_CERT (PEM files) serve HTTPS: clients that sign uploads in aws-chunked streams over
  // plain HTTP (restic's minio-go does) send unsigned payloads over HTTPS, which s3rver understands.
  ...(process.env.S3RVER_TLS_KEY
    ? { key: readFileSync(process.env.S3RVER_TLS_KEY), cert: readFileSync(process.env.S3RVER_TLS_CERT) }
    : {}),
});
// Its router matches no key with an empty segment ("a//b", "/x", "x//"): such a segment reaches it as a NUL one.
server.middleware.unshift(async (ctx, next) => {
  if (ctx.path.includes('//')) ctx.routerPath = ctx.path.replace(/\/(?=\/)/g, '/\u0000');
  await next();
});
const { port: bound } = await server.run();
process.stdout.write(`${JSON.stringify({ port: bound })}\n`);
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
