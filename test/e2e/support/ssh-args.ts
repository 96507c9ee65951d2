/**
 * `ssh` arguments as terraform's SSH connection behaves: key authentication only, any host
 * key accepted (terraform's default without host_key; the hosts are fresh each run), no
 * prompts, quiet.
 */
export function sshArgs(options: {
  readonly key: string;
  readonly user: string;
  readonly host: string;
  readonly port?: number;
  readonly command: string;
}): string[] {
  return [
    '-i',
    options.key,
    '-p',
    String(options.port ?? 22),
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'ConnectTimeout=10',
    `${options.user}@${options.host}`,
    options.command,
  ];
}
