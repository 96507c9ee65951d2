import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { runSmc } from './run-cli.js';

/**
 * Every example a `--help` prints is pasted into bash exactly as written: bash must take it
 * without a word of complaint (an unquoted `p99<250ms` is a redirection from a file named
 * `250ms`), create no stray file, and hand `smc` arguments that the real command tree parses
 * (every flag known, every value accepted by its parser). The actions themselves are not run.
 */
const COMMANDS = [
  [],
  ['plan'],
  ['synth'],
  ['synth-loadgen'],
  ['simulate'],
  ['rehearse'],
  ['report'],
  ['report', 'show'],
  ['report', 'merge'],
  ['report', 'compare'],
  ['serve'],
  ['migrate'],
  ['admin'],
  ['admin', 'enrollment-token'],
  ['admin', 'mdm-token'],
  ['admin', 'revoke'],
  ['admin', 'purge-simulated'],
  ['admin', 'backup'],
  ['admin', 'restore'],
  ['admin', 'rename-host'],
  ['mdm'],
  ['rd-sensor'],
];

/** Example lines after an "Example(s):" heading, with `\` continuations joined. */
function examplesOf(help: string): string[] {
  const lines = help.split('\n');
  const found: string[] = [];
  let inExamples = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (/^Examples?:/.test(line)) {
      inExamples = true;
      continue;
    }
    if (!inExamples) continue;
    if (/^\S/.test(line)) inExamples = false; // the next heading ends the examples
    if (!inExamples || !/^\s+smc /.test(line)) continue;
    let text = line.trim();
    // A pasted continuation keeps its newline, as a terminal would receive it.
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text}\n${lines[++i]}`;
    found.push(text);
  }
  return found;
}

const work = mkdtempSync(join(tmpdir(), 'smc-help-examples-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const examples = COMMANDS.flatMap((path) => {
  const { stdout, status } = runSmc([...path, '--help']);
  if (status !== 0) throw new Error(`smc ${path.join(' ')} --help exited ${status}`);
  return examplesOf(stdout).map((example) => ({ command: path.join(' ') || 'smc', example }));
});

/** The command tree with every action replaced, so parsing checks flags and values only. */
async function parseOnly(argv: readonly string[]): Promise<void> {
  // The built tree, as users run it (a computed path keeps tsc from compiling dist/).
  const built = new URL('../../dist/bin/program.js', import.meta.url).href;
  const { buildProgram } = (await import(built)) as {
    buildProgram: (version: string) => Command;
  };
  const program = buildProgram('0.0.0-test');
  const quiet = (command: Command) => {
    command.exitOverride((error) => {
      throw error;
    });
    command.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    command.action(() => {});
    for (const sub of command.commands) quiet(sub);
  };
  quiet(program);
  await program.parseAsync([...argv], { from: 'user' });
}

describe('every --help example, pasted into bash as written', () => {
  it('finds the examples (a help text without any would make this test vacuous)', () => {
    expect(examples.length).toBeGreaterThanOrEqual(12);
    expect(examples.some((e) => e.example.includes("--slo 'p99<250ms'"))).toBe(true);
  });

  it.each(examples)('$command: $example', async ({ example }) => {
    const cwd = mkdtempSync(join(work, 'run-'));
    const argsFile = join(cwd, '.smc-args');
    // `smc` is a shell function that records the words bash hands it, NUL-separated.
    const script = `smc() { printf '%s\\0' "$@" > ${JSON.stringify(argsFile)}; }\n${example}\n`;
    const shell = spawnSync('bash', ['-c', script], { cwd, encoding: 'utf8', timeout: 10_000 });
    expect(shell.stderr).toBe('');
    expect(shell.status).toBe(0);
    // Nothing but the recorded arguments: an unquoted `>` would have made a file.
    expect(readdirSync(cwd)).toEqual(['.smc-args']);
    const argv = readFileSync(argsFile, 'utf8').split('\0').slice(0, -1);
    await expect(parseOnly(argv)).resolves.toBeUndefined();
  });
});

describe('time flags speak durations', () => {
  it('prints every duration default the way it is typed (10m, 1h), never bare seconds', () => {
    const offenders: string[] = [];
    for (const path of COMMANDS) {
      const help = runSmc([...path, '--help']).stdout.replace(/\n\s+/g, ' ');
      for (const match of help.matchAll(/(--[\w-]+) <duration>[^()]*?\(default: ([^)]*)\)/g)) {
        // A bare number of seconds is the fault; a unit or words ("long enough for ...") are fine.
        if (/^"?\d+(\.\d+)?"?$/.test((match[2] as string).trim()))
          offenders.push(`smc ${path.join(' ')} ${match[1]}: ${match[2]}`);
      }
    }
    expect(offenders).toEqual([]);
    expect(runSmc(['serve', '--help']).stdout).toMatch(/\(default: 10m\)/);
    expect(runSmc(['admin', 'enrollment-token', '--help']).stdout).toMatch(/\(default: 1h\)/);
  });

  it('shows one default for --slo, quoted as it must be typed', () => {
    const help = runSmc(['simulate', '--help']).stdout.replace(/\n\s+/g, ' ');
    const slo = /--slo <expr>(.*?)--start-rate/.exec(help)?.[1] ?? '';
    expect(slo.match(/default/g)).toHaveLength(1);
    expect(slo).toMatch(/\(default: 'p99<250ms' 'errors<0\.1%'(, env: SMC_SLO)?\)/);
  });

  it.each([
    [['rehearse', '--fleet-seconds', '20s']],
    [['rehearse', '--fleet-seconds', '20']],
    [['rehearse', '--hold', '1m']],
    [['serve', '--interval', '600']],
    [['admin', 'enrollment-token', '--ttl', '7d']],
  ])('takes %j (durations and the old bare seconds)', async (argv) => {
    await expect(parseOnly(argv)).resolves.toBeUndefined();
  });

  it.each([
    [['rehearse', '--fleet-seconds', '2h'], /--fleet-seconds: must be from 1s to 1h/],
    [['admin', 'enrollment-token', '--ttl', '1000d'], /--ttl: must be from 1m to 30d/],
    [['admin', 'mdm-token', '--ttl', '31d'], /--ttl: must be from 1s to 30d/],
  ])('refuses %j before asking anything, naming the bound', (argv, message) => {
    const { status, stderr, stdout } = runSmc([...argv, '--data-dir', '/nonexistent-smc']);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it.each([
    [['rehearse', '--report-dir', '/proc/smc-xx']],
    [['rehearse', '--upgrade', '0.1.0..0.2.0', '--report-dir', '/proc/smc-xx']],
  ])('refuses %j at once (it once spun forever), naming the flag', (argv) => {
    // Bounded: a rehearsal that went on would be killed by the timeout and fail here.
    const { status, stderr } = runSmc(argv, { timeoutMs: 20_000 });
    expect(status).toBe(2);
    expect(stderr).toMatch(/--report-dir: cannot create \/proc\/smc-xx/);
  });
});
