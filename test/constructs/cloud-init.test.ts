import { describe, expect, it } from 'vitest';
import { azureUserData, synthDeployment, vmsScripts } from './synth-helper.js';

describe('cloud-init per role', () => {
  const azure = azureUserData(
    synthDeployment('azure', { clients: 150_000, offices: 1, mobileDevices: 20 }).json,
  );

  it('server: a hardened systemd unit running smc serve with every name, secrets from Key Vault', () => {
    const server = azure.get('smc-server-1') ?? '';
    expect(server.startsWith('#cloud-config\n')).toBe(true);
    expect(server).toContain('ExecStart=/usr/local/bin/smc serve \\');
    expect(server).toContain('--data-dir /var/lib/smc \\');
    expect(server).toContain('--host 0.0.0.0 \\');
    expect(server).toContain('--agent-port 2222 \\');
    expect(server).toContain('--console-port 2223 \\');
    expect(server).toContain('--hostname smc-server-1.smc.internal \\');
    expect(server).toContain('--hostname smc.smc.internal');
    expect(server).toContain('EnvironmentFile=/etc/smc/server.env');
    expect(server).toContain("/usr/local/bin/npm install -g --no-fund --no-audit 'smc-kit@0.1.0'");
    expect(server).toContain('sha256sum -c -');
    expect(server).toContain("fetch server-environment '/etc/smc/server.env' smc:smc");
    expect(server).toContain("fetch ca-private-key '/var/lib/smc/pki/ca.key' smc:smc");
    // The secret fetch runs before the service starts.
    expect(server.indexOf('/usr/local/sbin/smc-fetch-secrets"]')).toBeLessThan(
      server.indexOf('systemctl restart smc-server.service'),
    );
    expect(server).not.toMatch(/PRIVATE KEY|postgres:\/\//);
  });

  it('proxy: CONNECT only to the server names on 2222, everything else denied', () => {
    const proxy = azure.get('smc-proxy-1') ?? '';
    expect(proxy).toContain('Listen 3128');
    expect(proxy).toContain('AllowCONNECT 2222\n');
    expect(proxy).toContain('<Proxy "*">\n          Require all denied');
    expect(proxy).toContain(
      '<ProxyMatch "^(smc\\.smc\\.internal|smc-server-1\\.smc\\.internal|smc-server-2\\.smc\\.internal):2222$">',
    );
    expect(proxy).toContain('a2dissite 000-default');
  });

  it('squid flavour: the same policy', () => {
    const scripts = vmsScripts(
      synthDeployment(
        'vms',
        { clients: 2_000, offices: 1 },
        { proxy: { flavor: 'squid', updateHosts: ['updates.example.com'] } },
      ).json,
    );
    const squid = scripts.get('smc-proxy-1') ?? '';
    expect(squid).toContain('acl smc_servers dstdomain smc.smc.internal smc-server-1.smc.internal');
    expect(squid).toContain('http_access allow CONNECT smc_clients smc_servers smc_port');
    expect(squid).toContain('http_access allow smc_clients smc_updates smc_get');
    expect(
      squid
        .trimEnd()
        .split('\n')
        .filter((l) => l.startsWith('http_access'))
        .at(-1),
    ).toBe('http_access deny all');
  });

  it('MDM: its own unit on 9980/9981 and a certificate for its host name', () => {
    const mdm = azure.get('smc-mdm-1') ?? '';
    expect(mdm).toContain('ExecStart=/usr/local/bin/smc mdm \\');
    expect(mdm).toContain('--enroll-port 9980 \\');
    expect(mdm).toContain('--device-port 9981 \\');
    expect(mdm).toContain("fetch mdm-certificate '/var/lib/smc-mdm/pki/mdm.crt' smc:smc");
  });

  it('vms: each host also gets a #cloud-config document for other hypervisors', () => {
    const { platform } = synthDeployment('vms', { clients: 800 });
    const docs = 'cloudInitDocuments' in platform ? platform.cloudInitDocuments : new Map();
    const server = docs.get('smc-server-1') ?? '';
    expect(server).toMatch(/^#cloud-config\n# smc-kit server host smc-server-1\.smc\.internal/);
    expect(server).toContain('#   /etc/smc/server.env (owner smc:smc): secret server-environment');
    expect(server).toContain('policy drop;');
    expect(server).not.toContain('TfToken');
  });
});
