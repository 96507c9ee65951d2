#!/usr/bin/env node
// Brings what the test suite needs besides npm packages, so `npm test` passes on a fresh
// machine: Debian packages, checked by a file each installs. As root on Debian/Ubuntu the
// missing ones are installed (`apt-get update`, then `apt-get install -y`); otherwise this
// stops with the exact command to run. SMC_TEST_NO_INSTALL=1 only checks.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian package -> a file it installs, and why the tests need it. */
const PACKAGES = [
  ['squid', '/usr/sbin/squid', 'the proxy tests tunnel agents through a real CONNECT proxy'],
  [
    'mosquitto',
    '/usr/sbin/mosquitto',
    'the push tests run the Mosquitto the constructs configure, with their config',
  ],
  ['chromium', '/usr/bin/chromium', "the web console's browser tests drive it"],
  [
    'fonts-dejavu-core',
    '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
    'chromium renders text with it',
  ],
  // The deployment test (npm run e2e:deploy) builds and boots Debian hosts and reaches them.
  ['debootstrap', '/usr/sbin/debootstrap', 'the deploy test builds its hosts root file system'],
  ['systemd-container', '/usr/bin/systemd-nspawn', 'the deploy test boots its hosts with nspawn'],
  ['iproute2', '/usr/sbin/ip', 'the deploy test gives each host its network namespace'],
  ['openssh-client', '/usr/bin/ssh', 'the deploy test applies the stack over SSH'],
  ['curl', '/usr/bin/curl', "the deploy test calls the deployed console's API"],
  ['xz-utils', '/usr/bin/xz', 'the deploy test packs Node.js as a nodejs.org release'],
];

const missing = PACKAGES.filter(([, file]) => !existsSync(file));
if (missing.length === 0) process.exit(0);

const names = missing.map(([name]) => name);
const command = `apt-get update && apt-get install -y --no-install-recommends ${names.join(' ')}`;
for (const [name, , why] of missing) console.error(`tests need the Debian package ${name}: ${why}`);

const isRoot = process.getuid?.() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (!hasApt) {
  console.error(
    `smc test prerequisites: no apt-get here; install the equivalents of: ${names.join(', ')}`,
  );
  process.exit(1);
}
if (!isRoot || process.env.SMC_TEST_NO_INSTALL === '1') {
  console.error(
    `smc test prerequisites: install them first: ${isRoot ? '' : 'sudo '}sh -c '${command}'`,
  );
  process.exit(1);
}

console.error(`smc test prerequisites: installing ${names.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...names]]) {
  const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`smc test prerequisites: apt-get ${args[0]} failed; run: ${command}`);
    process.exit(1);
  }
}
const still = missing.filter(([, file]) => !existsSync(file)).map(([name]) => name);
if (still.length) {
  console.error(`smc test prerequisites: still missing after install: ${still.join(', ')}`);
  process.exit(1);
}
