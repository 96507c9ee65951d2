import { chmod, copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { readIdentityCache, writeIdentityCache } from '../simulator/identity/cache.js';
import type { EnrolledIdentity } from '../simulator/identity/enroll.js';
import { certificateFingerprint } from '../simulator/identity/keys.js';

/**
 * `smc rehearse --identities DIR`: a fleet enrolled once and reused by later rehearsals.
 * Each rehearsal's server is new, so the agent CA that signed the fleet's certificates is
 * kept too: DIR/pki holds the rehearsal server's PKI folder (CA, server certificate, admin
 * token), DIR/agents the identities. The next rehearsal's server starts with that PKI and
 * the agents' certificates are valid again; only a fleet larger than the cache enrolls.
 */
export class RehearsalIdentities {
  readonly pkiDir: string;
  readonly agentsDir: string;

  constructor(readonly dir: string) {
    this.pkiDir = path.join(dir, 'pki');
    this.agentsDir = path.join(dir, 'agents');
  }

  /** True when an earlier rehearsal left its PKI here. */
  async hasPki(): Promise<boolean> {
    return stat(path.join(this.pkiDir, 'ca.pem')).then(
      () => true,
      () => false,
    );
  }

  /** Copies the kept PKI into a server's (not yet created) PKI folder. */
  async installPki(serverPkiDir: string): Promise<void> {
    await mkdir(path.dirname(serverPkiDir), { recursive: true, mode: 0o711 });
    await copyFolder(this.pkiDir, serverPkiDir);
  }

  /** Keeps a server's PKI folder for the next rehearsal (once: an existing one stays). */
  async keepPki(serverPkiDir: string): Promise<void> {
    if (await this.hasPki()) return;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await copyFolder(serverPkiDir, this.pkiDir);
  }

  /** Identities cached for this server's CA, in fleet order (none: an empty list). */
  async read(serverCaPem: string): Promise<EnrolledIdentity[]> {
    const sha = certificateFingerprint(serverCaPem, 'the rehearsal server CA');
    return (await readIdentityCache(this.agentsDir, sha, '--identities')) ?? [];
  }

  async write(
    serverCaPem: string,
    target: string,
    identities: readonly EnrolledIdentity[],
  ): Promise<void> {
    const sha = certificateFingerprint(serverCaPem, 'the rehearsal server CA');
    await writeIdentityCache(
      this.agentsDir,
      { format: 1, serverCaSha256: sha, agentCaSha256: sha, target },
      identities,
    );
  }
}

async function copyFolder(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o700 });
  await chmod(to, 0o700);
  for (const name of await readdir(from)) {
    const source = path.join(from, name);
    if (!(await stat(source)).isFile()) continue;
    await copyFile(source, path.join(to, name));
    await chmod(path.join(to, name), 0o600);
  }
}
