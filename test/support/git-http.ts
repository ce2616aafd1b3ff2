// A git smart-HTTP server for the git backend's https path: Node's http server on loopback in front of
// `git http-backend` (CGI), with Basic authentication against one token, as a provider checks an access token.
// Records every Authorization it was sent, so a test can see what reached the server.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const BACKEND = '/usr/lib/git-core/git-http-backend';

export interface GitHttpServer {
  /** http://127.0.0.1:port/<name> for a bare repository <root>/<name>. */
  url(name: string): string;
  /** The Basic credentials (decoded "user:password") of every request that sent some. */
  seen: string[];
  stop(): Promise<void>;
}

/** Serves the bare repositories under `root`; every request must carry Basic credentials with `token` as password. */
export async function startGitHttp(root: string, token: string): Promise<GitHttpServer> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const auth = req.headers.authorization;
    const creds = auth?.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString() : undefined;
    if (creds !== undefined) seen.push(creds);
    if (creds === undefined || creds.slice(creds.indexOf(':') + 1) !== token) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
      return;
    }
    cgi(root, creds.slice(0, creds.indexOf(':')), req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    seen,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

/** Runs git http-backend for one request: CGI variables in, "Status:"/headers and body out. */
function cgi(root: string, user: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const child = spawn(BACKEND, [], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REMOTE_USER: user,
      REMOTE_ADDR: '127.0.0.1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      GIT_HTTP_MAX_REQUEST_BUFFER: '1000M',
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let started = false;
  child.stdout.on('data', (d: Buffer) => {
    if (started) return void res.write(d);
    head = Buffer.concat([head, d]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    started = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString().split('\r\n')) {
      const [k, ...v] = line.split(':');
      if (k.toLowerCase() === 'status') status = Number(v.join(':').trim().split(' ')[0]);
      else headers[k] = v.join(':').trim();
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
  });
  child.on('close', () => res.end());
  child.on('error', () => res.destroy());
}
