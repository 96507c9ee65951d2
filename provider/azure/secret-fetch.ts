import type { CloudConfig } from '../cloud-init.js';
import type { SecretFile } from '../platform.js';

/**
 * Secrets never go into custom data (it is readable from the VM's metadata). Instead the VM's
 * managed identity reads them from Key Vault at boot, retrying while its role assignment
 * propagates, and writes them 0600 to their paths before any role's service starts.
 * The vault's URI comes from the VM's own tag (instance metadata), so the custom data holds
 * no references and is the same text terraform plans and the VM receives. With one
 * user-assigned identity, IMDS uses it without a client id.
 */
export const VAULT_URI_TAG = 'smc-key-vault-uri';

export function secretFetchCloudConfig(files: readonly SecretFile[]): CloudConfig {
  if (files.length === 0) return { systemUsers: [], packages: [], writeFiles: [], runcmd: [] };
  const script = [
    '#!/bin/bash',
    'set -euo pipefail',
    'IMDS=http://169.254.169.254/metadata',
    'json_field() { python3 -c "import json,sys; sys.stdout.write(json.load(sys.stdin)[sys.argv[1]])" "$1"; }',
    'tag() { python3 -c "import json,sys; sys.stdout.write(next(t[\'value\'] for t in json.load(sys.stdin) if t[\'name\'] == sys.argv[1]))" "$1"; }',
    `VAULT_URI=$(curl -fsS -H Metadata:true "$IMDS/instance/compute/tagsList?api-version=2021-02-01" | tag ${VAULT_URI_TAG})`,
    'token() {',
    '  curl -fsS -H Metadata:true "$IMDS/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net" | json_field access_token',
    '}',
    'fetch() {',
    '  local name=$1 path=$2 owner=$3 attempt=0 value',
    '  until value=$(curl -fsS -H "Authorization: Bearer $(token)" "$VAULT_URI""secrets/$name?api-version=7.4" | json_field value); do',
    '    attempt=$((attempt + 1))',
    '    if [ "$attempt" -ge 60 ]; then echo "smc: cannot read secret $name from Key Vault" >&2; exit 1; fi',
    '    sleep 10',
    '  done',
    '  install -d -m 0755 "$(dirname "$path")"',
    '  (umask 077; printf "%s\\n" "$value" > "$path")',
    '  chown "$owner" "$path"',
    '}',
    ...files.map((f) => `fetch ${f.secret.name} '${f.path}' ${f.owner ?? 'root:root'}`),
  ].join('\n');
  return {
    systemUsers: [],
    packages: ['curl', 'python3'],
    writeFiles: [
      { path: '/usr/local/sbin/smc-fetch-secrets', content: script, permissions: '0700' },
    ],
    runcmd: ['/usr/local/sbin/smc-fetch-secrets'],
  };
}
