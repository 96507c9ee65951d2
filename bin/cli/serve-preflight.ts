import { lookup } from 'node:dns/promises';
import { createServer, isIP } from 'node:net';
import { UsageError } from './usage-error.js';

/** A listen address or port the server cannot take: a run error (exit 1), naming the flag. */
export class ListenPreflightError extends Error {
  override readonly name = 'ListenPreflightError';
}

/**
 * Checks what `smc serve` (and `smc mdm`) would otherwise find out only after starting
 * PostgreSQL and creating the CA: that --host is an address of this machine, that every port
 * is free, that --database-url is a PostgreSQL URL whose host resolves. Bad input is a
 * UsageError (exit 2); a busy port or unreachable name a ListenPreflightError (exit 1).
 */
export async function preflightListen(
  host: string,
  ports: readonly { readonly flag: string; readonly port: number }[],
): Promise<void> {
  if (host.trim() === '') throw new UsageError('--host: must not be empty');
  if (isIP(host) === 0) {
    if (!/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/.test(host))
      throw new UsageError(
        `--host: must be an IP address or a host name (got ${JSON.stringify(host)})`,
      );
    await lookup(host).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`--host: ${host} does not resolve (${error.code ?? error.message})`);
    });
  }
  // Port 0 first: proves the address is this machine's whatever ports follow.
  await tryListen(host, 0).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EADDRNOTAVAIL'
      ? new UsageError(`--host: ${host} is not an address of this machine (EADDRNOTAVAIL)`)
      : new ListenPreflightError(
          `--host: cannot listen on ${host} (${error.code ?? error.message})`,
        );
  });
  const seen = new Map<number, string>();
  for (const { flag, port } of ports) {
    if (port === 0) continue; // the system picks a free one
    const other = seen.get(port);
    if (other)
      throw new UsageError(`${flag}: ${port} is also ${other}; give each plane its own port`);
    seen.set(port, flag);
    await tryListen(host, port).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        throw new ListenPreflightError(
          `${flag}: ${host}:${port} is already in use (another smc serve? pick another ${flag})`,
        );
      if (error.code === 'EACCES')
        throw new ListenPreflightError(
          `${flag}: ${host}:${port} needs privileges this user lacks (EACCES); use a port above 1023`,
        );
      if (error.code === 'EADDRNOTAVAIL')
        throw new UsageError(`--host: ${host} is not an address of this machine (EADDRNOTAVAIL)`);
      throw new ListenPreflightError(
        `${flag}: cannot listen on ${host}:${port} (${error.code ?? error.message})`,
      );
    });
  }
}

function tryListen(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** --database-url (or DATABASE_URL): a postgres:// URL with a host that resolves. */
export async function preflightDatabaseUrl(url: string, flag: string): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(
      `${flag}: must be a URL such as postgres://user:password@host:5432/database (got ${JSON.stringify(redact(url))})`,
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw new UsageError(
      `${flag}: must start with postgres:// or postgresql:// (got ${JSON.stringify(parsed.protocol)})`,
    );
  // A socket folder (?host=/run/postgresql) or an empty host leaves the connecting to pg.
  const host = decodeURIComponent(parsed.hostname).replace(/^\[|\]$/g, '');
  if (host === '' || parsed.searchParams.get('host')?.startsWith('/')) return;
  if (isIP(host) !== 0) return;
  await lookup(host).catch((error: NodeJS.ErrnoException) => {
    throw new ListenPreflightError(
      `${flag}: the database host ${host} does not resolve (${error.code ?? error.message})`,
    );
  });
}

/** A URL without its password, for messages. */
function redact(text: string): string {
  return text.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}
