import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAgentPlane } from '../simulator/fixtures/fake-agent-plane.js';
import { runSmc, runSmcAsync } from './run-cli.js';

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
