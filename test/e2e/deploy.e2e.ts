import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppliedHost, applyNullResources, namespaceExec } from './support/apply-stack.js';
import { Lab } from './support/lab.js';
import {
  assembleMirror,
  ensureNodeRelease,
  packOfflineArtifact,
} from './support/offline-mirror.js';
import { ensureRootfs } from './support/rootfs-cache.js';
import { run } from './support/run.js';
import { sshArgs } from './support/ssh-args.js';
import { type TerraformDocument, TerraformValues } from './support/terraform-values.js';

/**
 * The deployment test: what `smc synth --platform vms` writes, applied as terraform would
 * (null_resource provisioners over real SSH, with the stack's own connection blocks and the
 * secrets its tls/random resources produce) onto Debian hosts booted with their own systemd
 * in network namespaces. The hosts have no route anywhere but the test LAN: Node.js, the
 * smc-kit tarball and every Debian package come from a mirror on it (the offline route).
 * Then, from the operator's machines: agents through the office proxy, the console, an MDM
 * device, and the firewall, exactly as a user's deployment is used.
 */

const SMC_BIN = fileURLToPath(new URL('../../dist/bin/smc.js', import.meta.url));
const SUITE = process.env.SMC_E2E_SUITE ?? 'bookworm';
const AGENTS = 300;
const DEVICES = 20;

const MACHINES = {
  admin: { name: 'admin', address: '10.77.0.2' },
  office: { name: 'office', address: '10.77.0.3' },
  server: { name: 'server', address: '10.77.0.11' },
  proxy: { name: 'proxy', address: '10.77.0.21' },
  mdm: { name: 'mdm', address: '10.77.0.31' },
} as const;

/** Debian packages the test machine needs (scripts/test-prerequisites installs them). */
const TOOLS: Record<string, string> = {
  debootstrap: 'debootstrap',
  'systemd-nspawn': 'systemd-container',
  ip: 'iproute2',
  ssh: 'openssh-client',
  'ssh-keygen': 'openssh-client',
  curl: 'curl',
  xz: 'xz-utils',
  flock: 'util-linux',
  'dpkg-deb': 'dpkg',
};

interface Deployed {
  readonly lab: Lab;
  readonly out: string;
  readonly values: TerraformValues;
  readonly applied: readonly AppliedHost[];
  readonly phases: Record<string, number>;
  readonly files: { ca: string; adminToken: string; mdmCa: string };
  readonly outputs: Record<string, unknown>;
}

let deployed: Deployed | undefined;
const started = Date.now();

function need(): Deployed {
  if (!deployed) throw new Error('the deployment did not come up (see the beforeAll error)');
  return deployed;
}

