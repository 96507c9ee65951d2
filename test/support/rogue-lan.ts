import { randomInt } from 'node:crypto';
import { run } from '../e2e/support/run.js';

/**
 * A private LAN for Rogue Detection tests: the sensor's namespace holds a bridge (br0, the
 * sensor's own address on it) and each host is a namespace joined to it by a veth pair, with the
 * MAC the test chose. One more veth pair links the sensor's namespace to the test process's
 * (a /30 of its own), so the sensor reaches the server the test runs; the server listens only on
 * that point-to-point link, which leads nowhere but into the test's private namespace.
 */
export interface LanHost {
  readonly name: string;
  readonly mac: string;
  readonly address: string;
  readonly namespace: string;
}

export class RogueLan {
  private constructor(
    readonly id: string,
    readonly sensorNamespace: string,
    readonly sensorAddress: string,
    /** The test process's end of the uplink: where the server listens. */
    readonly uplinkAddress: string,
    private readonly uplink: string,
    readonly hosts: Map<string, LanHost>,
    private readonly subnet: number,
  ) {}

  static async create(): Promise<RogueLan> {
    const id = randomInt(0x10000, 0xfffff).toString(16);
    const subnet = randomInt(1, 250);
    const sensorNamespace = `smcrd-${id}-sensor`;
    const uplink = `rd${id}u`;
    const lan = new RogueLan(
      id,
      sensorNamespace,
      `10.177.${subnet}.2`,
      `10.178.${subnet}.1`,
      uplink,
      new Map(),
      subnet,
    );
    try {
      await ip('netns', 'add', sensorNamespace);
      await ip('-n', sensorNamespace, 'link', 'set', 'lo', 'up');
      await ip('-n', sensorNamespace, 'link', 'add', 'br0', 'type', 'bridge');
      await ip('-n', sensorNamespace, 'addr', 'add', `${lan.sensorAddress}/24`, 'dev', 'br0');
      await ip('-n', sensorNamespace, 'link', 'set', 'br0', 'up');
      await ip('link', 'add', uplink, 'type', 'veth', 'peer', 'name', `rd${id}s`);
      await ip('link', 'set', `rd${id}s`, 'netns', sensorNamespace);
      await ip('-n', sensorNamespace, 'link', 'set', `rd${id}s`, 'name', 'up0');
      await ip('addr', 'add', `${lan.uplinkAddress}/30`, 'dev', uplink);
      await ip('link', 'set', uplink, 'up');
      await ip('-n', sensorNamespace, 'addr', 'add', `10.178.${subnet}.2/30`, 'dev', 'up0');
      await ip('-n', sensorNamespace, 'link', 'set', 'up0', 'up');
    } catch (error) {
      await lan.destroy();
      throw error;
    }
    return lan;
  }

  /** A host on the LAN with this MAC; `octet` picks its address in the LAN's /24. */
  async addHost(name: string, mac: string, octet: number): Promise<LanHost> {
    const i = this.hosts.size;
    const namespace = `smcrd-${this.id}-h${i}`;
    const host = { name, mac, address: `10.177.${this.subnet}.${octet}`, namespace };
    this.hosts.set(name, host);
    const hostSide = `rd${this.id}${i}h`;
    const lanSide = `rd${this.id}${i}b`;
    await ip('netns', 'add', namespace);
    await ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', lanSide);
    await ip('link', 'set', lanSide, 'netns', this.sensorNamespace);
    await ip('link', 'set', hostSide, 'netns', namespace);
    await ip('-n', this.sensorNamespace, 'link', 'set', lanSide, 'master', 'br0', 'up');
    await ip('-n', namespace, 'link', 'set', hostSide, 'name', 'eth0');
    await ip('-n', namespace, 'link', 'set', 'eth0', 'address', mac);
    await ip('-n', namespace, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0');
    await ip('-n', namespace, 'link', 'set', 'eth0', 'up');
    await ip('-n', namespace, 'link', 'set', 'lo', 'up');
    // Broadcasts to 255.255.255.255 (DHCP) need a route out of eth0.
    await ip('-n', namespace, 'route', 'add', 'default', 'dev', 'eth0');
    return host;
  }

  /** `ip netns exec` argv for a command on that host's network. */
  execArgs(namespace: string, command: string, args: readonly string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', namespace, command, ...args]];
  }

  async exec(namespace: string, command: string, args: readonly string[]) {
    const [cmd, argv] = this.execArgs(namespace, command, args);
    return run(cmd, argv, { timeoutMs: 30_000 });
  }

  async destroy(): Promise<void> {
    for (const host of this.hosts.values())
      await run('ip', ['netns', 'delete', host.namespace], { allowFailure: true });
    await run('ip', ['netns', 'delete', this.sensorNamespace], { allowFailure: true });
    await run('ip', ['link', 'delete', this.uplink], { allowFailure: true });
  }
}

function ip(...args: string[]) {
  return run('ip', args, { timeoutMs: 10_000 });
}
