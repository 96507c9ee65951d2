import { execFileSync, spawnSync } from 'node:child_process';
import { EmbeddedPostgresError } from './errors.js';

/**
 * Who runs PostgreSQL. PostgreSQL refuses to run as root, so when smc runs as root (CI,
 * containers, cloud VMs) it runs as an unprivileged `postgres` system user, made if missing.
 * That user must reach the binaries and the cluster folder: `canReach` asks the kernel as it.
 */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
  readonly name: string;
}

const USER = 'postgres';

/** undefined when smc is not root: PostgreSQL then runs as smc's own user. */
export function postgresRunAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return lookUp() ?? create();
}

function lookUp(): RunAs | undefined {
  const uid = idOf('-u');
  const gid = idOf('-g');
  return uid === undefined || gid === undefined ? undefined : { uid, gid, name: USER };
}

function idOf(flag: '-u' | '-g'): number | undefined {
  const result = spawnSync('id', [flag, USER], { encoding: 'utf8' });
  const id = Number.parseInt(result.stdout ?? '', 10);
  return result.status === 0 && Number.isInteger(id) ? id : undefined;
}

function create(): RunAs {
  const groupExists = spawnSync('getent', ['group', USER]).status === 0;
  try {
    execFileSync(
      'useradd',
      [
        '--system',
        ...(groupExists ? ['--gid', USER] : ['--user-group']),
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        '/usr/sbin/nologin',
        USER,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    // Another smc process may have made it a moment ago.
    const made = lookUp();
    if (made) return made;
    const reason = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: as root it runs as a system user "${USER}", which is missing and could not be created (useradd: ${reason || 'not found'}); create it (useradd --system --user-group ${USER}) or pass --database-url`,
    );
  }
  const made = lookUp();
  if (!made)
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: user "${USER}" was created but cannot be looked up`,
    );
  return made;
}

/**
 * Whether `runAs` may traverse to `target` and use it (`-x`: search a folder or run a file,
 * `-w`: write). Asked of the kernel as that user, so modes, ACLs and every parent count.
 */
export function canReach(
  runAs: RunAs | undefined,
  target: string,
  test: '-x' | '-w' = '-x',
): boolean {
  if (!runAs) return true;
  return spawnSync('test', [test, target], { uid: runAs.uid, gid: runAs.gid }).status === 0;
}
