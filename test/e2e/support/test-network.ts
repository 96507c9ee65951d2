import { run } from './run.js';

/** One machine on the test network: a network namespace with one interface on the LAN. */
export interface NetworkNode {
  readonly name: string;
  readonly address: string;
  /** Its namespace, as `ip netns` and systemd-nspawn name it (/run/netns/<namespace>). */
  readonly namespace: string;
}

const PREFIX_LENGTH = 24;

/**
 * A private LAN for one test run: a namespace holding a bridge, and one namespace per machine
 * joined to it by a veth pair. Nothing is added to the machine's own namespace (no address,
 * no route, no listener), so runs by other people on the same machine cannot collide as long
 * as the run ids differ, and the hosts reach nothing but each other.
 */
export class TestNetwork {
  private constructor(
    readonly runId: string,
    private readonly lan: string,
    readonly nodes: ReadonlyMap<string, NetworkNode>,
  ) {}

  static namespacePrefix(runId: string): string {
    return `smce2e-${runId}`;
  }

  static async create(
    runId: string,
    machines: readonly { readonly name: string; readonly address: string }[],
  ): Promise<TestNetwork> {
    const prefix = TestNetwork.namespacePrefix(runId);
    const lan = `${prefix}-lan`;
    const nodes = new Map<string, NetworkNode>();
    const network = new TestNetwork(runId, lan, nodes);
    try {
      await ip('netns', 'add', lan);
      await ip('-n', lan, 'link', 'add', 'br0', 'type', 'bridge');
      await ip('-n', lan, 'link', 'set', 'br0', 'up');
      await ip('-n', lan, 'link', 'set', 'lo', 'up');
      for (const [i, machine] of machines.entries()) {
        const namespace = `${prefix}-${machine.name}`;
        // Interface names are limited to 15 characters and live briefly in the root namespace.
        const hostSide = `v${runId}${i}h`;
        const lanSide = `v${runId}${i}b`;
        await ip('netns', 'add', namespace);
        nodes.set(machine.name, { name: machine.name, address: machine.address, namespace });
        await ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', lanSide);
        await ip('link', 'set', lanSide, 'netns', lan);
        await ip('link', 'set', hostSide, 'netns', namespace);
        await ip('-n', lan, 'link', 'set', lanSide, 'master', 'br0', 'up');
        await ip('-n', namespace, 'link', 'set', hostSide, 'name', 'eth0');
        await ip(
          '-n',
          namespace,
          'addr',
          'add',
          `${machine.address}/${PREFIX_LENGTH}`,
          'dev',
          'eth0',
        );
        await ip('-n', namespace, 'link', 'set', 'eth0', 'up');
        await ip('-n', namespace, 'link', 'set', 'lo', 'up');
      }
    } catch (error) {
      await network.destroy();
      throw error;
    }
    return network;
  }

  node(name: string): NetworkNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no machine ${name} on the test network`);
    return node;
  }

  /** `ip netns exec`: the command runs as if on that machine's network. */
  execArgs(name: string, command: string, args: readonly string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.node(name).namespace, command, ...args]];
  }

  /** Deleting a namespace deletes its end of each veth pair, and so the pair. */
  async destroy(): Promise<void> {
    for (const node of this.nodes.values()) await deleteNamespace(node.namespace);
    await deleteNamespace(this.lan);
  }
}

/** Namespaces of runs whose test process is gone (a killed run), for a clean start. */
export async function staleNamespaces(isLive: (runId: string) => boolean): Promise<string[]> {
  const listed = await run('ip', ['netns', 'list'], { allowFailure: true });
  return listed.stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => {
      const match = /^smce2e-([0-9a-f]+)-/.exec(name);
      return match?.[1] !== undefined && !isLive(match[1]);
    });
}

export async function deleteNamespace(name: string): Promise<void> {
  await run('ip', ['netns', 'delete', name], { allowFailure: true });
}

function ip(...args: string[]) {
  return run('ip', args, { timeoutMs: 10_000 });
}
