import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEVICE_CONNECTION_MODES, type DeviceConnectionMode } from '../../simulator/index.js';

export interface MdmBenchOptions {
  /** (b) device counts, one fresh connector each. */
  readonly sizes: readonly number[];
  /** (a) devices enrolled on the capacity connector. */
  readonly capacityDevices: number;
  /** (a) measured seconds per rate step. */
  readonly stepSeconds: number;
  /** (a) connection modes stepped, in order. */
  readonly modes: readonly DeviceConnectionMode[];
  /** (b) the connectors' `--check-in-budget`, check-ins per second. */
  readonly budget: number;
  /** (b) wall check-ins per second to aim for; absent: 60 % of (a)'s per-check-in capacity. */
  readonly delayRate: number | undefined;
  /** (b) largest time compression. */
  readonly maxScale: number;
  /** (b) commands per size (at most the size). */
  readonly commands: number;
  readonly skipCapacity: boolean;
  readonly skipDelay: boolean;
  readonly quick: boolean;
  readonly out: string;
}

export const USAGE = `usage: npm run bench:mdm -- [options]
  --sizes 1000,10000,50000     (b) device counts for the command-to-device delay, a fresh connector each
  --capacity-devices N         (a) devices enrolled for the check-in capacity steps (default 2000)
  --step-seconds S             (a) measured seconds per rate step (default 10)
  --modes persistent,per-check-in
                               (a) device connection modes to step, in order (default both)
  --budget N                   (b) the connectors' --check-in-budget, check-ins/s (default 50)
  --delay-rate N               (b) wall check-ins/s to aim for (default: 60 % of (a)'s per-check-in capacity)
  --max-scale K                (b) largest time compression (default 60)
  --commands N                 (b) commands per size, at most the size (default 300)
  --skip-capacity              skip (a)
  --skip-delay                 skip (b)
  --quick                      smoke run: sizes 500,2000, capacity devices 500, 5 s steps (flags given win)
  --out FILE                   JSON results (default benchmarks/results/mdm.json)`;

const MAX_DEVICES = 200_000;

/** Parses and checks the flags; every error names the flag. */
export function parseMdmBenchOptions(argv: readonly string[]): MdmBenchOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    // parseArgs names the flag already ("Unknown option '--x'", "Option '--sizes' argument missing").
    throw new Error((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true;
  const sizes = list('--sizes', values.sizes ?? (quick ? '500,2000' : '1000,10000,50000')).map(
    (part) => integer('--sizes', part, 1, MAX_DEVICES),
  );
  const modes = list('--modes', values.modes ?? DEVICE_CONNECTION_MODES.join(',')).map((part) => {
    if (!(DEVICE_CONNECTION_MODES as readonly string[]).includes(part)) {
      throw new Error(
        `--modes must list ${DEVICE_CONNECTION_MODES.join(' and/or ')}, got '${part}'`,
      );
    }
    return part as DeviceConnectionMode;
  });
  if (new Set(modes).size !== modes.length) throw new Error('--modes lists a mode twice');
  const skipCapacity = values['skip-capacity'] === true;
  const skipDelay = values['skip-delay'] === true;
  if (skipCapacity && skipDelay) {
    throw new Error('--skip-capacity and --skip-delay together leave nothing to measure');
  }
  return {
    sizes,
    capacityDevices: integer(
      '--capacity-devices',
      values['capacity-devices'] ?? (quick ? '500' : '2000'),
      10,
      50_000,
    ),
    stepSeconds: integer('--step-seconds', values['step-seconds'] ?? (quick ? '5' : '10'), 2, 120),
    modes,
    budget: positive('--budget', values.budget ?? '50', 1_000_000),
    delayRate:
      values['delay-rate'] === undefined
        ? undefined
        : positive('--delay-rate', values['delay-rate'], 100_000),
    maxScale: positive('--max-scale', values['max-scale'] ?? '60', 10_000),
    commands: integer('--commands', values.commands ?? '300', 1, 10_000),
    skipCapacity,
    skipDelay,
    quick,
    out: path.resolve(values.out ?? 'benchmarks/results/mdm.json'),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      sizes: { type: 'string' },
      'capacity-devices': { type: 'string' },
      'step-seconds': { type: 'string' },
      modes: { type: 'string' },
      budget: { type: 'string' },
      'delay-rate': { type: 'string' },
      'max-scale': { type: 'string' },
      commands: { type: 'string' },
      'skip-capacity': { type: 'boolean' },
      'skip-delay': { type: 'boolean' },
      quick: { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
}

function list(flag: string, text: string): string[] {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.some((part) => part === '')) {
    throw new Error(`${flag} must be a comma-separated list with no empty items, got '${text}'`);
  }
  return parts;
}

function integer(flag: string, text: string, min: number, max: number): number {
  const clean = text.replaceAll('_', '');
  const value = Number(clean);
  if (!/^\d+$/.test(clean) || value < min || value > max) {
    throw new Error(`${flag} must be a whole number from ${min} to ${max}, got '${text}'`);
  }
  return value;
}

function positive(flag: string, text: string, max: number): number {
  const value = Number(text.replace(/\/s$/, ''));
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new Error(`${flag} must be a number above 0 and at most ${max}, got '${text}'`);
  }
  return value;
}
