// Runs s3rver (an S3-protocol server) on 127.0.0.1 for the tests: `node s3rver-main.mjs DIR [PORT]` serves the
// objects in DIR and prints one JSON line {"port": N} once it listens. Stops on SIGTERM or when stdin closes.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import S3rver from 's3rver';

const [dir, port = '0'] = process.argv.slice(2);
// S3RVER_LOG=1 logs every request to stderr (to count what a command costs).
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory: dir,
  silent: process.env.S3RVER_LOG !== '1',
  // S3RVER_TLS_KEY and S3RVER_TLS_CERT (PEM files) serve HTTPS: clients that sign uploads in aws-chunked streams over
  // plain HTTP (restic's minio-go does) send unsigned payloads over HTTPS, which s3rver understands.
  ...(process.env.S3RVER_TLS_KEY ? { key: readFileSync(process.env.S3RVER_TLS_KEY), cert: readFileSync(process.env.S3RVER_TLS_CERT) } : {}),
});
const { port: bound } = await server.run();
process.stdout.write(`${JSON.stringify({ port: bound })}\n`);
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
