// An HTTP proxy in front of the test S3 server that records every request it forwards (method, bucket, key, query),
// so a test counts what a client really sent, and that can refuse chosen objects with 403 AccessDenied.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  bucket: string;
  /** The object key (decoded), '' for a bucket-level request such as a listing. */
  key: string;
  query: string;
}

export interface CountingProxy {
  endpoint: string;
  requests: SeenRequest[];
  /** Requests for which this returns true are answered 403 AccessDenied without reaching the server. */
  deny: (r: SeenRequest) => boolean;
  /** Object reads (GET of a key) recorded so far, optionally of one bucket. */
  objectGets(bucket?: string): SeenRequest[];
  close(): Promise<void>;
}

const DENIED =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';

export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const requests: SeenRequest[] = [];
  const proxy: CountingProxy = {
    endpoint: '',
    requests,
    deny: () => false,
    objectGets: (bucket) =>
      requests.filter((r) => r.method === 'GET' && r.key !== '' && (bucket === undefined || r.bucket === bucket)),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const slash = path.indexOf('/', 1);
    const seen: SeenRequest = {
      method: req.method ?? 'GET',
      bucket: decodeURIComponent(slash < 0 ? path.slice(1) : path.slice(1, slash)),
      key: slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1)),
      query: q < 0 ? '' : url.slice(q + 1),
    };
    requests.push(seen);
    if (proxy.deny(seen)) {
      req.resume();
      res.writeHead(403, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(DENIED) });
      res.end(DENIED);
      return;
    }
    const up = http.request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: url, headers: req.headers, agent },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