describe(`smc synth --platform vms, deployed on ${SUITE} hosts`, () => {
  beforeAll(async () => {
    await checkPrerequisites();
    const phases: Record<string, number> = {};
    const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const t = Date.now();
      try {
        return await work();
      } finally {
        phases[name] = (Date.now() - t) / 1_000;
      }
    };
    const [cached, node] = await phase('cache (rootfs, Node.js release)', () =>
      Promise.all([ensureRootfs(SUITE), ensureNodeRelease()]),
    );
    const lab = await Lab.create(Object.values(MACHINES));
    try {
      const artifact = await phase('npm run pack:offline', () =>
        packOfflineArtifact(path.join(lab.dir, 'artifact')),
      );
      const mirrorRoot = path.join(lab.dir, 'mirror');
      const { artifactPath } = await assembleMirror({
        root: mirrorRoot,
        apt: cached.apt,
        node,
        artifact,
      });
      const mirror = await lab.startMirror('admin', mirrorRoot, 8080);

      // The operator's key: the hosts trust it, the hosts file names it, terraform reads it.
      const key = path.join(lab.dir, 'id_ed25519');
      await run('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-C', 'smc-e2e', '-f', key]);
      const publicKey = await readFile(`${key}.pub`, 'utf8');
      const out = path.join(lab.dir, 'cdktf.out');
      const config = path.join(lab.dir, 'smc.json');
      const hostEntry = (address: string, extra = {}) => ({
        address,
        sshUser: 'root',
        sshPrivateKeyPath: key,
        ...extra,
      });
      await writeFile(
        path.join(lab.dir, 'hosts.json'),
        JSON.stringify({
          server: [hostEntry(MACHINES.server.address)],
          proxy: [hostEntry(MACHINES.proxy.address, { office: 'branch' })],
          mdm: [hostEntry(MACHINES.mdm.address)],
        }),
      );
      await writeFile(
        config,
        JSON.stringify(
          {
            clients: 500,
            mobileDevices: DEVICES,
            platform: 'vms',
            hosts: 'hosts.json',
            offices: [
              { name: 'branch', clients: AGENTS, agentCidrs: [`${MACHINES.office.address}/32`] },
            ],
            // Main-site agents would come from here; nobody is there, so the office has no way
            // to the server but its proxy.
            agentCidrs: ['10.77.0.4/32'],
            adminCidrs: [`${MACHINES.admin.address}/32`, `${MACHINES.office.address}/32`],
            deviceCidrs: [`${MACHINES.office.address}/32`],
            proxy: { flavor: 'apache' },
            // No sensor hosts are booted here (yet): a Rogue Detection Sensor needs a host of
            // its own in the LAN it watches, and the hosts file lists none.
            rogueDetection: { sensors: 'none' },
            artifact: `${mirror}${artifactPath}`,
            nodeVersion: node.version,
            nodeMirror: `${mirror}/node`,
          },
          null,
          2,
        ),
      );
      const synth = await phase('smc synth', () =>
        run(process.execPath, [SMC_BIN, 'synth', '--config', config, '--out', out, '--json'], {
          allowFailure: true,
        }),
      );
      if (synth.status !== 0)
        throw new Error(`smc synth exited ${synth.status}: ${synth.stderr}${synth.stdout}`);
      const doc = JSON.parse(
        await readFile(path.join(out, 'stacks', 'smc', 'cdk.tf.json'), 'utf8'),
      ) as TerraformDocument;
      const values = new TerraformValues(doc);
      // Server and connector are existing hosts that terraform configures over SSH; the
      // office proxy is built from the #cloud-config synth wrote, by cloud-init on first boot
      // (a hypervisor in the branch, or Azure's on-premises proxies): both renderers, for real.
      const site = {
        '/root/.ssh/authorized_keys': { content: publicKey, mode: 0o600 },
        // The site's apt source: its offline mirror, nothing else.
        '/etc/apt/sources.list': { content: `deb [trusted=yes] ${mirror}/apt ./\n` },
      };
      const proxyName = 'smc-proxy-branch-1';
      const proxyDocument = await readFile(
        path.join(out, 'cloud-init', `${proxyName}.yaml`),
        'utf8',
      );
      await phase('boot hosts', () =>
        Promise.all([
          lab.boot('smc-server-1', 'server', cached.rootfs, { ...site, ...NO_CLOUD_INIT }),
          lab.boot('smc-mdm-1', 'mdm', cached.rootfs, { ...site, ...NO_CLOUD_INIT }),
          lab.boot(proxyName, 'proxy', cached.rootfs, {
            ...site,
            '/var/lib/cloud/seed/nocloud/meta-data': {
              content: `instance-id: ${proxyName}\nlocal-hostname: ${proxyName}\n`,
            },
            '/var/lib/cloud/seed/nocloud/user-data': { content: proxyDocument },
          }),
        ]),
      );
      const [applied, proxyCloudInit] = await phase(
        'apply (provisioners over SSH, in parallel) and cloud-init',
        () =>
          Promise.all([
            applyNullResources(doc, values, namespaceExec(lab.node('admin').namespace), {
              skipHosts: [MACHINES.proxy.address],
            }),
            ssh(lab, MACHINES.proxy.address, 'cloud-init status --wait --long', 600_000),
          ]),
      );
      // Exit 0 and done: every module ran, the role's runcmd included (a failing line fails it).
      // (--wait prints dots while it waits; newer releases put no line break after them.)
      if (proxyCloudInit.status !== 0 || !/(^|\.)status: done$/m.test(proxyCloudInit.stdout)) {
        throw new Error(
          `cloud-init on the proxy did not finish cleanly:\n${proxyCloudInit.stdout}`,
        );
      }
      await writeFile(
        path.join(lab.dir, 'apply.log'),
        applied.map((a) => `== ${a.resource} (${a.host}, ${a.seconds} s)\n${a.log}`).join('\n'),
      );

      // `terraform output`: what the architect reads after apply.
      const outputs: Record<string, unknown> = {};
      for (const name of Object.keys(doc.output ?? {})) outputs[name] = await values.output(name);
      // The operators' DNS serves the zone file the stack outputs.
      const records = String(outputs.dns_zone_file)
        .split('\n')
        .map((line) => /^(\S+) IN A (\S+)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ name: `${m[1]}.smc.internal`, address: m[2] ?? '' }));
      await lab.resolveOn('admin', records);
      await lab.resolveOn('office', records);
      const files = {
        ca: path.join(lab.dir, 'agent-ca.pem'),
        adminToken: path.join(lab.dir, 'admin.token'),
        mdmCa: path.join(lab.dir, 'mdm-ca.pem'),
      };
      await writeFile(files.ca, String(outputs.agent_ca_certificate));
      await writeFile(files.adminToken, String(outputs.admin_token), { mode: 0o600 });
      await writeFile(files.mdmCa, String(outputs.mdm_ca_certificate));
      await phase('services ready', () =>
        Promise.all([
          waitForHttps(lab, 'admin', `${String(outputs.console_url)}/healthz`, files.ca),
          waitForHttps(lab, 'admin', `${String(outputs.mdm_enrollment_url)}/healthz`, files.mdmCa),
        ]),
      );
      deployed = { lab, out, values, applied, phases, files, outputs };
    } catch (error) {
      const kept = path.join(lab.dir);
      await lab.destroy({ keepDir: process.env.SMC_E2E_KEEP === '1' });
      throw new Error(
        `${(error as Error).message}${process.env.SMC_E2E_KEEP === '1' ? `\n(run folder kept: ${kept})` : ''}`,
      );
    }
  });

  afterAll(async () => {
    if (deployed) {
      const seconds = (Date.now() - started) / 1_000;
      process.stdout.write(
        `\ne2e deploy: ${seconds.toFixed(0)} s in all; phases: ${Object.entries(deployed.phases)
          .map(([name, s]) => `${name} ${s.toFixed(1)} s`)
          .join(
            ', ',
          )}; hosts: ${deployed.applied.map((a) => `${a.host} ${a.seconds.toFixed(0)} s`).join(', ')}\n`,
      );
      await deployed.lab.destroy({ keepDir: process.env.SMC_E2E_KEEP === '1' });
    }
  });

  it('installed Node.js, smc-kit and every package from the offline mirror', () => {
    const { lab } = need();
    const requests = lab.mirrorRequests.map((line) => {
      const [method, file, status, , client] = line.split(' ');
      return { method, file: file ?? '', status, client };
    });
    const fetchedBy = (address: string, pattern: RegExp) =>
      requests.filter((r) => r.client === address && r.status === '200' && pattern.test(r.file));
    // The hosts that run Node.js (server, connector): the release, checked, and the bundle.
    for (const { address } of [MACHINES.server, MACHINES.mdm]) {
      expect(fetchedBy(address, /^\/node\/v[\d.]+\/node-v[\d.]+-linux-x64\.tar\.xz$/)).toHaveLength(
        1,
      );
      expect(fetchedBy(address, /^\/node\/v[\d.]+\/SHASUMS256\.txt$/)).toHaveLength(1);
      expect(fetchedBy(address, /^\/smc-kit-[\d.]+-offline\.tgz$/).length).toBeGreaterThan(0);
    }
    expect(fetchedBy(MACHINES.server.address, /^\/apt\/postgresql-\d+_.*\.deb$/)).toHaveLength(1);
    expect(fetchedBy(MACHINES.proxy.address, /^\/apt\/apache2_.*\.deb$/)).toHaveLength(1);
    // Every host read the apt index from here; nothing was missing from the mirror.
    for (const { address } of [MACHINES.server, MACHINES.proxy, MACHINES.mdm]) {
      expect(fetchedBy(address, /^\/apt\/(Packages|Release)$/).length).toBeGreaterThan(0);
    }
    // apt asks for a signed index first; the flat repository has none (it is trusted=yes).
    const probes = /^\/apt\/(InRelease|Release\.gpg)$/;
    expect(requests.filter((r) => r.status !== '200' && !probes.test(r.file))).toEqual([]);
  });

  it(`${AGENTS} agents replicate through the office proxy to the server, 0 acknowledged logs lost`, async () => {
    const { lab, files, outputs } = need();
    const proxy = (outputs.office_proxies as Record<string, string[]>).branch?.[0];
    const report = path.join(lab.dir, 'simulate.json');
    const simulate = await lab.exec(
      'office',
      process.execPath,
      [
        SMC_BIN,
        'simulate',
        '--target',
        String(outputs.agent_url),
        '--ca',
        files.ca,
        '--console-url',
        String(outputs.console_url),
        '--admin-token-file',
        files.adminToken,
        '--proxy',
        `http://${proxy}`,
        '--agents',
        String(AGENTS),
        // The plan's interval (10 minutes, which the server also tells agents), played 60x:
        // a minute of wall time is an hour of the office's schedule.
        '--interval',
        '10m',
        '--time-scale',
        '60',
        '--duration',
        '60s',
        '--verify',
        '--threshold',
        'lost_logs==0',
        '--json',
        report,
      ],
      { allowFailure: true, timeoutMs: 240_000 },
    );
    expect(simulate.stderr.split('\n').filter((l) => /error|Error/.test(l))).toEqual([]);
    expect(simulate.status).toBe(0);
    const result = JSON.parse(await readFile(report, 'utf8'));
    const { derived } = result;
    process.stdout.write(
      `\nthrough the proxy: ${derived.replications.completed} replications (${derived.replications.ok} ok, ${derived.replications.failed} failed), ${derived.rates.achievedPerSec.toFixed(1)}/s, p50 ${derived.latencyFromScheduled.p50Ms.toFixed(1)} ms, p99 ${derived.latencyFromScheduled.p99Ms.toFixed(1)} ms; logs acknowledged ${derived.logs.acknowledged}, lost ${derived.logs.lost}\n`,
    );
    expect(derived.logs.lost).toBe(0);
    expect(derived.logs.acknowledged).toBeGreaterThan(AGENTS);
    // Each agent replicates every 10 scheduled minutes for an hour: at least 4 rounds each.
    expect(derived.replications.ok).toBeGreaterThan(AGENTS * 4);
    expect(derived.replications.failed).toBe(0);
    // The tunnels really went through the proxy: Apache logged the CONNECTs.
    const logged = await ssh(
      lab,
      MACHINES.proxy.address,
      'grep -c "CONNECT smc.smc.internal:2222" /var/log/apache2/smc-proxy-access.log',
    );
    expect(Number(logged.stdout.trim())).toBeGreaterThanOrEqual(AGENTS);
  });

  it('the console answers over HTTPS with the generated admin token', async () => {
    const { lab, files, outputs } = need();
    const token = (await readFile(files.adminToken, 'utf8')).trim();
    const stats = await lab.exec('admin', 'curl', [
      '-fsS',
      '--cacert',
      files.ca,
      '-H',
      `authorization: Bearer ${token}`,
      `${String(outputs.console_url)}/api/stats`,
    ]);
    const body = JSON.parse(stats.stdout);
    // The simulated fleet (smc simulate enrolls with a simulation token: counted apart) plus
    // the connector, a real agent of the server.
    expect(body.simulatedComputers).toBeGreaterThanOrEqual(AGENTS);
    expect(body.computers).toBeGreaterThanOrEqual(1);
    const refused = await lab.exec(
      'admin',
      'curl',
      [
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '--cacert',
        files.ca,
        `${String(outputs.console_url)}/api/stats`,
      ],
      { allowFailure: true },
    );
    expect(refused.stdout).toBe('401');
  });

  it('the MDM host enrolls simulated devices and relays them to the server', async () => {
    const { lab, files, outputs } = need();
    const mdmToken = String(outputs.mdm_admin_token);
    const made = await lab.exec('admin', 'curl', [
      '-fsS',
      '--cacert',
      files.mdmCa,
      '-H',
      `authorization: Bearer ${mdmToken}`,
      '-H',
      'content-type: application/json',
      '-d',
      JSON.stringify({ uses: DEVICES, ttlSeconds: 600 }),
      `${String(outputs.mdm_enrollment_url)}/api/enrollment-tokens`,
    ]);
    const enrollToken = JSON.parse(made.stdout).token as string;
    const report = path.join(lab.dir, 'devices.json');
    const devices = await lab.exec(
      'office',
      process.execPath,
      [
        SMC_BIN,
        'simulate',
        '--devices',
        String(DEVICES),
        '--mdm-target',
        String(outputs.mdm_device_url),
        '--mdm-enroll-url',
        String(outputs.mdm_enrollment_url),
        '--mdm-ca',
        files.mdmCa,
        '--mdm-enroll-token',
        enrollToken,
        '--device-interval',
        '60s',
        // The connector tells devices its own interval (5 minutes); 30x plays 10 of them.
        '--time-scale',
        '30',
        '--duration',
        '20s',
        '--json',
        report,
      ],
      { allowFailure: true, timeoutMs: 120_000 },
    );
    expect(devices.status, devices.stderr).toBe(0);
    const checkIns = JSON.parse(await readFile(report, 'utf8')).meta.options.devices.checkIns;
    expect(checkIns.failed).toBe(0);
    expect(checkIns.ok).toBeGreaterThanOrEqual(DEVICES);
    // The connector relays each device's summary to the server within a few relay rounds.
    const token = (await readFile(files.adminToken, 'utf8')).trim();
    let total = 0;
    for (let attempt = 0; attempt < 30 && total < DEVICES; attempt++) {
      const listed = await lab.exec('admin', 'curl', [
        '-fsS',
        '--cacert',
        files.ca,
        '-H',
        `authorization: Bearer ${token}`,
        `${String(outputs.console_url)}/api/mobile-devices`,
      ]);
      total = JSON.parse(listed.stdout).total;
      if (total < DEVICES) await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(total).toBe(DEVICES);
  });

  it('nftables drops what the port table does not open, even where a service listens', async () => {
    const { lab } = need();
    // A listener on a port the table does not know, started on the server host.
    await ssh(
      lab,
      MACHINES.server.address,
      `systemd-run --unit smc-e2e-probe /usr/local/bin/node -e "require('net').createServer((s) => s.end('open')).listen(9999)" && sleep 1`,
    );
    const onHost = await ssh(
      lab,
      MACHINES.server.address,
      "timeout 3 bash -c '</dev/tcp/127.0.0.1/9999' && echo open",
    );
    expect(onHost.stdout.trim()).toBe('open');
    const probe = (machine: string, address: string, port: number) =>
      lab.exec(
        'admin' === machine ? 'admin' : machine,
        'timeout',
        ['3', 'bash', '-c', `</dev/tcp/${address}/${port}`],
        {
          allowFailure: true,
        },
      );
    // Dropped, not refused: the connection attempt times out (exit 124).
    expect((await probe('admin', MACHINES.server.address, 9999)).status).toBe(124);
    // PostgreSQL listens for the connector only; the admins' network does not reach it.
    expect((await probe('admin', MACHINES.server.address, 5432)).status).toBe(124);
    // The office reaches the server only through its proxy: 2222 direct is dropped ...
    expect((await probe('office', MACHINES.server.address, 2222)).status).toBe(124);
    // ... while the proxy's port is open to it.
    expect((await probe('office', MACHINES.proxy.address, 3128)).status).toBe(0);
  });

  it('PostgreSQL is the distribution major, and the services connect to it with verify-full', async () => {
    const { lab } = need();
    const version = await ssh(
      lab,
      MACHINES.server.address,
      'ls /etc/postgresql; . /etc/os-release; echo $VERSION_CODENAME',
    );
    const [major, codename] = version.stdout.trim().split('\n');
    expect({ bookworm: '15', trixie: '17', jammy: '14', noble: '16' }[codename ?? '']).toBe(major);
    const tls = await ssh(
      lab,
      MACHINES.server.address,
      'runuser -u postgres -- psql -Atc "SELECT count(*) FILTER (WHERE ssl), count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE usename = \'smc\'"',
    );
    const [withTls, all] = tls.stdout.trim().split('|').map(Number);
    expect(all).toBeGreaterThan(0);
    expect(withTls).toBe(all);
    const env = await ssh(lab, MACHINES.server.address, 'cat /etc/smc/server.env');
    expect(env.stdout).toMatch(/sslmode=verify-full&sslrootcert=\/var\/lib\/smc\/pki\/ca\.pem/);
  });
});

