import { describe, expect, it } from 'vitest';
import {
  rdSensorCloudConfig,
  SENSOR_CERTIFICATE_FILE,
  SENSOR_DATA_DIR,
} from '../../constructs/cloud-init/rd-sensor.js';
import { runSmc } from '../bin/run-cli.js';

/**
 * The sensor's systemd unit (what a sensor construct installs): `smc rd-sensor` with the
 * server URL and the identity the deployment issued, unprivileged but for the one capability
 * its DHCP listener needs.
 */
describe('rd-sensor cloud-init', () => {
  const config = rdSensorCloudConfig({
    serverUrl: 'https://smc.smc.internal:2222',
    interface: 'eth0',
  });
  const unit = config.writeFiles.find((f) => f.path === '/etc/systemd/system/smc-rd-sensor.service')
    ?.content as string;

  it('runs smc rd-sensor as smc with CAP_NET_BIND_SERVICE only, never as root', () => {
    expect(unit).toMatch(/^User=smc$/m);
    expect(unit).toMatch(/^AmbientCapabilities=CAP_NET_BIND_SERVICE$/m);
    expect(unit).toMatch(/^CapabilityBoundingSet=CAP_NET_BIND_SERVICE$/m);
    expect(unit).toMatch(/^NoNewPrivileges=yes$/m);
    expect(unit).not.toMatch(/CAP_NET_RAW|CAP_NET_ADMIN|User=root/);
    expect(unit).toContain(`ReadWritePaths=${SENSOR_DATA_DIR}`);
    expect(unit).toContain('--target https://smc.smc.internal:2222 \\');
    expect(unit).toContain(`--cert ${SENSOR_CERTIFICATE_FILE} \\`);
    expect(unit).toContain('--interface eth0');
    expect(config.runcmd).toContain('systemctl enable smc-rd-sensor.service');
  });

  it('gives only flags the built smc rd-sensor has', () => {
    const help = runSmc(['rd-sensor', '--help']);
    expect(help.status, help.stderr).toBe(0);
    const flags = [...unit.matchAll(/^\s*(?:ExecStart=\S+ rd-sensor )?(--[a-z-]+) /gm)].map(
      (m) => m[1] as string,
    );
    expect(flags).toEqual(
      expect.arrayContaining(['--target', '--ca', '--cert', '--key', '--state-file']),
    );
    for (const flag of flags) expect(help.stdout, flag).toContain(flag);
  });

  it('watches every interface unless told one', () => {
    const all = rdSensorCloudConfig({ serverUrl: 'https://smc:2222' }).writeFiles[0]?.content;
    expect(all).not.toContain('--interface');
  });
});
