import type { CloudConfig } from '../../provider/cloud-init.js';

/**
 * Node.js from the official tarball, checked against the release's SHASUMS256.txt, into
 * /usr/local, then the smc-kit artifact with `npm install -g` (a package spec or a tarball URL).
 * Distribution packages are too old (smc-kit needs Node >= 20.9).
 */
export function nodeAndArtifactCloudConfig(nodeVersion: string, artifact: string): CloudConfig {
  const tarball = `node-v${nodeVersion}-linux-x64.tar.xz`;
  const base = `https://nodejs.org/dist/v${nodeVersion}`;
  const script = [
    '#!/bin/bash',
    'set -euo pipefail',
    `if ! /usr/local/bin/node --version 2>/dev/null | grep -qx 'v${nodeVersion}'; then`,
    '  work=$(mktemp -d)',
    `  curl -fsSL -o "$work/${tarball}" '${base}/${tarball}'`,
    `  curl -fsSL -o "$work/SHASUMS256.txt" '${base}/SHASUMS256.txt'`,
    `  (cd "$work" && grep ' ${tarball}$' SHASUMS256.txt | sha256sum -c -)`,
    `  tar -xJf "$work/${tarball}" -C /usr/local --strip-components=1 --no-same-owner`,
    '  rm -rf "$work"',
    'fi',
    `/usr/local/bin/npm install -g --no-fund --no-audit '${artifact}'`,
  ].join('\n');
  return {
    systemUsers: [],
    packages: ['curl', 'xz-utils'],
    writeFiles: [{ path: '/usr/local/sbin/smc-install', content: script, permissions: '0755' }],
    runcmd: ['/usr/local/sbin/smc-install'],
  };
}
