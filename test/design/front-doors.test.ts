import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * DESIGN.md: "Each part has one front door (index.ts) ... bin and benchmarks import only
 * front doors." Checked over the import lines of every .ts file in bin/ and benchmarks/,
 * static and dynamic, type-only included (a type import today is a value import tomorrow).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PARTS = ['simulator', 'server', 'rehearsal', 'sizing', 'protocol', 'constructs', 'provider'];

/**
 * The doors: each part's index.ts, and the sub-doors the package's exports map publishes
 * (`smc-kit/provider/azure` is a door of its own so `smc-kit/provider` never loads azurerm).
 */
function frontDoors(): Set<string> {
  const doors = new Set(PARTS.map((part) => `${part}/index.ts`));
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { default: string }>;
  };
  for (const target of Object.values(pkg.exports)) {
    const file = typeof target === 'string' ? target : target.default;
    const match = /^\.\/dist\/(.+)\.js$/.exec(file);
    if (match?.[1] && PARTS.includes(match[1].split('/')[0] ?? '')) doors.add(`${match[1]}.ts`);
  }
  return doors;
}

/**
 * Flag help read while the command tree is built (choices and defaults): through the door it
 * would load faker and MQTT (simulator) or fastify and pg (server) on every `smc --help`.
 * Each entry names the one importer allowed; anything else must use the door.
 */
const REGISTRATION_CONSTANTS = new Set([
  'bin/commands/mdm.ts -> server/mdm/check-in-policy.ts',
  'bin/commands/serve.ts -> server/telemetry/log-levels.ts',
  'bin/commands/simulate.ts -> simulator/devices/device-simulation-options.ts',
  'bin/commands/simulate.ts -> simulator/transport/agent-transport.ts',
  'bin/commands/report.ts -> simulator/report/compare.ts',
  'bin/commands/report.ts -> simulator/report/shard-sources.ts',
]);

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)));
}

/** Every relative specifier of a file: `from '...'`, `import('...')`, `export ... from '...'`. */
function relativeSpecifiers(source: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)'(\.{1,2}\/[^']+)'/g;
  return [...source.matchAll(pattern)].map((match) => match[1] ?? '');
}

/** `bin/x.ts` importing `../server/app.js` -> `server/app.ts`; null outside the parts. */
function partFileOf(importer: string, specifier: string): string | null {
  const target = path
    .relative(ROOT, path.resolve(ROOT, path.dirname(importer), specifier))
    .split(path.sep)
    .join('/')
    .replace(/\.js$/, '.ts');
  return PARTS.includes(target.split('/')[0] ?? '') ? target : null;
}

function backDoors(files: readonly string[], read: (file: string) => string): string[] {
  const doors = frontDoors();
  const found: string[] = [];
  for (const file of files) {
    for (const specifier of relativeSpecifiers(read(file))) {
      const target = partFileOf(file, specifier);
      if (target === null || doors.has(target)) continue;
      if (REGISTRATION_CONSTANTS.has(`${file} -> ${target}`)) continue;
      found.push(`${file} imports ${specifier}`);
    }
  }
  return found;
}

const readSource = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

describe('front doors', () => {
  it('bin/ and benchmarks/ import the parts only through their front doors', () => {
    const files = [...sourceFiles('bin'), ...sourceFiles('benchmarks')];
    expect(files.length).toBeGreaterThan(50);
    expect(backDoors(files, readSource)).toEqual([]);
  });

  it('catches a back door: static, multi-line, type-only and dynamic imports', () => {
    const sources: Record<string, string> = {
      'bin/commands/x.ts': [
        "import { startServer } from '../../server/app.js';",
        "import type { SimulationOptions } from '../../simulator/run/simulation-options.js';",
        "import { planDeployment } from '../../sizing/index.js';",
        'import {',
        '  parseSlo,',
        "} from '../../simulator/workload/slo.js';",
        "const { AzurePlatform } = await import('../../provider/azure/index.js');",
        "const { migrate } = await import(\n  '../../server/store/migrate.js'\n);",
        "import { DEFAULT_CHECK_IN_BUDGET_PER_SECOND } from '../../server/mdm/check-in-policy.js';",
      ].join('\n'),
      'benchmarks/lib/y.ts': "import { x } from '../../test/simulator/fixtures/z.js';",
    };
    expect(backDoors(Object.keys(sources), (file) => sources[file] ?? '')).toEqual([
      'bin/commands/x.ts imports ../../server/app.js',
      'bin/commands/x.ts imports ../../simulator/run/simulation-options.js',
      'bin/commands/x.ts imports ../../simulator/workload/slo.js',
      'bin/commands/x.ts imports ../../server/store/migrate.js',
      'bin/commands/x.ts imports ../../server/mdm/check-in-policy.js',
    ]);
  });

  it('benchmarks/ import no test files', () => {
    const intoTests = sourceFiles('benchmarks').flatMap((file) =>
      relativeSpecifiers(readSource(file))
        .filter((specifier) =>
          path
            .relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier))
            .startsWith(`test${path.sep}`),
        )
        .map((specifier) => `${file} imports ${specifier}`),
    );
    expect(intoTests).toEqual([]);
  });
});
