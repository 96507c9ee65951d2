import net from 'node:net';
import { expect, it } from 'vitest';
import { LOOPBACK_SOURCES, sourceAddressFor } from '../../simulator/transport/loopback-sources.js';

it('spreads connections to a loopback server over 127.0.0.1-16, and leaves others alone', () => {
  const seen = new Set(
    Array.from({ length: LOOPBACK_SOURCES * 2 }, () => sourceAddressFor('127.0.0.1')),
  );
  expect([...seen].sort()).toEqual(
    Array.from({ length: LOOPBACK_SOURCES }, (_, i) => `127.0.0.${i + 1}`).sort(),
  );
  expect(sourceAddressFor('10.0.0.4')).toBeUndefined();
  expect(sourceAddressFor('::1')).toBeUndefined();
  expect(sourceAddressFor('localhost')).toBeUndefined();
  expect(sourceAddressFor('127.0.0.1', 'darwin')).toBeUndefined();
});

it.runIf(process.platform === 'linux')(
  'connects from each of those addresses to a server on 127.0.0.1',
  async () => {
    const peers: string[] = [];
    const server = net.createServer((socket) => {
      peers.push(socket.remoteAddress ?? '');
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      for (let i = 0; i < LOOPBACK_SOURCES; i++) {
        const localAddress = sourceAddressFor('127.0.0.1') as string;
        await new Promise<void>((resolve, reject) => {
          const socket = net.connect({ host: '127.0.0.1', port, localAddress }, () => {
            socket.on('close', () => resolve());
            socket.resume();
          });
          socket.on('error', reject);
        });
      }
    } finally {
      server.close();
    }
    expect(new Set(peers).size).toBe(LOOPBACK_SOURCES);
  },
);
