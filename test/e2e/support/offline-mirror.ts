import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from './rootfs-cache.js';
import { run } from './run.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * A Node.js release folder made from this machine's own node binary and npm, laid out like
 * https://nodejs.org/dist (v<version>/node-v<version>-linux-x64.tar.xz + SHASUMS256.txt), so
 * the role scripts' download-and-verify runs unchanged against the test's mirror. Cached per
 * version: xz over a 100 MB binary is the slow part.
 */
export async function ensureNodeRelease(): Promise<{ folder: string; version: string }> {
  const version = process.versions.node;
  const folder = path.join(cacheDir(), 'node', `v${version}`);
  const name = `node-v${version}-linux-x64`;
  const tarball = path.join(folder, `${name}.tar.xz`);
  if (existsSync(path.join(folder, 'SHASUMS256.txt'))) return { folder, version };
  // A clean machine (CI) has no cache folder yet.
  await mkdir(cacheDir(), { recursive: true });
  const work = await mkdtemp(path.join(cacheDir(), '.node-'));
  try {
    const npmRoot = (await run('npm', ['root', '-g'])).stdout.trim();
    const top = path.join(work, name);
    await mkdir(path.join(top, 'bin'), { recursive: true });
    await mkdir(path.join(top, 'lib', 'node_modules'), { recursive: true });
    await run('cp', ['-L', process.execPath, path.join(top, 'bin', 'node')]);
    await run('cp', [
      '-a',
      path.join(npmRoot, 'npm'),
      path.join(top, 'lib', 'node_modules', 'npm'),
    ]);
    await symlink('../lib/node_modules/npm/bin/npm-cli.js', path.join(top, 'bin', 'npm'));
    await symlink('../lib/node_modules/npm/bin/npx-cli.js', path.join(top, 'bin', 'npx'));
    await mkdir(folder, { recursive: true });
    await run('tar', ['-C', work, '-cf', tarball, '--use-compress-program=xz -1 -T2', name], {
      timeoutMs: 300_000,
    });
    const digest = await sha256(tarball);
    await writeFile(path.join(folder, 'SHASUMS256.txt'), `${digest}  ${name}.tar.xz\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { folder, version };
}

/** The offline bundle of this checkout (`npm run pack:offline`), into `folder`. */
export async function packOfflineArtifact(folder: string): Promise<string> {
  const result = await run('bash', [path.join(REPO, 'scripts', 'pack-offline.sh'), folder], {
    timeoutMs: 300_000,
  });
  const file = result.stdout.trim().split('\n').at(-1) ?? '';
  if (!file.endsWith('.tgz')) throw new Error(`pack-offline printed no tarball: ${result.stdout}`);
  return file;
}

/** The mirror's tree: apt/ (the cached repository), node/v<version>/, the smc-kit tarball. */
export async function assembleMirror(options: {
  readonly root: string;
  readonly apt: string;
  readonly node: { readonly folder: string; readonly version: string };
  readonly artifact: string;
}): Promise<{ artifactPath: string }> {
  await mkdir(path.join(options.root, 'node'), { recursive: true });
  await symlink(options.apt, path.join(options.root, 'apt'));
  await symlink(options.node.folder, path.join(options.root, 'node', `v${options.node.version}`));
  const artifactPath = `/${path.basename(options.artifact)}`;
  await symlink(options.artifact, path.join(options.root, path.basename(options.artifact)));
  return { artifactPath };
}

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
