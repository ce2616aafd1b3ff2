// Real local receivers for the daemon's notifications: an HTTP server that records every request (webhooks,
// pings) and can answer the first few with an error, and an SMTP server (the smtp-server package, STARTTLS with
// its built-in certificate, password login) that records every message. Both listen on loopback, on a free port.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpReceiver {
  url: string;
  requests: Received[];
  /** Answer the next `n` requests (to `path` only, when given) with this status before answering 200 again. */
  failNext(n: number, status: number, path?: string): void;
  close(): Promise<void>;
}

export async function httpReceiver(): Promise<HttpReceiver> {
  const requests: Received[] = [];
  let failing = 0;
  let failStatus = 500;
  let failPath: string | undefined;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      body += d;
    });
    req.on('end', () => {
      requests.push({ method: req.method!, path: req.url!, headers: req.headers, body });
      if (failing > 0 && (failPath === undefined || req.url === failPath)) {
        failing--;
        res.writeHead(failStatus).end('try later');
      } else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext: (n, status, path) => {
      failing = n;
      failStatus = status;
      failPath = path;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface Mail {
  from: string;
  to: string[];
  user: string | undefined;
  secure: boolean;
  data: string;
}

export interface SmtpReceiver {
  port: number;
  mails: Mail[];
  close(): Promise<void>;
}

/** Accepts one user and password; STARTTLS is offered with smtp-server's own self-signed certificate. */
export async function smtpReceiver(user: string, password: string): Promise<SmtpReceiver> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: false,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === password) cb(null, { user: auth.username });
      else cb(new Error('invalid username or password'));
    },
    onData(stream, session, cb) {
      let data = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        data += d;
      });
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          secure: session.secure,
          data,
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, close: () => new Promise((r) => server.close(() => r())) };
}
