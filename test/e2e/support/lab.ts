import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContainerHost, unmount } from './container-host.js';
import { run } from './run.js';
import { deleteNamespace, type NetworkNode, staleNamespaces, TestNetwork } from './test-network.js';

const MIRROR_SERVER = fileURLToPath(new URL('../hosts/mirror-server.mjs', import.meta.url));
const RUN_PREFIX = 'smc-e2e-';

export interface LabMachine {
  readonly name: string;
  readonly address: string;
}

/**
 * One run's world: a private LAN of network namespaces, booted hosts on it, a mirror, and
 * the operator's machines (where terraform, the simulator and the admin run). Everything it
 * starts is recorded in its run folder, so a run that was killed is cleaned up by the next.
 */
export class Lab {
  readonly hosts = new Map<string, ContainerHost>();
  private mirror: ChildProcess | undefined;
  private mirrorLog = '';

  private constructor(
    readonly runId: string,
    readonly dir: string,
    readonly network: TestNetwork,
  ) {}

  static async create(machines: readonly LabMachine[]): Promise<Lab> {
    await cleanStaleRuns();
    const runId = randomBytes(2).toString('hex');
    const dir = await mkdtemp(path.join(tmpdir(), `${RUN_PREFIX}${runId}-`));
    await writeFile(path.join(dir, 'owner.pid'), `${process.pid}\n`);
    await writeFile(path.join(dir, 'run.id'), `${runId}\n`);
    const network = await TestNetwork.create(runId, machines);
    return new Lab(runId, dir, network);
  }

  node(name: string): NetworkNode {
    return this.network.node(name);
  }

  /**
   * Name resolution for an operator machine, the way the site's DNS would answer once the
   * zone file is loaded: `ip netns exec` mounts /etc/netns/<namespace>/hosts over /etc/hosts.
   */
  async resolveOn(machine: string, records: readonly { name: string; address: string }[]) {
    const folder = path.join('/etc/netns', this.node(machine).namespace);
    await mkdir(folder, { recursive: true });
    await writeFile(
      path.join(folder, 'hosts'),
      `127.0.0.1 localhost\n${records.map((r) => `${r.address} ${r.name}`).join('\n')}\n`,
    );
  }

  async startMirror(machine: string, root: string, port: number): Promise<string> {
    const node = this.node(machine);
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        node.namespace,
        process.execPath,
        MIRROR_SERVER,
        root,
        node.address,
        String(port),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.mirror = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.mirrorLog += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.mirrorLog += chunk.toString()));
    const deadline = Date.now() + 10_000;
    while (!this.mirrorLog.includes('listening')) {
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`mirror did not start: ${this.mirrorLog}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return `http://${node.address}:${port}`;
  }

  /** Every request the mirror answered: `GET /path status bytes`. */
  get mirrorRequests(): string[] {
    return this.mirrorLog.split('\n').filter((line) => /^(GET|HEAD) /.test(line));
  }

  async boot(
    name: string,
    machine: string,
    rootfs: string,
    files: Parameters<typeof ContainerHost.boot>[0]['files'],
  ): Promise<ContainerHost> {
    const host = await ContainerHost.boot({
      name,
      rootfs,
      runDir: path.join(this.dir, 'hosts', name),
      node: this.node(machine),
      files,
    });
    this.hosts.set(name, host);
    return host;
  }

  /** A command on an operator machine (its network namespace, its /etc/netns files). */
  exec(
    machine: string,
    command: string,
    args: readonly string[],
    options: Parameters<typeof run>[2] = {},
  ) {
    return run('ip', ['netns', 'exec', this.node(machine).namespace, command, ...args], options);
  }

  async destroy(options: { keepDir?: boolean } = {}): Promise<void> {
    await Promise.all([...this.hosts.values()].map((host) => host.stop().catch(() => {})));
    this.mirror?.kill('SIGTERM');
    for (const node of this.network.nodes.values()) {
      await rm(path.join('/etc/netns', node.namespace), { recursive: true, force: true });
    }
    await this.network.destroy();
    if (!options.keepDir) await rm(this.dir, { recursive: true, force: true });
  }
}

/** Runs whose test process died (killed, crashed): stop their hosts, free their names. */
async function cleanStaleRuns(): Promise<void> {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const liveRuns = new Set<string>();
  for (const entry of readdirSync(tmpdir()).filter((e) => e.startsWith(RUN_PREFIX))) {
    const dir = path.join(tmpdir(), entry);
    const owner = Number(readText(path.join(dir, 'owner.pid')));
    const runId = readText(path.join(dir, 'run.id'));
    if (owner && alive(owner)) {
      if (runId) liveRuns.add(runId);
      continue;
    }
    const hostsDir = path.join(dir, 'hosts');
    for (const host of existsSync(hostsDir) ? readdirSync(hostsDir) : []) {
      const pid = Number(readText(path.join(hostsDir, host, 'nspawn.pid')));
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
      await unmount(path.join(hostsDir, host, 'root'));
    }
    await rm(dir, { recursive: true, force: true });
  }
  for (const namespace of await staleNamespaces((id) => liveRuns.has(id))) {
    await rm(path.join('/etc/netns', namespace), { recursive: true, force: true });
    await deleteNamespace(namespace);
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
