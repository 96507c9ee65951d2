import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { SensorIdentity } from '../../server/index.js';
import { durationOption, portFlag } from '../cli/flags.js';
import { runAction } from '../cli/run-action.js';
import { gracefulShutdown } from '../cli/service-lifecycle.js';
import { UsageError } from '../cli/usage-error.js';

interface RdSensorOptions {
  target: string;
  ca?: string;
  enrollToken?: string;
  cert?: string;
  key?: string;
  interface?: string;
  stateFile: string;
  pollInterval: number;
  dhcpPort: number;
  dhcp: boolean;
}

export function registerRdSensorCommand(program: Command): void {
  program
    .command('rd-sensor')
    .summary('run a Rogue Detection Sensor: find machines on this network and report each once')
    .description(
      "Run a Rogue Detection Sensor on a host of a network. It listens passively: the kernel's neighbour table (every host this one exchanged ARP with), polled, and the DHCP clients' broadcasts on UDP 67 (needs root or CAP_NET_BIND_SERVICE; without it the neighbour table alone). Each machine (MAC, with its IEEE OUI vendor, IP and DHCP host name where seen) is reported once to the server over mutual TLS; the state file remembers the sensor's identity and what it reported, so a restart sends nothing twice. The server judges each managed or rogue against its computers' inventory (console: GET /api/rogue-machines). First start: --enroll-token of kind rd-sensor (smc admin enrollment-token --kind rd-sensor). SIGTERM/SIGINT: finish the report in flight, stop.",
    )
    .option('--target <url>', "the management server's agent plane", 'https://127.0.0.1:2222')
    .option('--ca <file>', "the server's agent CA (its <data-dir>/pki/ca.pem)")
    .option('--enroll-token <token>', 'enrollment token of kind rd-sensor, for the first start')
    .option(
      '--cert <file>',
      'instead of --enroll-token: a sensor certificate issued with the agent CA (subject CN = its agent id, OU = rd-sensor), as the deployment constructs install it',
    )
    .option('--key <file>', "with --cert: the certificate's private key (PEM)")
    .option('--interface <name>', 'watch only this network interface (default: all)')
    .option(
      '--state-file <file>',
      "the sensor's identity and the machines it reported (kept across restarts)",
      '.smc-rd-sensor/state.json',
    )
    .addOption(
      durationOption('--poll-interval <duration>', 'how often to read the neighbour table', 10, {
        min: 1,
        max: 3_600,
      }),
    )
    .option('--dhcp-port <port>', 'UDP port DHCP clients broadcast to', portFlag('--dhcp-port'), 67)
    .option('--no-dhcp', 'do not listen for DHCP clients (neighbour table only)')
    .addHelpText(
      'after',
      '\nExamples:\n  smc admin enrollment-token --kind rd-sensor\n  smc rd-sensor --target https://smc:2222 --ca ca.pem --enroll-token T --interface eth0 --state-file /var/lib/smc-rd-sensor/state.json\n  smc rd-sensor --ca ca.pem --state-file sensor.json --poll-interval 30s --no-dhcp',
    )
    .action((options: RdSensorOptions) =>
      runAction(async () => {
        if (!options.ca)
          throw new UsageError(
            "--ca: required (the server's agent CA, pki/ca.pem in its data folder)",
          );
        const caPem = await readFile(options.ca, 'utf8').catch((error: Error) => {
          throw new UsageError(`--ca: cannot read ${options.ca} (${error.message})`);
        });
        let url: URL;
        try {
          url = new URL(options.target);
        } catch {
          throw new UsageError(`--target: not a URL (got ${JSON.stringify(options.target)})`);
        }
        if (url.protocol !== 'https:')
          throw new UsageError(`--target: must be an https:// URL (got ${options.target})`);
        if (Boolean(options.cert) !== Boolean(options.key))
          throw new UsageError('--cert and --key: give both (the issued certificate and its key)');
        if (options.cert && options.enrollToken)
          throw new UsageError('--enroll-token: give it or --cert/--key, not both');
        if (!options.enrollToken && !options.cert && !existsSync(options.stateFile))
          throw new UsageError(
            `--enroll-token: required on the first start (no ${options.stateFile} yet), or --cert and --key`,
          );
        const readPem = (flag: string, file: string) =>
          readFile(file, 'utf8').catch((error: Error) => {
            throw new UsageError(`${flag}: cannot read ${file} (${error.message})`);
          });
        let provisioned: SensorIdentity | undefined;
        if (options.cert && options.key) {
          const { provisionedSensorIdentity } = await import('../../server/index.js');
          const [certPem, keyPem] = await Promise.all([
            readPem('--cert', options.cert),
            readPem('--key', options.key),
          ]);
          try {
            provisioned = provisionedSensorIdentity(certPem, keyPem);
          } catch (error) {
            throw new UsageError((error as Error).message);
          }
        }
        const { startSensor } = await import('../../server/index.js');
        const log = (line: string) => process.stderr.write(`smc rd-sensor: ${line}\n`);
        const sensor = await startSensor({
          serverUrl: url.origin,
          caPem,
          ...(options.enrollToken ? { enrollToken: options.enrollToken } : {}),
          ...(provisioned ? { provisioned } : {}),
          stateFile: options.stateFile,
          ...(options.interface ? { device: options.interface } : {}),
          pollSeconds: options.pollInterval,
          dhcpPort: options.dhcp ? options.dhcpPort : null,
          log,
        });
        const stopped = gracefulShutdown(
          () => sensor.close(),
          log,
          'finishing the report in flight',
        );
        log(
          `watching ${options.interface ?? 'every interface'} as sensor ${sensor.agentId} for ${url.origin} (${sensor.reportedCount()} machine(s) reported before)`,
        );
        await stopped;
        log('stopped');
        return 0;
      }),
    );
}
