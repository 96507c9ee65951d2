import { createHash } from 'node:crypto';
import type { OsFamily } from '../../protocol/index.js';
import { unitDraw } from '../random.js';
import { withSeededFaker } from './faker-source.js';
import { type OsMix, pickOsFamily } from './os-mix.js';

/**
 * The human-looking side of a virtual agent, derived on demand from (seed, index) so no
 * per-agent object holds it: agent 4711 is the same machine in every run.
 */
export interface OsRelease {
  readonly family: OsFamily;
  readonly name: string;
  readonly version: string;
}

export interface MachineProfile {
  readonly hostname: string;
  /** One of a few shared, frozen objects: agents can keep a reference for free. */
  readonly os: OsRelease;
  readonly hardware: Readonly<Record<string, unknown>>;
}

export interface SoftwareEntry {
  readonly name: string;
  readonly version: string;
  readonly vendor: string;
}

/** Salts for the faker seeds, so the machine and its software are independent streams. */
const STREAM = { machine: 1, software: 2 } as const;

const RELEASES: Readonly<Record<OsFamily, readonly (readonly [string, string])[]>> = {
  windows: [
    ['Microsoft Windows 11 Pro', '10.0.22631'],
    ['Microsoft Windows 11 Enterprise', '10.0.26100'],
    ['Microsoft Windows 10 Pro', '10.0.19045'],
    ['Microsoft Windows Server 2022 Standard', '10.0.20348'],
  ],
  macos: [
    ['macOS Sonoma', '14.6.1'],
    ['macOS Sequoia', '15.1'],
    ['macOS Ventura', '13.7'],
  ],
  linux: [
    ['Ubuntu 22.04.4 LTS', '5.15.0'],
    ['Ubuntu 24.04 LTS', '6.8.0'],
    ['Debian GNU/Linux 12', '6.1.0'],
    ['Red Hat Enterprise Linux 9.4', '5.14.0'],
  ],
};

const OS_RELEASES: Readonly<Record<OsFamily, readonly OsRelease[]>> = {
  windows: RELEASES.windows.map(([name, version]) =>
    Object.freeze({ family: 'windows', name, version }),
  ),
  macos: RELEASES.macos.map(([name, version]) => Object.freeze({ family: 'macos', name, version })),
  linux: RELEASES.linux.map(([name, version]) => Object.freeze({ family: 'linux', name, version })),
};

const VENDORS: Readonly<Record<OsFamily, readonly string[]>> = {
  windows: ['Dell Inc.', 'HP', 'Lenovo', 'Microsoft Corporation', 'ASUSTeK'],
  macos: ['Apple Inc.'],
  linux: ['Dell Inc.', 'Lenovo', 'Supermicro', 'QEMU'],
};

const CPUS = [
  'Intel(R) Core(TM) i5-1245U',
  'Intel(R) Core(TM) i7-1365U',
  'AMD Ryzen 7 PRO 7840U',
  'Intel(R) Xeon(R) Silver 4314',
  'Apple M2',
  'Apple M3 Pro',
];

const SOFTWARE_CATALOGUE: readonly (readonly [string, string])[] = [
  ['Google Chrome', 'Google LLC'],
  ['Mozilla Firefox', 'Mozilla'],
  ['Microsoft Edge', 'Microsoft Corporation'],
  ['Microsoft 365 Apps', 'Microsoft Corporation'],
  ['Microsoft Teams', 'Microsoft Corporation'],
  ['Zoom Workplace', 'Zoom Video Communications'],
  ['Slack', 'Slack Technologies'],
  ['7-Zip', 'Igor Pavlov'],
  ['Adobe Acrobat Reader', 'Adobe'],
  ['Notepad++', 'Notepad++ Team'],
  ['Visual Studio Code', 'Microsoft Corporation'],
  ['Git', 'The Git Development Community'],
  ['Python', 'Python Software Foundation'],
  ['Node.js', 'OpenJS Foundation'],
  ['OpenSSL', 'OpenSSL Project'],
  ['VLC media player', 'VideoLAN'],
  ['LibreOffice', 'The Document Foundation'],
  ['PuTTY', 'Simon Tatham'],
  ['WinSCP', 'Martin Prikryl'],
  ['Java Runtime Environment', 'Oracle Corporation'],
  ['Docker Desktop', 'Docker Inc.'],
  ['KeePassXC', 'KeePassXC Team'],
  ['Wireshark', 'The Wireshark developer community'],
  ['Thunderbird', 'Mozilla'],
  ['Security Management Agent', 'smc-kit'],
];

/** The machine behind agent `index` of a run seeded with `seed`. */
export function describeMachine(seed: number, index: number, osMix: OsMix): MachineProfile {
  const family = pickOsFamily(osMix, unitDraw(seed, index, 0));
  return withSeededFaker([seed, index, STREAM.machine], (f) => {
    const os = f.helpers.arrayElement(OS_RELEASES[family]);
    const hostname =
      family === 'windows'
        ? `${f.helpers.arrayElement(['DESKTOP', 'LAPTOP', 'WS'])}-${f.string.alphanumeric({ length: 7, casing: 'upper' })}`
        : family === 'macos'
          ? `${f.person.firstName().replace(/[^A-Za-z]/g, '')}s-MacBook-Pro`
          : `${f.internet.domainWord().replace(/[^a-z0-9-]/g, '')}-${f.number.int({ min: 1, max: 999 })}`;
    const memoryGiB = f.helpers.arrayElement([8, 16, 16, 32, 64]);
    const hardware = {
      manufacturer: f.helpers.arrayElement(VENDORS[family]),
      model: `${f.commerce.productAdjective()} ${f.string.alphanumeric({ length: 4, casing: 'upper' })}`,
      serialNumber: f.string.alphanumeric({ length: 12, casing: 'upper' }),
      cpu: { model: f.helpers.arrayElement(CPUS), cores: f.helpers.arrayElement([4, 8, 12, 16]) },
      memoryMiB: memoryGiB * 1_024,
      disks: [{ sizeGiB: f.helpers.arrayElement([256, 512, 1_024]), kind: 'ssd' }],
      network: [{ mac: f.internet.mac(), ipv4: f.internet.ipv4() }],
    };
    return { hostname, os, hardware };
  });
}

/**
 * The installed software at inventory generation `generation`: a base list, with one
 * package upgraded per later generation (what makes the inventory hash change).
 */
export function describeSoftware(seed: number, index: number, generation: number): SoftwareEntry[] {
  return withSeededFaker([seed, index, STREAM.software], (f) => {
    const picked = f.helpers.arrayElements(SOFTWARE_CATALOGUE, { min: 8, max: 20 });
    const software = picked.map(([name, vendor]) => ({ name, vendor, version: f.system.semver() }));
    for (let g = 1; g <= generation; g++) {
      const at = Math.floor(unitDraw(seed, index, g, 77) * software.length);
      const item = software[at] as SoftwareEntry;
      const [major = 0, minor = 0, patch = 0] = item.version.split('.').map(Number);
      software[at] = { ...item, version: `${major}.${minor}.${patch + g}` };
    }
    return software;
  });
}

/** sha256 of the seeded hardware: stable per machine, different between machines. */
export function fingerprintOf(profile: MachineProfile): string {
  return createHash('sha256').update(JSON.stringify(profile.hardware)).digest('hex');
}

/** The inventory hash the protocol carries: sha256 over hardware and software. */
export function inventoryHashOf(
  hardware: MachineProfile['hardware'],
  software: readonly SoftwareEntry[],
): string {
  return createHash('sha256').update(JSON.stringify({ hardware, software })).digest('hex');
}
