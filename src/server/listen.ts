// The one HTTP listener of `strongbox serve` and of the daemon (the API, /healthz and /metrics on one port):
// HOST:PORT, plain HTTP or TLS from PEM files, on @hono/node-server. Closing it ends open event streams too.
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { StrongboxError } from '../errors.js';

export interface Listener {
  /** The address it listens on (HOST:PORT; the port chosen when 0 was asked). */
  address: string;
  /** http or https. */
  scheme: 'http' | 'https';
  close(): Promise<void>;
}

export interface TlsFiles {
  cert: string;
  key: string;
}

export function splitHostPort(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  const port = Number(listen.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new StrongboxError('USAGE', `${listen}: give HOST:PORT, e.g. 127.0.0.1:8480`);
  return { host: listen.slice(0, at).replace(/^\[|\]$/g, ''), port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

async function readTls(tls: TlsFiles): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (what: string, path: string) => {
    try {
      return await readFile(path);
    } catch (e) {
      throw new StrongboxError('CONFIG', `cannot read the TLS ${what} ${path}: ${(e as Error).message}`, { cause: e });
    }
  };
  return { cert: await read('certificate', tls.cert), key: await read('key', tls.key) };
}

/** Serves `fetch` (a Hono app's) on HOST:PORT; with `tls`, over HTTPS. */
export async function listen(
  fetch: (req: Request, env: unknown) => Response | Promise<Response>,
  at: string,
  tls?: TlsFiles,
): Promise<Listener> {
  const { host, port } = splitHostPort(at);
  const server = (
    tls
      ? createAdaptorServer({ fetch, createServer: createHttpsServer, serverOptions: await readTls(tls) })
      : createAdaptorServer({ fetch, createServer: createHttpServer })
  ) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new StrongboxError('IO', `cannot listen on ${at}: ${(e as Error).message}`, { cause: e })),
    );
    server.listen(port, host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  return {
    address: `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
    scheme: tls ? 'https' : 'http',
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
