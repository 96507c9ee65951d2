import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAgentPlane } from '../../benchmarks/lib/fake-agent-plane.js';
import { runSmc, runSmcAsync, SMC_BIN } from './run-cli.js';

let dir: string;
let caFile: string;
let tokenFile: string;
let plane: FakeAgentPlane;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smc-simulate-cli-'));
  plane = await FakeAgentPlane.start();
  caFile = join(dir, 'ca.pem');
  tokenFile = join(dir, 'admin-token');
  await writeFile(caFile, plane.ca.certPem);
  await writeFile(tokenFile, `${plane.adminToken}\n`);
});
afterAll(async () => {
  await plane.close();
  await rm(dir, { recursive: true, force: true });
});

describe('smc simulate (built binary)', () => {
  const base = () => [
    'simulate',
    '--target',
    plane.url,
    '--ca',
    caFile,
    '--enroll-token',
    'test-enroll-token',
  ];

  it.each([
    [[], /^smc: --target: required/],
    [['--target', 'http://x:1'], /^smc: --target: must be https/],
    [['--rate', 'fast'], /^smc: --rate: must be a rate above 0/],
    [['--rate', '10/s', '--ramp', '1:2:3s'], /^smc: --ramp: cannot be combined with --rate/],
    [['--ramp', '1:2'], /^smc: --ramp: must be FROM:TO:DURATION/],
    [['--shard', '3/2'], /^smc: --shard: must be i\/n/],
    [['--agents', '0'], /^smc: --agents: must be a whole number from 1/],
    [['--os-mix', 'windows=1,beos=2'], /^smc: --os-mix: must look like/],
    [['--slo', 'p99<1s'], /^smc: --slo: only applies with --find-capacity/],
    [['--find-capacity', '--slo', 'p99<soon'], /^smc: --slo: must be a duration/],
    [['--connection', 'pigeon'], /^smc: option '--connection <mode>' argument 'pigeon' is invalid/],
    [['--verify'], /^smc: --verify: needs --console-url/],
    [['--duration', '0s'], /^smc: --duration: must be above 0/],
    [['--inventory-change-rate', '2'], /^smc: --inventory-change-rate: must be from 0 to 1/],
    [
      ['--proxy', 'http://user:pw@proxy:3128'],
      /^smc: --proxy: must be http:\/\/host\[:port\] with no path or credentials/,
    ],
    [['--enroll-token', 'short'], /^smc: --enroll-token: must be 8 to 128 characters/],
    [['--bogus'], /^smc: unknown option '--bogus'/],
  ])('rejects %j with exit 2 and one line naming the flag', (extra, message) => {
    const args = extra.length === 0 ? ['simulate'] : [...base(), ...extra];
    const { status, stderr, stdout } = runSmc(args);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('rejects an unreadable CA file', () => {
    const { status, stderr } = runSmc([
      'simulate',
      '--target',
      'https://127.0.0.1:2222',
      '--ca',
      join(dir, 'missing.pem'),
    ]);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^smc: --ca: cannot read .*missing\.pem \(ENOENT\)/);
  });

  it('runs a small fleet, verifies it, and reuses the identities next time', async () => {
    const identities = join(dir, 'ids');
    const json = join(dir, 'out.json');
    const args = [
      ...base(),
      '--agents',
      '10',
      '--rate',
      '20/s',
      '--duration',
      '2s',
      '--identities',
      identities,
      '--console-url',
      plane.consoleUrl,
      '--admin-token-file',
      tokenFile,
      '--verify',
      '--threshold',
      'lost_logs==0',
      // ~40 replications: a gate on fewer than the default 100 fails (not enough data).
      '--min-replications',
      '10',
      '--json',
      json,
    ];
    const first = await runSmcAsync(args);
    expect(first.stderr).toMatch(/identities: 0 reused, 10 enrolled/);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/Completed\s+\d+ \(/);
    expect(first.stdout).toMatch(/pass\s+lost_logs==0\s+\(actual 0\)/);
    const written = JSON.parse(await readFile(json, 'utf8'));
    expect(written.kind).toBe('smc-simulator-run');
    expect(written.meta.verify.lost).toBe(0);
    expect(written.derived.replications.failed).toBe(0);
    const second = await runSmcAsync(args);
    expect(second.status).toBe(0);
    // The server already holds the first run's seqs: the reused agents resync, lose nothing.
    expect(second.stdout).toMatch(/pass\s+lost_logs==0/);
    expect(second.stderr).toMatch(/identities: 10 reused, 0 enrolled/);
    expect(plane.enrollments).toBe(10);
  });

  it('reuses --identities under another --seed without making clones', async () => {
    const before = plane.fingerprintChanges;
    const { status, stderr } = await runSmcAsync([
      ...base(),
      '--agents',
      '10',
      '--rate',
      '10/s',
      '--duration',
      '2s',
      '--seed',
      '2',
      '--identities',
      join(dir, 'ids'),
    ]);
    expect(status, stderr).toBe(0);
    expect(stderr).toMatch(/identities: 10 reused, 0 enrolled/);
    expect(stderr).toMatch(/enrolled under --seed 1, so their machines keep that seed/);
    // Every reused agent reported the machine it enrolled as: the server saw no clone.
    expect(plane.fingerprintChanges).toBe(before);
  });

  it('Ctrl-C mid-run ends it like k6: summary, --json written, exit 105', async () => {
    const json = join(dir, 'interrupted.json');
    const child = spawn(
      process.execPath,
      [SMC_BIN, ...base(), '--agents', '5', '--rate', '20/s', '--duration', '5m', '--json', json],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const started = Date.now();
    // Interrupt once the first live line (every 10 s off a TTY) showed the run so far.
    while (!/\| run: /.test(stderr) && Date.now() - started < 40_000)
      await new Promise((r) => setTimeout(r, 100));
    // The live line leads with run-so-far figures, the run's own p99 among them.
    expect(stderr).toMatch(
      / {2}10s \| run: [\d,]+ done, 0 failed, \d+ late, p50 [\d.]+ m?s, p99 [\d.]+ m?s \| last 1s: /,
    );
    expect(stderr).toMatch(/logs unacked [\d,]+ \(kept, resent\)/);
    child.kill('SIGINT');
    const status = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    expect(stderr).toMatch(/SIGINT: ending the run/);
    expect(status).toBe(105);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(stdout).toMatch(/interrupted by SIGINT: these figures cover the run until then/);
    expect(stdout).toMatch(/Completed\s+\d+ \(/);
    const written = JSON.parse(await readFile(json, 'utf8'));
    expect(written.kind).toBe('smc-simulator-run');
    expect(written.meta.options.interruptedBy).toBe('SIGINT');
    expect(written.derived.replications.completed).toBeGreaterThan(0);
  });

  it("says a wrong --ca is not the server's CA, naming the flag and file", async () => {
    const other = await FakeAgentPlane.start();
    try {
      const otherCa = join(dir, 'wrong-ca.pem');
      await writeFile(otherCa, other.ca.certPem);
      const { status, stderr } = await runSmcAsync([
        'simulate',
        '--target',
        plane.url,
        '--ca',
        otherCa,
        '--enroll-token',
        'test-enroll-token',
        '--agents',
        '1',
        '--rate',
        '1/s',
        '--duration',
        '1s',
      ]);
      expect(stderr).toMatch(
        /^smc: --ca: the server's certificate at https:\/\/127\.0\.0\.1:\d+ is not signed by --ca .*wrong-ca\.pem/m,
      );
      expect(status).toBe(2);
    } finally {
      await other.close();
    }
  });

  it('--json - writes the result to stdout and moves the summary to stderr', async () => {
    const { status, stdout, stderr } = await runSmcAsync([
      ...base(),
      '--agents',
      '2',
      '--rate',
      '4/s',
      '--duration',
      '1s',
      '--json',
      '-',
    ]);
    expect(status, stderr).toBe(0);
    expect(JSON.parse(stdout).kind).toBe('smc-simulator-run');
    expect(stderr).toMatch(/Completed\s+\d+ \(/);
  });

  it('takes its options from --config (YAML or JSON) and SMC_* variables; flags win', async () => {
    const yamlFile = join(dir, 'run.yaml');
    const json = join(dir, 'from-config.json');
    await writeFile(
      yamlFile,
      [
        `target: ${plane.url}`,
        `ca: ${caFile}`,
        'enroll-token: test-enroll-token',
        'agents: 3',
        'rate: 6/s',
        'duration: 30s', // the environment overrides this
        'threshold:',
        "  - 'errors<50%'",
        'min-replications: 1',
        `json: ${json}`,
      ].join('\n'),
    );
    const env = { ...process.env, SMC_DURATION: '20s' };
    // The command line beats both: a 1 s run.
    const run = await runSmcAsync(
      ['simulate', '--config', yamlFile, '--duration', '1s'],
      60_000,
      env,
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/pass\s+errors<50%/);
    const written = JSON.parse(await readFile(json, 'utf8'));
    expect(written.meta.agents).toBe(3);
    expect(written.meta.options.durationSeconds).toBe(1);
    expect(written.meta.options.ratePerSecond).toBe(6);

    // Without the flag the environment wins over the file (checked without running: a bad
    // value in SMC_DURATION is reported under its flag).
    const envWins = await runSmcAsync(['simulate', '--config', yamlFile], 30_000, {
      ...process.env,
      SMC_DURATION: 'soon',
    });
    expect(envWins.status).toBe(2);
    expect(envWins.stderr).toMatch(/^smc: --duration: must be a duration .*"soon"/m);

    const jsonFile = join(dir, 'bad.json');
    await writeFile(jsonFile, JSON.stringify({ target: plane.url, agentz: 3 }));
    const bad = runSmc(['simulate', '--config', jsonFile]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^smc: --config: .*bad\.json: unknown option "agentz"/);
  });

  it('refuses an identity cache made for another server', async () => {
    const other = await FakeAgentPlane.start();
    try {
      const otherCa = join(dir, 'other-ca.pem');
      await writeFile(otherCa, other.ca.certPem);
      const { status, stderr } = await runSmcAsync([
        'simulate',
        '--target',
        other.url,
        '--ca',
        otherCa,
        '--enroll-token',
        'test-enroll-token',
        '--agents',
        '2',
        '--rate',
        '1/s',
        '--duration',
        '1s',
        '--identities',
        join(dir, 'ids'),
      ]);
      expect(status).toBe(2);
      expect(stderr).toMatch(
        /^smc: --identities: .* holds identities enrolled with another server/m,
      );
    } finally {
      await other.close();
    }
  });
});
