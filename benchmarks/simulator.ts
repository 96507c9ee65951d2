import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createKeyAndCsr, provisionIdentities } from '../simulator/index.js';
import { runAutocannonHttp1 } from './lib/sim-autocannon.js';
import { measureCeiling, sampleBody } from './lib/sim-ceiling.js';
import { measureLateness, measureMemory } from './lib/sim-memory.js';

/**
 * `npm run bench:simulator`: what one generator process can carry and drive.
 *   (a) 100,000 virtual agents held with schedules running: RSS and bytes per agent
 *   (b) the generator's ceiling against a no-op mTLS HTTP/2 endpoint, and autocannon's
 *       ceiling on the same endpoint over HTTP/1.1 in the same run
 *   (c) scheduling lateness p99 when not saturated
 *   (d) enrolling 10,000 agents against the fake enroll endpoint
 * Endpoints run in a child process so they have their own core. Flags: --agents N (a),
 * --enroll N (d), --step-seconds S (b).
 */
function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!(value > 0)) throw new RangeError(`${name}: must be a number above 0`);
  return value;
}

interface Endpoints {
  planeUrl: string;
  planePort: number;
  noopUrl: string;
  noopPort: number;
  caPem: string;
}

async function startEndpoints() {
  const script = fileURLToPath(new URL('./lib/sim-endpoints-child.js', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`endpoint process exited with ${code}`)));
  });
  return { endpoints: JSON.parse(line) as Endpoints, stop: () => child.stdin.end() };
}

const memoryAgents = flag('--agents', 100_000);
const enrollCount = flag('--enroll', 10_000);
const stepSeconds = flag('--step-seconds', 5);

console.log(`(a) holding ${memoryAgents.toLocaleString('en')} agents with schedules running...`);
const memory = await measureMemory(memoryAgents, 30);
console.log('(c) scheduling lateness, 10,000 agents at 1,000/s...');
const lateness = await measureLateness(10_000, 1_000, 10);

const { endpoints, stop } = await startEndpoints();
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
try {
  console.log(`(d) enrolling ${enrollCount.toLocaleString('en')} agents...`);
  const enrollTarget = {
    url: endpoints.planeUrl,
    host: '127.0.0.1',
    port: endpoints.planePort,
    caPem: endpoints.caPem,
  };
  const enrolled = await provisionIdentities({
    target: enrollTarget,
    count: enrollCount,
    firstIndex: 0,
    enrollToken: async () => 'test-enroll-token',
  });
  // The generator's own share: keys and CSRs alone, as enrollment makes them (64 at once).
  const keysStart = performance.now();
  for (let made = 0; made < 2_000; made += 64) {
    await Promise.all(Array.from({ length: 64 }, (_, i) => createKeyAndCsr(`bench-${made + i}`)));
  }
  const keysPerSecond = (Math.ceil(2_000 / 64) * 64) / ((performance.now() - keysStart) / 1_000);
  const enrollment = {
    agents: enrollCount,
    seconds: enrolled.enrollSeconds,
    perSecond: enrollCount / enrolled.enrollSeconds,
    keyAndCsrPerSecond: keysPerSecond,
  };

  console.log('(b) generator ceiling against the no-op endpoint...');
  const noopTarget = {
    url: endpoints.noopUrl,
    host: '127.0.0.1',
    port: endpoints.noopPort,
    caPem: endpoints.caPem,
  };
  const ceilingAgents = enrolled.identities.slice(0, 400);
  const steps = await measureCeiling(
    noopTarget,
    ceilingAgents,
    [1_000, 2_000, 4_000, 6_000, 8_000, 10_000, 12_000],
    stepSeconds,
  );
  const held = steps.filter((s) => s.held).map((s) => s.ratePerSecond);
  const first = enrolled.identities[0];
  const cannon = await runAutocannonHttp1({
    url: `${endpoints.noopUrl}/v1/replicate`,
    body: sampleBody(first?.agentId ?? '00000000-0000-4000-8000-000000000000'),
    connections: 50,
    seconds: stepSeconds,
    ...(first ? { keyPem: first.keyPem, certPem: first.certPem } : {}),
  });

  const results = {
    machine: { cpus: cpus().length, node: process.version, loadAverageAtEnd: loadavg() },
    memory,
    lateness,
    enrollment,
    generatorCeiling: {
      agents: ceilingAgents.length,
      steps,
      highestHeldPerSecond: Math.max(0, ...held),
      highestAchievedPerSecond: Math.max(0, ...steps.map((step) => step.achievedPerSecond)),
    },
    autocannonHttp1: {
      connections: 50,
      seconds: stepSeconds,
      requestsPerSecond: cannon.requests.average,
      p99Ms: cannon.latency.p99,
      errors: cannon.errors + cannon.non2xx,
    },
  };

  const rows: [string, string][] = [
    ['(a) agents held', memory.agents.toLocaleString('en')],
    ['(a) replications while held', memory.replications.toLocaleString('en')],
    ['(a) RSS', `${memory.rssMiB.toFixed(0)} MiB`],
    ['(a) bytes per agent (RSS)', memory.bytesPerAgentRss.toFixed(0)],
    ['(a) bytes per agent (heap)', memory.bytesPerAgentHeap.toFixed(0)],
    [
      '(b) generator ceiling (mTLS h2)',
      `${results.generatorCeiling.highestHeldPerSecond}/s held, ${results.generatorCeiling.highestAchievedPerSecond}/s achieved`,
    ],
    ...steps.map((s): [string, string] => [
      `    step ${s.ratePerSecond}/s`,
      `${s.achievedPerSecond}/s, p99 ${s.p99Ms.toFixed(1)} ms, late ${(s.lateRatio * 100).toFixed(2)} %, ${s.held ? 'held' : 'broke'}`,
    ]),
    [
      '(b) autocannon (HTTP/1.1, 50 conns)',
      `${cannon.requests.average.toFixed(0)}/s, p99 ${cannon.latency.p99} ms`,
    ],
    [
      '(c) lateness p50 / p99 / max',
      `${lateness.latenessP50Ms.toFixed(2)} / ${lateness.latenessP99Ms.toFixed(2)} / ${lateness.latenessMaxMs.toFixed(2)} ms`,
    ],
    [
      '(d) enrollment',
      `${enrollCount.toLocaleString('en')} in ${enrollment.seconds.toFixed(1)} s (${enrollment.perSecond.toFixed(0)}/s)`,
    ],
    ['(d) key + CSR alone (generator side)', `${keysPerSecond.toFixed(0)}/s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
  const out = fileURLToPath(new URL('../../benchmarks/results/simulator.json', import.meta.url));
  await mkdir(fileURLToPath(new URL('../../benchmarks/results/', import.meta.url)), {
    recursive: true,
  });
  await writeFile(
    out,
    `${JSON.stringify({ measuredAt: new Date().toISOString(), ...results }, null, 2)}\n`,
  );
  console.log(`written ${out}`);
} finally {
  stop();
}
