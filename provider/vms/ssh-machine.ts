import { createHash } from 'node:crypto';
import { Resource } from '@cdktf/provider-null/lib/resource/index.js';
import { Fn, type ITerraformDependable, Lazy, TerraformLocal } from 'cdktf';
import type { Construct } from 'constructs';
import type { SecretFile } from '../platform.js';
import type { VmsHost } from './hosts.js';

export interface SshMachineProps {
  readonly hostname: string;
  readonly host: VmsHost;
  /**
   * The whole bootstrap script (packages, files, commands) for this host, rendered at synth:
   * it names every host of the deployment, which are only all known once all exist.
   */
  readonly bootstrapScript: () => string;
  readonly secretFiles: readonly SecretFile[];
  /** Configured only after these (a rolling order: one host after the other). */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * Configures one existing host over SSH: a null_resource whose `triggers` hash the rendered
 * script and secrets, so terraform re-runs the provisioners exactly when they change.
 * Secrets are uploaded into a 0700 staging folder and moved into place with their owner.
 * Each remote-exec starts with `set -o errexit`: terraform runs the inline lines as one
 * script and judges only its last command, so without it a failed bootstrap would be
 * followed by a successful clean-up and reported as applied.
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
  const script = Lazy.stringValue({ produce: () => props.bootstrapScript() });
  // The script is literal text, hashed here; the secrets are references, hashed by terraform.
  const scriptHash = Lazy.stringValue({
    produce: () => createHash('sha256').update(props.bootstrapScript()).digest('hex'),
  });
  const secretValues = props.secretFiles.map((f) => f.secret.value);
  return new Resource(scope, id, {
    ...(props.dependsOn ? { dependsOn: props.dependsOn } : {}),
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
      {
        type: 'remote-exec',
        inline: ['set -o errexit', `rm -rf ${staging}`, `install -d -m 0700 ${staging}`],
      },
      { type: 'file', content: script, destination: `${staging}/bootstrap.sh` },
      ...secretUploads,
      {
        type: 'remote-exec',
        inline: [
          'set -o errexit',
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
