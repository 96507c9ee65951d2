import type { CloudConfig } from '../../provider/cloud-init.js';
import { renderServiceUnit } from './systemd.js';

export const SENSOR_DATA_DIR = '/var/lib/smc-rd-sensor';
/** The sensor's identity and every MAC the server acknowledged (written by the sensor). */
export const SENSOR_STATE_FILE = `${SENSOR_DATA_DIR}/state.json`;
/** The certificate the deployment issues with the agent CA (OU rd-sensor) and its key. */
export const SENSOR_CERTIFICATE_FILE = `${SENSOR_DATA_DIR}/sensor.pem`;
export const SENSOR_KEY_FILE = `${SENSOR_DATA_DIR}/sensor.key`;
/** The server's agent CA: the sensor verifies the server with it. */
export const SENSOR_SERVER_CA_FILE = `${SENSOR_DATA_DIR}/server-ca.pem`;
/** Optional: nothing secret goes in the environment (the key is a file). */
export const SENSOR_ENV_FILE = '-/etc/smc/rd-sensor.env';

export interface SensorUnitOptions {
  /** The server's agent plane, e.g. https://smc.smc.internal:2222. */
  readonly serverUrl: string;
  /** Watch only this interface (the LAN the sensor stands in). @default every interface */
  readonly interface?: string;
}

/**
 * `smc rd-sensor` as a systemd service on a small host of the network it watches. It runs as
 * the unprivileged `smc` user with one capability: CAP_NET_BIND_SERVICE, to listen where DHCP
 * clients broadcast (UDP 67). It captures nothing (the neighbour table and DHCP broadcasts are
 * all it reads), so neither root nor CAP_NET_RAW/CAP_NET_ADMIN. Its identity is the
 * certificate the deployment issued, so its first start needs no enrollment token.
 */
export function rdSensorCloudConfig(options: SensorUnitOptions): CloudConfig {
  const unit = renderServiceUnit({
    description: 'smc-kit Rogue Detection Sensor',
    user: 'smc',
    execStart: [
      '/usr/local/bin/smc rd-sensor',
      `--target ${options.serverUrl}`,
      `--ca ${SENSOR_SERVER_CA_FILE}`,
      `--cert ${SENSOR_CERTIFICATE_FILE}`,
      `--key ${SENSOR_KEY_FILE}`,
      `--state-file ${SENSOR_STATE_FILE}`,
      ...(options.interface ? [`--interface ${options.interface}`] : []),
    ],
    environmentFile: SENSOR_ENV_FILE,
    readWritePaths: [SENSOR_DATA_DIR],
    after: [],
    ambientCapabilities: ['CAP_NET_BIND_SERVICE'],
  });
  return {
    systemUsers: ['smc'],
    packages: [],
    writeFiles: [{ path: '/etc/systemd/system/smc-rd-sensor.service', content: unit }],
    runcmd: [
      `install -d -m 0700 -o smc -g smc ${SENSOR_DATA_DIR}`,
      'systemctl daemon-reload',
      'systemctl enable smc-rd-sensor.service',
      'systemctl restart smc-rd-sensor.service',
    ],
  };
}
