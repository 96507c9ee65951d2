import { readFileSync } from 'node:fs';

/**
 * How a server announces itself on the database: every connection it opens carries an
 * `application_name` of `smc-server/<version>/<schema level>/<pid>`, which PostgreSQL shows
 * in `pg_stat_activity` for as long as the connection lives (the server's LISTEN connection
 * lives as long as the server). `smc migrate` reads it to see which servers, knowing which
 * migrations, are running before it applies one they may not survive. No table, no
 * heartbeat: a server that died has no connection, so it is never counted.
 */
export interface ServerIdentity {
  /** smc-kit's version (or the label a rehearsal plays). */
  readonly version: string;
  /** The highest migration this server's code knows. */
  readonly schemaLevel: number;
  readonly pid: number;
}

const PREFIX = 'smc-server/';
/** PostgreSQL keeps 63 bytes of application_name: room for the prefix, a level and a pid. */
const MAX_VERSION_LENGTH = 24;
const VERSION_TEXT = /^[0-9A-Za-z.+-]{1,24}$/;

export function applicationNameOf(identity: ServerIdentity): string {
  if (!VERSION_TEXT.test(identity.version))
    throw new RangeError(
      `version: must be 1-${MAX_VERSION_LENGTH} of [0-9A-Za-z.+-] (got ${JSON.stringify(identity.version)})`,
    );
  return `${PREFIX}${identity.version}/${identity.schemaLevel}/${identity.pid}`;
}

/** The identity in an application_name, or null when it is not a server's. */
export function parseApplicationName(name: string): ServerIdentity | null {
  if (!name.startsWith(PREFIX)) return null;
  const [version, level, pid] = name.slice(PREFIX.length).split('/');
  if (!version || !level || !pid || !/^\d+$/.test(level) || !/^\d+$/.test(pid)) return null;
  return { version, schemaLevel: Number(level), pid: Number(pid) };
}

/** The database URL with this identity as its application_name (kept by pg for every client). */
export function withApplicationName(databaseUrl: string, applicationName: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', applicationName);
  return url.toString();
}

let packageVersion: string | undefined;

/** smc-kit's own version, from its package.json (source tree and dist/ sit at different depths). */
export function smcKitVersion(): string {
  if (packageVersion) return packageVersion;
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'smc-kit' && pkg.version) {
        packageVersion = pkg.version;
        return pkg.version;
      }
    } catch {
      // Not at this depth: try the next.
    }
  }
  return '0.0.0';
}
