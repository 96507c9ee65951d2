/**
 * A platform-neutral description of what a host runs, rendered two ways: as cloud-init
 * `#cloud-config` (Azure custom data, or any hypervisor) and as a bootstrap shell script
 * (existing hosts over SSH). Secrets never appear here: they travel as `SecretFile`s, which
 * each platform delivers its own way.
 */

export interface CloudConfigFile {
  readonly path: string;
  readonly content: string;
  /** Octal mode. @default '0644' */
  readonly permissions?: string;
  /** user:group. @default 'root:root' */
  readonly owner?: string;
}

export interface CloudConfig {
  /** System accounts (no login) the services run as; created before files are written. */
  readonly systemUsers: readonly string[];
  readonly packages: readonly string[];
  readonly writeFiles: readonly CloudConfigFile[];
  /** Shell lines run in order, as root, after packages and files are in place. */
  readonly runcmd: readonly string[];
}

export const EMPTY_CLOUD_CONFIG: CloudConfig = {
  systemUsers: [],
  packages: [],
  writeFiles: [],
  runcmd: [],
};

/** Concatenates parts in order; packages are de-duplicated, later files with the same path win. */
export function mergeCloudConfigs(...parts: readonly CloudConfig[]): CloudConfig {
  const files = new Map<string, CloudConfigFile>();
  for (const part of parts) for (const file of part.writeFiles) files.set(file.path, file);
  return {
    systemUsers: [...new Set(parts.flatMap((p) => p.systemUsers))],
    packages: [...new Set(parts.flatMap((p) => p.packages))],
    writeFiles: [...files.values()],
    runcmd: parts.flatMap((p) => p.runcmd),
  };
}

/** cdktf encodes unresolved values as `${TfToken[...]}`; everything else is literal text. */
const TOKEN = /\$\{TfToken\[[^\]]+\]\}/g;

/**
 * Terraform reads `${` and `%{` in any JSON string as template syntax, so a literal one in a
 * rendered file would be evaluated at apply time. Templates use `$VAR` instead; this guard
 * keeps a slip from reaching a plan.
 */
export function assertNoTemplateSyntax(where: string, text: string): void {
  const literal = text.replace(TOKEN, '');
  const found = /[$%]\{/.exec(literal);
  if (found) {
    const at = literal.slice(Math.max(0, found.index - 20), found.index + 20);
    throw new Error(`${where}: contains Terraform template syntax near ${JSON.stringify(at)}`);
  }
}

export function renderCloudConfigYaml(config: CloudConfig, header: readonly string[] = []): string {
  const lines = ['#cloud-config', ...header.map((h) => `# ${h}`)];
  if (config.systemUsers.length > 0) {
    lines.push('users:', '  - default');
    for (const user of config.systemUsers) {
      lines.push(`  - name: ${user}`, '    system: true', '    shell: /usr/sbin/nologin');
    }
  }
  if (config.packages.length > 0) {
    lines.push('package_update: true', 'packages:');
    for (const name of config.packages) lines.push(`  - ${name}`);
  }
  if (config.writeFiles.length > 0) {
    lines.push('write_files:');
    for (const file of config.writeFiles) {
      assertNoTemplateSyntax(file.path, file.content);
      lines.push(`  - path: ${file.path}`);
      lines.push(`    permissions: '${file.permissions ?? '0644'}'`);
      lines.push(`    owner: ${file.owner ?? 'root:root'}`);
      // write_files runs before users_groups; deferring waits for the account (cloud-init 21.3+).
      if ((file.owner ?? 'root:root') !== 'root:root') lines.push('    defer: true');
      lines.push('    content: |');
      for (const line of file.content.replace(/\n$/, '').split('\n')) {
        lines.push(line === '' ? '' : `      ${line}`);
      }
    }
  }
  if (config.runcmd.length > 0) {
    lines.push('runcmd:');
    for (const command of config.runcmd) {
      assertNoTemplateSyntax('runcmd', command);
      lines.push(`  - ${JSON.stringify(['bash', '-c', command])}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The same configuration as one idempotent bash script, for hosts that already run: install
 * packages, write files through quoted heredocs (no expansion), run the commands.
 */
export function renderBootstrapScript(config: CloudConfig): string {
  const lines = ['#!/bin/bash', 'set -euo pipefail', 'export DEBIAN_FRONTEND=noninteractive'];
  for (const user of config.systemUsers) {
    lines.push(
      `id -u ${user} >/dev/null 2>&1 || useradd --system --shell /usr/sbin/nologin ${user}`,
    );
  }
  // `--users-only` lets a caller create the accounts, place secret files owned by them, then run
  // the rest; written without braces because Terraform would read them as template syntax.
  lines.push('if [ "$#" -gt 0 ] && [ "$1" = "--users-only" ]; then exit 0; fi');
  if (config.packages.length > 0) {
    lines.push('apt-get update -q', `apt-get install -y -q ${config.packages.join(' ')}`);
  }
  for (const file of config.writeFiles) {
    assertNoTemplateSyntax(file.path, file.content);
    const delimiter = 'SMC_FILE_END';
    if (file.content.includes(delimiter)) {
      throw new Error(`${file.path}: content contains the heredoc delimiter ${delimiter}`);
    }
    lines.push(`install -d -m 0755 "$(dirname '${file.path}')"`);
    lines.push(`cat > '${file.path}' <<'${delimiter}'`, file.content.replace(/\n$/, ''), delimiter);
    lines.push(`chmod ${file.permissions ?? '0644'} '${file.path}'`);
    lines.push(`chown ${file.owner ?? 'root:root'} '${file.path}'`);
  }
  for (const command of config.runcmd) {
    assertNoTemplateSyntax('runcmd', command);
    lines.push(command);
  }
  return `${lines.join('\n')}\n`;
}
