import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { expect, it } from 'vitest';
import {
  cpuSecondsOf,
  cpuSecondsWithReapedOf,
  establishedOnPort,
  ipv4Hex,
} from '../../rehearsal/proc.js';

/**
 * A parent whose child burns CPU and exits (PostgreSQL's postmaster and a backend a pool
 * closed): the work stays counted, in the parent's reaped-children time.
 */
it('counts the CPU of children that worked and exited, as PostgreSQL backends do', async () => {
  const parent = spawn(
    process.execPath,
    [
      '-e',
      `const { spawn } = require('node:child_process');
       const child = spawn(process.execPath, ['-e', 'while (process.cpuUsage().user < 600000);']);
       child.on('exit', () => { process.stdout.write('reaped\\n'); setInterval(() => {}, 1000); });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await once(parent.stdout, 'data');
    const pid = parent.pid as number;
    const own = await cpuSecondsOf([pid]);
    const withReaped = await cpuSecondsWithReapedOf([pid]);
    // The child spun 0.6 s of its own CPU (not wall time: a loaded box); /proc counts 10 ms ticks.
    expect(withReaped - own).toBeGreaterThan(0.4);
  } finally {
    parent.kill('SIGKILL');
  }
});

it('writes IPv4 addresses as /proc/net/tcp does', () => {
  expect(ipv4Hex('127.0.0.1')).toBe('0100007F');
  expect(ipv4Hex('10.1.2.254')).toBe('FE02010A');
});

it.runIf(process.platform === 'linux')(
  "counts a server's sessions by address and port: a client given the same port number is not one",
  async () => {
    const server = net.createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    // What the kernel may do to a client on another loopback address: give it the server's
    // port number as its own (as 1 of 2,001 "sessions" once was).
    const client = net.connect({
      host: '127.0.0.1',
      port,
      localAddress: '127.0.0.2',
      localPort: port,
    });
    try {
      await once(client, 'connect');
      expect(await establishedOnPort(port, '127.0.0.1')).toBe(1);
      expect(await establishedOnPort(port)).toBe(2);
    } finally {
      client.destroy();
      server.close();
    }
  },
);
