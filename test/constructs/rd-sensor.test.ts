import { TerraformStack, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { AgentCertificateAuthority } from '../../constructs/certificate-authority.js';
import {
  SENSOR_CERTIFICATE_FILE,
  SENSOR_KEY_FILE,
  SENSOR_SERVER_CA_FILE,
} from '../../constructs/cloud-init/rd-sensor.js';
import { evaluatePolicy, formatViolations } from '../../constructs/policy/index.js';
import { RogueDetectionSensor } from '../../constructs/rd-sensor.js';
import { placeholderHostsFor } from '../../constructs/vms-hosts.js';
import { VmsPlatform } from '../../provider/vms/index.js';
import { SENSOR_CERTIFICATE_UNIT } from '../../server/pki/layout.js';
import { planDeployment } from '../../sizing/index.js';
import { azureUserData, resources, synthDeployment, vmsScripts } from './synth-helper.js';

type NsgRule = {
  name: string;
  protocol: string;
  destination_port_range: string;
  source_address_prefixes?: string[];
};

const OFFICES = { clients: 3_000, officeClients: [500, 200] };
const SITES = { offices: [{ name: 'paris' }, { name: 'lyon', agentCidrs: ['10.21.0.0/16'] }] };

describe('Rogue Detection Sensor per network', () => {
  it('vms: a sensor host for the main site and each office, DHCP in, reports out to 2222', () => {
    const { json, deployment } = synthDeployment('vms', OFFICES, SITES);
    expect(deployment.sensors.map((s) => [s.officeName, s.host.hostname])).toEqual([
      [undefined, 'smc-rd-sensor'],
      ['paris', 'smc-rd-sensor-paris'],
      ['lyon', 'smc-rd-sensor-lyon'],
    ]);
    const scripts = vmsScripts(json);
    const addresses = deployment.sensors.map((s) => `${s.host.privateAddress}/32`);
    for (const sensor of deployment.sensors) {
      const script = scripts.get(sensor.host.hostname) ?? '';
      // DHCP broadcasts from the LANs (both offices' and the main site's ranges) and from
      // clients that have no address yet; nothing else but SSH from admins.
      expect(script).toContain(
        'ip saddr { 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 10.21.0.0/16, 0.0.0.0/32 } udp dport 67 accept comment "dhcp-requests-from-lan"',
      );
      expect(script).toMatch(/udp dport 68 accept comment "dhcp-replies-from-lan"/);
      expect([...script.matchAll(/ dport (\d+) accept/g)].map((m) => m[1])).toEqual([
        '67',
        '68',
        '22',
      ]);
      expect(script).toContain('ExecStart=/usr/local/bin/smc rd-sensor \\');
      expect(script).toContain('--target https://smc.smc.internal:2222 \\');
      expect(script).toContain('npm install -g --omit=optional');
    }
    // The server admits the sensors' reports on 2222, from the sensor hosts only.
    expect(scripts.get('smc-server-1')).toContain(
      `ip saddr { ${addresses.join(', ')} } tcp dport 2222 accept comment "agent-replication-from-sensor"`,
    );
    // Its certificate, key and the CA reach the host as secrets, owned by the service user.
    const host = resources(json, 'null_resource').find((r) =>
      JSON.stringify(r).includes('/tmp/smc-staging-smc-rd-sensor-paris/'),
    );
    const text = JSON.stringify(host);
    for (const path of [SENSOR_SERVER_CA_FILE, SENSOR_CERTIFICATE_FILE, SENSOR_KEY_FILE]) {
      expect(text).toContain(`-o smc -g smc /tmp/smc-staging-smc-rd-sensor-paris/`);
      expect(text).toContain(`'${path}'`);
    }
    expect(json.output?.rd_sensor_hosts?.value).toEqual([
      'smc-rd-sensor.smc.internal',
      'smc-rd-sensor-paris.smc.internal',
      'smc-rd-sensor-lyon.smc.internal',
    ]);
  });

  it('each sensor holds a client certificate of the agent CA with OU rd-sensor', () => {
    const { json } = synthDeployment('vms', OFFICES, SITES);
    const requests = resources(json, 'tls_cert_request').filter((r) =>
      JSON.stringify(r.subject).includes(SENSOR_CERTIFICATE_UNIT),
    );
    expect(requests).toHaveLength(3);
    for (const request of requests) {
      expect(request.subject).toEqual([
        {
          common_name: expect.stringMatching(/^\$\{random_uuid\..*\.result\}$/),
          organization: 'smc-kit',
          organizational_unit: SENSOR_CERTIFICATE_UNIT,
        },
      ]);
    }
    const certificates = resources(json, 'tls_locally_signed_cert').filter((c) =>
      String(c.cert_request_pem).includes('RdSensorCertificate'),
    );
    expect(certificates).toHaveLength(3);
    for (const cert of certificates) {
      expect(cert.allowed_uses).toEqual(['digital_signature', 'client_auth']);
      expect(String(cert.ca_private_key_pem)).toContain('Smc_CertificateAuthority_CaKey');
    }
  });

  it('azure: one small VM per network in the sensor subnet, Udp 67/68 in its NSG', () => {
    const { json } = synthDeployment('azure', OFFICES, SITES);
    const vms = resources(json, 'azurerm_linux_virtual_machine').filter((vm) =>
      String(vm.computer_name).startsWith('smc-rd-sensor'),
    );
    expect(vms.map((vm) => [vm.computer_name, vm.size]).sort()).toEqual([
      ['smc-rd-sensor', 'Standard_B2s'],
      ['smc-rd-sensor-lyon', 'Standard_B2s'],
      ['smc-rd-sensor-paris', 'Standard_B2s'],
    ]);
    const subnet = resources(json, 'azurerm_subnet').find((s) => s.name === 'smc-snet-sensor');
    // Appended to the zones: x.y.5.0/24, every earlier subnet keeps its range.
    expect(subnet?.address_prefixes).toEqual(['10.42.5.0/24']);
    const nsgs = resources(json, 'azurerm_network_security_group');
    const sensor = nsgs.find((n) => n.name === 'smc-nsg-sensor')?.security_rule as NsgRule[];
    expect(sensor.map((r) => `${r.name} ${r.protocol} ${r.destination_port_range}`)).toEqual([
      'dhcp-requests-from-lan Udp 67',
      'dhcp-replies-from-lan Udp 68',
      'ssh-to-sensor-from-admins Tcp 22',
      'deny-other-inbound * *',
    ]);
    expect(sensor[0]?.source_address_prefixes).toContain('0.0.0.0/32');
    const server = nsgs.find((n) => n.name === 'smc-nsg-server')?.security_rule as NsgRule[];
    expect(server.find((r) => r.name === 'agent-replication-from-sensor')).toMatchObject({
      protocol: 'Tcp',
      destination_port_range: '2222',
      source_address_prefixes: ['10.42.5.0/24'],
    });
    // The VM fetches its certificate and key from Key Vault at boot.
    const userData = azureUserData(json).get('smc-rd-sensor') ?? '';
    expect(userData).toContain(`fetch rd-sensor-certificate '${SENSOR_CERTIFICATE_FILE}' smc:smc`);
    expect(userData).toContain(`fetch rd-sensor-private-key '${SENSOR_KEY_FILE}' smc:smc`);
  });

  it('the policy suite passes with sensors on azure and vms, and catches an open DHCP port', () => {
    for (const kind of ['azure', 'vms'] as const) {
      const { json } = synthDeployment(kind, OFFICES, SITES);
      expect(formatViolations(evaluatePolicy(json)), kind).toBe('');
    }
    const { json } = synthDeployment('vms', OFFICES, SITES);
    const hosts = json.resource?.null_resource as Record<
      string,
      { provisioner: { file?: { content: string } }[] }
    >;
    for (const host of Object.values(hosts)) {
      for (const p of host.provisioner) {
        if (p.file) {
          p.file.content = p.file.content.replace(
            '0.0.0.0/32 } udp dport 67',
            '0.0.0.0/0 } udp dport 67',
          );
        }
      }
    }
    const violations = evaluatePolicy(json);
    expect(new Set(violations.map((v) => v.ruleId))).toEqual(new Set(['SMC-NET-DHCP-REQUESTS']));
    expect(violations.map((v) => v.message).join('\n')).toContain('udp dport 67');
  });

  it('agents from the internet do not open DHCP to it: the LAN falls back to private ranges', () => {
    const { json } = synthDeployment('vms', { clients: 800 }, { agentCidrs: ['0.0.0.0/0'] });
    const script = vmsScripts(json).get('smc-rd-sensor') ?? '';
    expect(script).toContain(
      'ip saddr { 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 0.0.0.0/32 } udp dport 67 accept',
    );
    expect(formatViolations(evaluatePolicy(json))).toBe('');
  });

  it("'main-site' builds one sensor, 'none' none (and no sensor zone or rules)", () => {
    const main = synthDeployment('vms', OFFICES, {
      ...SITES,
      rogueDetection: { sensors: 'main-site' },
    });
    expect(main.deployment.sensors.map((s) => s.host.hostname)).toEqual(['smc-rd-sensor']);
    const none = synthDeployment('azure', OFFICES, {
      ...SITES,
      rogueDetection: { sensors: 'none' },
    });
    expect(none.deployment.sensors).toEqual([]);
    expect(
      none.deployment.network.rules.filter(
        (r) => r.name.includes('sensor') || r.protocol === 'udp',
      ),
    ).toEqual([]);
    expect(resources(none.json, 'azurerm_subnet').map((s) => s.name)).not.toContain(
      'smc-snet-sensor',
    );
    expect(none.json.output?.rd_sensor_hosts?.value).toEqual([]);
  });

  it("an office named 'main' is an office like any other", () => {
    const { deployment } = synthDeployment(
      'vms',
      { clients: 800, officeClients: [100] },
      { offices: [{ name: 'main' }] },
    );
    expect(deployment.sensors.map((s) => s.host.hostname)).toEqual([
      'smc-rd-sensor',
      'smc-rd-sensor-main',
    ]);
  });

  it('an interface to watch reaches every sensor', () => {
    const { json } = synthDeployment('vms', OFFICES, {
      ...SITES,
      rogueDetection: { interface: 'ens18' },
    });
    for (const name of ['smc-rd-sensor', 'smc-rd-sensor-paris', 'smc-rd-sensor-lyon']) {
      expect(vmsScripts(json).get(name)).toContain('--interface ens18');
    }
  });
});

describe('Rogue Detection Sensor props are checked early, errors name the prop', () => {
  it.each([
    [
      { rogueDetection: { sensors: 'every-room' } },
      /^rogueDetection\.sensors: must be one of 'per-network', 'main-site', 'none'/,
    ],
    [
      { rogueDetection: { interface: 'eth0; rm -rf /' } },
      /^rogueDetection\.interface: must be a network interface name/,
    ],
    [
      { rogueDetection: { interface: 'a-very-long-interface-name' } },
      /^rogueDetection\.interface: /,
    ],
  ])('%j', (extra, message) => {
    expect(() => synthDeployment('vms', OFFICES, { ...SITES, ...(extra as object) })).toThrow(
      message,
    );
  });

  function sensorOn(props: { serverUrl?: string; office?: { name: string; index: number } }) {
    const plan = planDeployment({ clients: 800, offices: 1, platform: 'vms' });
    const stack = new TerraformStack(Testing.app(), 'smc');
    const platform = new VmsPlatform(stack, 'Platform', { hosts: placeholderHostsFor(plan) });
    const certificateAuthority = new AgentCertificateAuthority(stack, 'Ca', { platform });
    return new RogueDetectionSensor(stack, 'Sensor', {
      platform,
      plan,
      certificateAuthority,
      serverUrl: props.serverUrl ?? 'https://smc.smc.internal:2222',
      ...(props.office ? { office: props.office } : {}),
    });
  }

  it('the server URL and the office', () => {
    expect(() => sensorOn({ serverUrl: 'http://smc:2222' })).toThrow(
      /^serverUrl: must be the server's agent plane as https:\/\/host:port/,
    );
    expect(() => sensorOn({ office: { name: 'rome', index: 2 } })).toThrow(
      /^offices\[1\]: is not an office of the plan \(it has 1\)/,
    );
    expect(sensorOn({ office: { name: 'rome', index: 1 } }).host.hostname).toBe(
      'smc-rd-sensor-rome',
    );
  });
});
