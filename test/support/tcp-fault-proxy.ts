// A TCP proxy on loopback that breaks long-lived connections (SSH) on purpose, from a seeded PRNG: each new
// connection may be reset after a random number of bytes in either direction, or stall (forward nothing more)
// after a random number of bytes so the client's timeout must fire. The HTTP-aware proxy for S3 is fault-proxy.ts.
import net from 'node:net';
import { seededRandom } from '../../src/backends/wrappers/faults.js';

export interface TcpFaultRates {
  /** Share of connections reset after a random number of bytes (up to `maxBytes`). */
  reset: number;
  /** Share of connections that stop forwarding after a random number of bytes (up to `maxBytes`). */
  stall: number;
  /** Faults land within this many bytes of a connection's traffic (both directions counted). */
  maxBytes: number;
  /** Bytes every connection passes unharmed first (past the SSH handshake, so faults hit transfers). */
  minBytes?: number;
  /** Instead of drawing, the n-th connection gets plan[n % plan.length] (so every kind of fault surely happens). */
  plan?: ('reset' | 'stall' | 'none')[];
}

export interface TcpFaultProxy {
  port: number;
  counts: { connections: number; resets: number; stalls: number };
  /** The rates in force; tests may change them between phases (new connections draw from them). */
  rates: TcpFaultRates;
  close(): Promise<void>;
}

export async function startTcpFaultProxy(target: number, rates: TcpFaultRates, seed: number): Promise<TcpFaultProxy> {
  const random = seededRandom(seed);
  const counts = { connections: 0, resets: 0, stalls: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    counts.connections++;
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    const roll = random();
    const at = (rates.minBytes ?? 0) + Math.floor(random() * rates.maxBytes);
    const fault = rates.plan
      ? rates.plan[(counts.connections - 1) % rates.plan.length]
      : roll < rates.reset
        ? 'reset'
        : roll < rates.reset + rates.stall
          ? 'stall'
          : 'none';
    let passed = 0;
    let stalled = false;
    const kill = () => {
      client.resetAndDestroy();
      upstream.destroy();
    };
    const pass = (to: net.Socket, chunk: Buffer) => {
      if (stalled) return;
      if (fault !== 'none' && passed + chunk.length >= at) {
        to.write(chunk.subarray(0, at - passed));
        passed = at;
        if (fault === 'reset') {
          counts.resets++;
          kill();
        } else {
          counts.stalls++;
          stalled = true;
        }
        return;
      }
      passed += chunk.length;
      to.write(chunk);
    };
    client.on('data', (chunk: Buffer) => pass(upstream, chunk));
    upstream.on('data', (chunk: Buffer) => pass(client, chunk));
    for (const s of [client, upstream]) {
      s.on('error', () => kill());
      s.on('close', () => {
        sockets.delete(s);
        if (s === upstream && !stalled) client.destroy();
        if (s === client) upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    counts,
    rates,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
