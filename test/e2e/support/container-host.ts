import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from './run.js';
import type { NetworkNode } from './test-network.js';

export interface HostFile {
  readonly content: string;
  /** @default 0o644 */
  readonly mode?: number;
}

export interface ContainerHostOptions {
  readonly name: string;
  /** The shared, read-only root file system (lower layer of the overlay). */
  readonly rootfs: string;
  /** This host's writable layer, console log and pid file go here. */
  readonly runDir: string;
  readonly node: NetworkNode;
  /** Files the host has before its first boot (path inside the host -> content). */
  readonly files: Readonly<Record<string, HostFile>>;
}

/**
 * A Linux host: the root file system under an overlay of its own, booted by systemd-nspawn
 * with its own systemd as PID 1, inside the network namespace of its machine on the test
 * network. It is reached the way a real host is: over SSH, on its address.
 */
export class ContainerHost {
  private constructor(
    readonly name: string,
    readonly node: NetworkNode,
    readonly root: string,
    readonly consoleLog: string,
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
  ) {}

  static async boot(options: ContainerHostOptions): Promise<ContainerHost> {
    const { runDir, name, node } = options;
    const upper = path.join(runDir, 'upper');
    const work = path.join(runDir, 'work');
    const root = path.join(runDir, 'root');
    await Promise.all([upper, work, root].map((dir) => mkdir(dir, { recursive: true })));
    await run('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${options.rootfs},upperdir=${upper},workdir=${work}`,
      root,
    ]);
    const files: Record<string, HostFile> = {
      '/etc/hostname': { content: `${name}\n` },
      // A machine id of its own, like any installed host (journald and DHCP key on it).
      '/etc/machine-id': { content: `${randomBytes(16).toString('hex')}\n`, mode: 0o444 },
      ...options.files,
    };
    for (const [file, { content, mode }] of Object.entries(files)) {
      const target = path.join(root, file);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
      await chmod(target, mode ?? 0o644);
    }
    const consoleLog = path.join(runDir, 'console.log');
    const log = createWriteStream(consoleLog);
    const child = spawn(
      'systemd-nspawn',
      [
        '-b',
        '--register=no',
        '--keep-unit',
        `--network-namespace-path=/run/netns/${node.namespace}`,
        // nspawn keeps CAP_NET_ADMIN only for a private network; the namespace is the host's
        // own, so its firewall (nftables) may be loaded like on any machine.
        '--capability=CAP_NET_ADMIN',
        `--machine=${name}`,
        '-D',
        root,
        // read-only: the console's output reaches console.log. 'passive' connects the pseudo
        // TTY to nothing: once its buffer fills (cloud-init writes there), journald and then
        // PID 1 block on it and the host hangs.
        '--console=read-only',
        '--resolv-conf=off',
        '--timezone=off',
        '--link-journal=no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const exited = new Promise<void>((resolve) =>
      child.once('close', () => {
        log.end();
        resolve();
      }),
    );
    await writeFile(path.join(runDir, 'nspawn.pid'), `${child.pid}\n`);
    const host = new ContainerHost(name, node, root, consoleLog, child, exited);
    await host.waitForSsh();
    return host;
  }

  /** sshd listening in the host's namespace: the boot reached multi-user far enough. */
  private async waitForSsh(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) {
        throw new Error(
          `${this.name}: systemd-nspawn exited ${this.child.exitCode}; see ${this.consoleLog}`,
        );
      }
      const listening = await run(
        'ip',
        ['netns', 'exec', this.node.namespace, 'ss', '-Hltn', 'sport = :22'],
        { allowFailure: true },
      );
      if (listening.stdout.trim() !== '') return;
      await sleep(250);
    }
    throw new Error(
      `${this.name}: sshd did not listen within ${timeoutMs} ms; see ${this.consoleLog}`,
    );
  }

  /** A clean poweroff (nspawn turns SIGTERM into one), then the overlay comes off. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      const timedOut = await Promise.race([
        this.exited.then(() => false),
        sleep(20_000).then(() => true),
      ]);
      if (timedOut) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    }
    await unmount(this.root);
  }
}

export async function unmount(root: string): Promise<void> {
  await run('umount', [root], { allowFailure: true });
}
