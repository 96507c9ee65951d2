import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type EmbeddedDatabase,
  freePort,
  startEmbeddedPostgres,
} from '../../server/store/embedded-postgres.js';

/**
 * A PostgreSQL of the test's own (an embedded cluster on a fixed free port), so the test can
 * do to it what a failing datacenter does: stop it (fast shutdown), start it again on the same
 * port and data, freeze it (SIGSTOP on the postmaster and every backend) and thaw it.
 */
export class OwnPostgres {
  private database: EmbeddedDatabase | null = null;
  private frozen: number[] = [];

  private constructor(
    private readonly folder: string,
    readonly port: number,
  ) {}

  static async start(label: string): Promise<OwnPostgres> {
    const folder = await mkdtemp(path.join(tmpdir(), `smc-${label}-pg-`));
    // As root, PostgreSQL runs as its own system user, which must be able to traverse here.
    await chmod(folder, 0o711);
    const cluster = new OwnPostgres(folder, await freePort());
    await cluster.up();
    return cluster;
  }

  get url(): string {
    if (!this.database) throw new Error('the cluster is not running');
    return this.database.url;
  }

  async up(): Promise<void> {
    this.database = await startEmbeddedPostgres({
      dataDir: path.join(this.folder, 'data'),
      port: this.port,
    });
  }

  /** Fast shutdown: backends are terminated (57P01), the port closes. */
  async down(): Promise<void> {
    await this.database?.stop();
  }

  /** SIGSTOP on the postmaster and all its children: connections stay open, nothing answers. */
  async freeze(): Promise<void> {
    const postmaster = Number(
      (await readFile(path.join(this.folder, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    this.frozen = [postmaster, ...(await childrenOf(postmaster))];
    for (const pid of this.frozen) process.kill(pid, 'SIGSTOP');
  }

  thaw(): void {
    for (const pid of this.frozen) process.kill(pid, 'SIGCONT');
    this.frozen = [];
  }

  async remove(): Promise<void> {
    if (this.frozen.length > 0) this.thaw();
    await this.database?.stop().catch(() => {});
    await rm(this.folder, { recursive: true, force: true });
  }
}

async function childrenOf(parent: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === parent) children.push(Number(entry));
  }
  return children;
}
