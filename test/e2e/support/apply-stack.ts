import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RunResult, run } from './run.js';
import { sshArgs } from './ssh-args.js';
import type { TerraformDocument, TerraformValues } from './terraform-values.js';

/** Runs a command on the machine terraform applies from (the admin's namespace). */
export type OperatorExec = (
  command: string,
  args: readonly string[],
  input?: string,
) => Promise<RunResult>;

export interface AppliedHost {
  readonly resource: string;
  readonly host: string;
  readonly seconds: number;
  /** Everything the provisioners printed, for the test's log. */
  readonly log: string;
}

interface Connection {
  readonly host: string;
  readonly user: string;
  readonly port: number;
  readonly private_key: string;
}

type Provisioner =
  | { readonly 'remote-exec': { readonly inline: readonly string[] } }
  | { readonly file: { readonly content: string; readonly destination: string } };

/**
 * `terraform apply` for the null_resources of a vms stack: each resource's provisioners run in
 * order over real SSH with the resource's own connection block (host, user, port, the key its
 * `file()` names), resources in parallel as terraform does (they do not depend on each other).
 * remote-exec runs its inline lines as one /bin/sh script and fails on its exit status, like
 * terraform; file writes the content to the destination.
 */
export async function applyNullResources(
  doc: TerraformDocument,
  values: TerraformValues,
  exec: OperatorExec,
  options: { readonly skipHosts?: readonly string[] } = {},
): Promise<AppliedHost[]> {
  const skip = new Set(options.skipHosts ?? []);
  const resources = Object.entries(doc.resource?.null_resource ?? {}).filter(([, config]) => {
    const host = (config.connection as { host?: unknown } | undefined)?.host;
    return !skip.has(String(host));
  });
  if (resources.length === 0) throw new Error('the stack has no null_resource to apply');
  const keyDir = await mkdtemp(path.join(tmpdir(), 'smc-e2e-apply-'));
  try {
    return await Promise.all(
      resources.map(([name, config]) => applyOne(name, config, values, exec, keyDir)),
    );
  } finally {
    await rm(keyDir, { recursive: true, force: true });
  }
}

async function applyOne(
  name: string,
  config: Record<string, unknown>,
  values: TerraformValues,
  exec: OperatorExec,
  keyDir: string,
): Promise<AppliedHost> {
  const started = Date.now();
  const connection = (await values.evaluate(config.connection)) as Connection;
  const keyFile = path.join(keyDir, `${name}.key`);
  await writeFile(keyFile, connection.private_key);
  await chmod(keyFile, 0o600);
  const ssh = (remote: string, input: string) =>
    exec(
      'ssh',
      sshArgs({
        key: keyFile,
        user: connection.user,
        host: connection.host,
        port: connection.port,
        command: remote,
      }),
      input,
    );
  let log = '';
  for (const provisioner of config.provisioner as Provisioner[]) {
    if ('remote-exec' in provisioner) {
      const script = (await values.evaluate(provisioner['remote-exec'].inline)) as string[];
      const result = await ssh('/bin/sh -s', `${script.join('\n')}\n`);
      log += result.stdout + result.stderr;
      if (result.status !== 0) {
        throw new Error(
          `${name} (${connection.host}): remote-exec exited ${result.status}\n${tail(log)}`,
        );
      }
    } else if ('file' in provisioner) {
      const content = String(await values.evaluate(provisioner.file.content));
      const destination = String(await values.evaluate(provisioner.file.destination));
      const result = await ssh(`cat > '${destination}'`, content);
      if (result.status !== 0) {
        throw new Error(`${name}: file ${destination}: ${result.stderr.trim()}`);
      }
    } else {
      throw new Error(`${name}: provisioner ${Object.keys(provisioner)[0]} not supported`);
    }
  }
  return {
    resource: name,
    host: connection.host,
    seconds: (Date.now() - started) / 1_000,
    log,
  };
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Runs `command` inside a network namespace: the operator's machine on the test network. */
export function namespaceExec(namespace: string, timeoutMs = 600_000): OperatorExec {
  return (command, args, input) =>
    run('ip', ['netns', 'exec', namespace, command, ...args], {
      ...(input !== undefined ? { input } : {}),
      allowFailure: true,
      timeoutMs,
    });
}
