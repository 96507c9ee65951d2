import { describe, expect, it } from 'vitest';
import { PropsError } from '../../provider/props-error.js';
import { synthDeployment, vmsScripts } from './synth-helper.js';

/** database.backupCopyTarget: the nightly dump leaves the database host (vms only). */
describe('database.backupCopyTarget', () => {
  it('copies each dump to the named target with the backup key, on the host that runs PostgreSQL', () => {
    const { json } = synthDeployment(
      'vms',
      { clients: 20_000 },
      { database: { backupCopyTarget: 'smcbackup@backup.acme.example:/srv/smc' } },
    );
    const scripts = [...vmsScripts(json).entries()].filter(([, s]) =>
      s.includes('smc-postgres-backup'),
    );
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, script] of scripts) {
      expect(script).toContain(
        `scp -q -i /etc/smc/backup-copy.key -o BatchMode=yes -o StrictHostKeyChecking=accept-new "$dump" 'smcbackup@backup.acme.example:/srv/smc/'`,
      );
      expect(script).toContain('openssh-client');
    }
  });

  it('without it the dump stays on the host: no copy line', () => {
    const { json } = synthDeployment('vms', { clients: 20_000 });
    for (const script of vmsScripts(json).values()) expect(script).not.toContain('backup-copy.key');
  });

  it('refuses a target that is not user@host:/folder, and any target on a managed database', () => {
    for (const bad of ['backup.acme.example:/srv', 'u@h:relative', "u@h:/srv/'; rm -rf /"])
      expect(() =>
        synthDeployment('vms', { clients: 1_000 }, { database: { backupCopyTarget: bad } }),
      ).toThrow(
        /^database\.backupCopyTarget: must be an scp destination user@host:\/absolute\/folder/,
      );
    try {
      synthDeployment('azure', { clients: 20_000 }, { database: { backupCopyTarget: 'u@h:/srv' } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PropsError);
      expect((error as Error).message).toMatch(
        /^database\.backupCopyTarget: applies to self-hosted PostgreSQL only/,
      );
    }
  });
});
