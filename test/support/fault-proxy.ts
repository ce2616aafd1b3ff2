// A TCP proxy on loopback that breaks HTTP traffic on purpose, from a seeded PRNG: for a share of requests it
// answers 503 SlowDown itself, resets the connection in the middle of the transfer, or stalls it (forwards
// nothing more) so the client's timeout must fire. Used by the S3 fault suite in front of s3rver.
import net from 'node:net';
import { seededRandom } from '../../src/backends/wrappers/faults.js';

export interface FaultRates {
  /** Share of requests answered with 503 SlowDown (or 500 InternalError) without reaching the server. */
  error: number;
  /** Share of requests whose connection is reset after some bytes of the request or the response. */
  reset: number;
  /** Share of requests whose connection stops forwarding in both directions until the client gives up. */
  stall: number;
  /**
   * Resets may cut uploads too (default). s3rver keeps what it received of a cut upload as the object (a real S3
   * service stores nothing), so tests of exclusive saves against it reset only while the response flows.
   */
  resetResponsesOnly?: boolean;
}

export interface FaultProxy {
  port: number;
  counts: { requests: number; errors: number; resets: number; stalls: number };
  /** The rates in force; tests may change them between phases. */
  rates: FaultRates;
  close(): Promise<void>;
}

const METHOD = /^(GET|PUT|HEAD|DELETE|POST) /;

function errorResponse(slowDown: boolean): string {
  const code = slowDown ? 'SlowDown' : 'InternalError';
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<Error><Code>${code}</Code><Message>injected by the fault proxy</Message></Error>`;
  return (
    `HTTP/1.1 ${slowDown ? '503 Slow Down' : '500 Internal Server Error'}\r\nContent-Type: application/xml\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/**
 * Start the proxy in front of 127.0.0.1:`target`. A request is recognised by a chunk from the client that starts
 * with an HTTP method (clients write the request head in one piece), which is good enough for the SDK.
 */
export async function startFaultProxy(target: number, rates: FaultRates, seed: number): Promise<FaultProxy> {
  const random = seededRandom(seed);
  const counts = { requests: 0, errors: 0, resets: 0, stalls: 0 };
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    let stalled = false;
    /** Bytes still to pass (either way) before the connection is reset; -1 for no reset planned. */
    let resetAfter = -1;
    const kill = () => {
      client.resetAndDestroy();
      upstream.destroy();
    };
    const pass = (to: net.Socket, chunk: Buffer) => {
      if (stalled) return;
      if (to === upstream && rates.resetResponsesOnly) {
        to.write(chunk);
        return;
      }
      if (resetAfter >= 0 && chunk.length >= resetAfter) {
        to.write(chunk.subarray(0, resetAfter));
        counts.resets++;
        kill();
        return;
      }
      if (resetAfter >= 0) resetAfter -= chunk.length;
      to.write(chunk);
    };
    client.on('data', (chunk: Buffer) => {
      if (!stalled && resetAfter < 0 && METHOD.test(chunk.toString('latin1', 0, 8))) {
        counts.requests++;
        const roll = random();
        if (roll < rates.error) {
          counts.errors++;
          client.end(errorResponse(random() < 0.7));
          upstream.destroy();
          return;
        }
        if (roll < rates.error + rates.reset)
          resetAfter = Math.floor(random() * (rates.resetResponsesOnly ? 400 : chunk.length + 4096));
        else if (roll < rates.error + rates.reset + rates.stall) {
          counts.stalls++;
          stalled = true;
          return;
        }
      }
      pass(upstream, chunk);
    });
    upstream.on('data', (chunk: Buffer) => pass(client, chunk));
    for (const s of [client, upstream]) {
      s.on('error', () => kill());
      s.on('close', () => {
        sockets.delete(s);
        if (s === upstream && !stalled) client.end();
        if (s === client) upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    counts,
    rates,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
