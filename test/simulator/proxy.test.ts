import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAgentPlane } from '../../benchmarks/lib/fake-agent-plane.js';
import { MinimalRecorder } from '../../simulator/run/minimal-recorder.js';
import { runSimulation } from '../../simulator/run/run-simulation.js';
import { parseProxyUrl } from '../../simulator/transport/proxy-tunnel.js';
import { optionsFor } from './fixtures/simulation-options.js';
import { type RunningSquid, startSquid } from './fixtures/squid.js';

let plane: FakeAgentPlane;
let squid: RunningSquid;
beforeAll(async () => {
  plane = await FakeAgentPlane.start();
  squid = await startSquid(plane.port);
});
afterAll(async () => {
  await squid?.stop();
  await plane?.close();
});

describe('through a real Squid (CONNECT)', () => {
  it('enrolls and replicates over tunnels, HTTP/2 end to end', async () => {
    const recorder = new MinimalRecorder(1_000);
    const outcome = await runSimulation(
      optionsFor(
        plane,
        { kind: 'rate', ratePerSecond: 20 },
        { agents: 5, proxy: parseProxyUrl(squid.url, '--proxy') },
      ),
      recorder,
    );
    expect(recorder.stats.failed).toBe(0);
    expect(recorder.stats.completed).toBeGreaterThan(20);
    expect(outcome.verify?.lost).toBe(0);
    expect([...plane.protocols.keys()]).toEqual(['2.0']);
    const log = await squid.accessLog();
    const tunnels = log
      .split('\n')
      .filter((line) => line.includes(`CONNECT 127.0.0.1:${plane.port}`));
    // One tunnel per enrollment session and one per agent (persistent connections).
    expect(tunnels.length).toBe(recorder.counter('connections_opened') + 4);
  });

  it('per-replication connections open a tunnel each time', async () => {
    const recorder = new MinimalRecorder(1_000);
    const before = (await squid.accessLog())
      .split('\n')
      .filter((l) => l.includes('CONNECT')).length;
    await runSimulation(
      optionsFor(
        plane,
        { kind: 'rate', ratePerSecond: 10 },
        {
          agents: 3,
          connection: 'per-replication',
          proxy: parseProxyUrl(squid.url, '--proxy'),
          verify: false,
        },
      ),
      recorder,
    );
    expect(recorder.stats.failed).toBe(0);
    const after = (await squid.accessLog()).split('\n').filter((l) => l.includes('CONNECT')).length;
    expect(recorder.counter('connections_opened')).toBe(recorder.stats.completed);
    expect(after - before).toBe(recorder.stats.completed + 3);
  });

  it('a proxy that refuses the tunnel is a connect error, not a hang', async () => {
    const recorder = new MinimalRecorder(1_000);
    const closedPort = {
      ...optionsFor(plane, { kind: 'rate', ratePerSecond: 5 }).target,
      port: plane.port + 1,
    };
    await expect(
      runSimulation(
        optionsFor(
          plane,
          { kind: 'rate', ratePerSecond: 5 },
          { agents: 1, target: closedPort, proxy: parseProxyUrl(squid.url, '--proxy') },
        ),
        recorder,
      ),
    ).rejects.toThrow(/proxy refused CONNECT 127\.0\.0\.1:\d+: HTTP 403/);
  });
});
