import { createHash } from 'node:crypto';
import { Resource } from '@cdktf/provider-null/lib/resource/index.js';
import { Fn, TerraformLocal } from 'cdktf';
import type { Construct } from 'constructs';
import type { SecretFile } from '../platform.js';
import type { VmsHost } from './hosts.js';

export interface SshMachineProps {
  readonly hostname: string;
  readonly host: VmsHost;
  /** The whole bootstrap script (packages, files, commands) for this host. */
  readonly bootstrapScript: string;
  readonly secretFiles: readonly SecretFile[];
}

/**
 * Configures one existing host over SSH: a null_resource whose `triggers` hash the rendered
 * script and secrets, so terraform re-runs the provisioners exactly when they change.
 * Secrets are uploaded into a 0700 staging folder and moved into place with their owner.
 */
export function sshMachine(scope: Construct, id: string, props: SshMachineProps): Resource {
  const { host, hostname } = props;
  const sudo = host.sshUser === 'root' ? '' : 'sudo ';
  const staging = `/tmp/smc-staging-${hostname}`;
  const secretUploads = props.secretFiles.map((file, i) => ({
    type: 'file' as const,
    content: file.secret.value,
    destination: `${staging}/secret-${i}`,
  }));
  const installSecrets = props.secretFiles.map((file, i) => {
    const [user, group] = (file.owner ?? 'root:root').split(':');
    return `${sudo}install -D -m 0600 -o ${user} -g ${group ?? user} ${staging}/secret-${i} '${file.path}'`;
  });
  // The script is literal text, hashed here; the secrets are references, hashed by terraform.
  const scriptHash = createHash('sha256').update(props.bootstrapScript).digest('hex');
  const secretValues = props.secretFiles.map((f) => f.secret.value);
  return new Resource(scope, id, {
    triggers: {
      host: host.address,
      configuration: scriptHash,
      ...(secretValues.length > 0
        ? {
            // A local holds the joined values (some are templates with references), so
            // sha256 gets one reference; terraform keeps the result sensitive.
            secrets: Fn.sha256(
              new TerraformLocal(scope, `${id}-secrets`, secretValues.join('\n')).asString,
            ),
          }
        : {}),
    },
    connection: {
      type: 'ssh',
      host: host.address,
      user: host.sshUser,
      port: host.sshPort ?? 22,
      privateKey: Fn.file(host.sshPrivateKeyPath),
    },
    provisioners: [
      { type: 'remote-exec', inline: [`rm -rf ${staging}`, `install -d -m 0700 ${staging}`] },
      { type: 'file', content: props.bootstrapScript, destination: `${staging}/bootstrap.sh` },
      ...secretUploads,
      {
        type: 'remote-exec',
        inline: [
          // Accounts first, so the secrets can be handed to the users that read them.
          ...(props.secretFiles.length > 0
            ? [`${sudo}bash ${staging}/bootstrap.sh --users-only`]
            : []),
          ...installSecrets,
          `${sudo}bash ${staging}/bootstrap.sh`,
          `rm -rf ${staging}`,
        ],
      },
    ],
  });
}
