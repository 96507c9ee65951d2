import type { CloudConfig } from '../../provider/cloud-init.js';
import type { ResolvedArtifact } from '../artifact.js';

/**
 * Node.js from a release tarball (nodejs.org or a mirror with its layout), checked against the
 * release's SHASUMS256.txt, into /usr/local, then the smc-kit artifact with `npm install -g`.
 * Distribution packages are too old (smc-kit needs Node >= 20.9). Optional dependencies are
 * left out: they are the cdktf bindings (for `smc synth`, never run on hosts) and the embedded
 * PostgreSQL binaries (hosts use the distribution's PostgreSQL).
 */
export function nodeAndArtifactCloudConfig(artifact: ResolvedArtifact): CloudConfig {
  const { nodeVersion, nodeMirror } = artifact;
  const registry = artifact.npmRegistry ? ` --registry '${artifact.npmRegistry}'` : '';
  const script = [
    '#!/bin/bash',
    'set -euo pipefail',
    'case "$(uname -m)" in',
    '  x86_64) arch=x64 ;;',
    '  aarch64) arch=arm64 ;;',
    '  *) echo "smc-install: no Node.js build for $(uname -m)" >&2; exit 1 ;;',
    'esac',
    `version=${nodeVersion}`,
    `if ! /usr/local/bin/node --version 2>/dev/null | grep -qx "v$version"; then`,
    '  tarball="node-v$version-linux-$arch.tar.xz"',
    `  base='${nodeMirror}'"/v$version"`,
    '  work=$(mktemp -d)',
    '  curl -fsSL --retry 5 --retry-connrefused -o "$work/$tarball" "$base/$tarball"',
    '  curl -fsSL --retry 5 --retry-connrefused -o "$work/SHASUMS256.txt" "$base/SHASUMS256.txt"',
    '  (cd "$work" && grep " $tarball\\$" SHASUMS256.txt | sha256sum -c -)',
    '  tar -xJf "$work/$tarball" -C /usr/local --strip-components=1 --no-same-owner',
    '  rm -rf "$work"',
    'fi',
    `/usr/local/bin/npm install -g --omit=optional --no-fund --no-audit --no-update-notifier${registry} '${artifact.artifact}'`,
  ].join('\n');
  return {
    systemUsers: [],
    packages: ['curl', 'xz-utils', 'ca-certificates'],
    writeFiles: [{ path: '/usr/local/sbin/smc-install', content: script, permissions: '0755' }],
    runcmd: ['/usr/local/sbin/smc-install'],
  };
}