async function checkPrerequisites(): Promise<void> {
  const problems: string[] = [];
  if (process.getuid?.() !== 0)
    problems.push('run as root (network namespaces, mounts, systemd-nspawn)');
  const missing = new Set<string>();
  for (const [tool, pkg] of Object.entries(TOOLS)) {
    const found = await run('sh', ['-c', `command -v ${tool}`], { allowFailure: true });
    if (found.status !== 0) missing.add(pkg);
  }
  if (missing.size > 0) problems.push(`install the Debian packages ${[...missing].join(' ')}`);
  if (!existsSync(SMC_BIN)) problems.push('build first (npm run build)');
  if (problems.length > 0) {
    // A deployment test that cannot run has measured nothing: it fails, it never skips.
    throw new Error(`the deploy test cannot run here: ${problems.join('; ')}`);
  }
  await mkdir('/run/netns', { recursive: true });
}

/** Hosts configured over SSH keep cloud-init off, as an existing host without a seed would. */
const NO_CLOUD_INIT = { '/etc/cloud/cloud-init.disabled': { content: '' } };

function ssh(lab: Lab, address: string, command: string, timeoutMs = 60_000) {
  const key = path.join(lab.dir, 'id_ed25519');
  return lab.exec('admin', 'ssh', sshArgs({ key, user: 'root', host: address, command }), {
    timeoutMs,
    allowFailure: true,
  });
}

/** Polls an HTTPS route from an operator machine until it answers 200 (services start late). */
async function waitForHttps(
  lab: Lab,
  machine: string,
  url: string,
  ca: string,
  timeoutMs = 180_000,
) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const result = await lab.exec(
      machine,
      'curl',
      ['-fsS', '--max-time', '3', '--cacert', ca, url],
      {
        allowFailure: true,
      },
    );
    if (result.status === 0) return;
    last = result.stderr.trim();
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1_000} s (last: ${last})`);
}
