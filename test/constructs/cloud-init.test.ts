import { describe, expect, it } from 'vitest';
import { CONNECTOR_CERTIFICATE_UNIT } from '../../server/pki/layout.js';
import { pkiFilesIn } from '../../server/pki/pki-files.js';
import { azureUserData, resources, synthDeployment, vmsScripts } from './synth-helper.js';

describe('cloud-init per role', () => {
  const azure = synthDeployment('azure', { clients: 150_000, offices: 1, mobileDevices: 20 });
  const userData = azureUserData(azure.json);

  it('server: a hardened systemd unit running smc serve with every name, secrets from Key Vault', () => {
    const server = userData.get('smc-server-1') ?? '';
    expect(server.startsWith('#cloud-config\n')).toBe(true);
    expect(server).toContain('ExecStart=/usr/local/bin/smc serve \\');
    expect(server).toContain('--data-dir /var/lib/smc \\');
    expect(server).toContain('--host 0.0.0.0 \\');
    expect(server).toContain('--agent-port 2222 \\');
    expect(server).toContain('--console-port 2223 \\');
    // The plan's interval for this tier (150,000 clients, steady: 60 minutes).
    expect(server).toContain('--interval 3600s \\');
    expect(server).toContain('--hostname smc-server-1.smc.internal \\');
    expect(server).toContain('--hostname smc.smc.internal');
    expect(server).toContain('EnvironmentFile=/etc/smc/server.env');
    expect(server).toContain(
      "/usr/local/bin/npm install -g --omit=optional --no-fund --no-audit --no-update-notifier 'smc-kit@0.1.0'",
    );
    expect(server).toContain('base=\'https://nodejs.org/dist\'"/v$version"');
    expect(server).toContain('sha256sum -c -');
    expect(server).toContain("fetch server-environment '/etc/smc/server.env' smc:smc");
    expect(server).toContain("fetch ca-private-key '/var/lib/smc/pki/ca.key' smc:smc");
    expect(server).toContain("fetch admin-token '/var/lib/smc/pki/admin.token' smc:smc");
    // The secret fetch runs before the service starts.
    expect(server.indexOf('/usr/local/sbin/smc-fetch-secrets"]')).toBeLessThan(
      server.indexOf('systemctl restart smc-server.service'),
    );
    expect(server).not.toMatch(/PRIVATE KEY|postgres:\/\//);
  });

  it("server: places exactly the files `smc serve` reads (the server's own PKI layout)", () => {
    const server = userData.get('smc-server-1') ?? '';
    const files = pkiFilesIn('/var/lib/smc/pki');
    for (const path of Object.values(files)) {
      expect(server).toContain(` '${path}' smc:smc`);
    }
    // The previous layout (.crt next to .pem readers) is gone for good.
    expect(server).not.toMatch(/\/var\/lib\/smc\/pki\/(ca|server)\.crt/);
  });

  it('database: verify-full against the Azure CA bundle; a global name with a random suffix', () => {
    const [environment] = resources(azure.json, 'azurerm_key_vault_secret').filter(
      (s) => s.name === 'server-environment',
    );
    expect(String(environment?.value)).toMatch(
      /^DATABASE_URL=postgres:\/\/smc:\$\{random_password\.[^}]+\}@\$\{azurerm_postgresql_flexible_server\.[^}]+\.fqdn\}:5432\/smc\?sslmode=verify-full&sslrootcert=\/etc\/ssl\/certs\/ca-certificates\.crt$/,
    );
    const [pg] = resources(azure.json, 'azurerm_postgresql_flexible_server');
    expect(String(pg?.name)).toMatch(/^smc-pg-\$\{random_string\.[^}]+\.result\}$/);
  });

  it('HA: the load balancer probes the servers health route over HTTPS', () => {
    const [probe, ...others] = resources(azure.json, 'azurerm_lb_probe');
    expect(others).toEqual([]);
    expect(probe).toMatchObject({ protocol: 'Https', port: 2223, request_path: '/healthz' });
  });

  it('proxy: CONNECT only to the server names on 2222, everything else denied', () => {
    const proxy = azure.platform.cloudInitDocuments.get('smc-proxy-office-1-1') ?? '';
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
    const squid = scripts.get('smc-proxy-office-1-1') ?? '';
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

  it('MDM: its own unit and device CA; relays to the server as an agent the deployment issued', () => {
    const mdm = userData.get('smc-mdm-1') ?? '';
    expect(mdm).toContain('ExecStart=/usr/local/bin/smc mdm \\');
    expect(mdm).toContain('--enroll-port 9980 \\');
    expect(mdm).toContain('--device-port 9981 \\');
    expect(mdm).toContain('--hostname smc-mdm-1.smc.internal \\');
    expect(mdm).toContain('--server-url https://smc.smc.internal:2222 \\');
    expect(mdm).toContain('--server-ca /var/lib/smc-mdm/server-ca.pem');
    for (const path of Object.values(pkiFilesIn('/var/lib/smc-mdm/pki'))) {
      expect(mdm).toContain(` '${path}' smc:smc`);
    }
    expect(mdm).toContain("fetch mdm-relay-certificate '/var/lib/smc-mdm/relay/agent.pem' smc:smc");
    expect(mdm).toContain("fetch mdm-relay-private-key '/var/lib/smc-mdm/relay/agent.key' smc:smc");
    // The relay certificate is a client certificate whose CN is a generated agent id and
    // whose OU tells the server it is a connector (it never enrolls with a connector token).
    const relay = resources(azure.json, 'tls_cert_request').find((r) =>
      String(JSON.stringify(r)).includes(CONNECTOR_CERTIFICATE_UNIT),
    );
    expect(relay?.subject).toEqual([
      {
        common_name: expect.stringMatching(/^\$\{random_uuid\./),
        organization: 'smc-kit',
        organizational_unit: CONNECTOR_CERTIFICATE_UNIT,
      },
    ]);
  });

  it('every key is ECDSA P-256, the curve the server signs with', () => {
    const keys = resources(azure.json, 'tls_private_key').filter((k) => k.algorithm === 'ECDSA');
    expect(keys.length).toBeGreaterThan(0);
    expect(new Set(keys.map((k) => k.ecdsa_curve))).toEqual(new Set(['P256']));
  });

  it('vms: each host also gets a #cloud-config document, with the names in /etc/hosts', () => {
    const { platform } = synthDeployment('vms', { clients: 800 });
    const server = platform.cloudInitDocuments.get('smc-server-1') ?? '';
    expect(server).toMatch(/^#cloud-config\n# smc-kit server host smc-server-1\.smc\.internal/);
    expect(server).toContain('#   /etc/smc/server.env (owner smc:smc): secret server-environment');
    expect(server).toContain('policy drop;');
    expect(server).toContain('192.0.2.1 smc.smc.internal smc');
    expect(server).not.toContain('TfToken');
  });
});
