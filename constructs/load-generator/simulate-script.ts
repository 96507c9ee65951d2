import type { ResolvedLoadGeneratorFleet } from './props.js';

/** Where each shard finds the CA (a secret volume on both engines). */
export const CA_MOUNT_DIR = '/etc/smc-loadgen';
export const CA_FILE = 'ca.pem';
/** Where each shard writes its report before (Azure) or instead of (Kubernetes) uploading it. */
export const REPORTS_DIR = '/reports';
/** The variable `smc simulate` reads its --enroll-token from (SMC_<FLAG>): set from a secret. */
export const ENROLL_TOKEN_ENV = 'SMC_ENROLL_TOKEN';
/** Azure: the container URL and its write-only SAS, both secure variables. */
export const REPORT_CONTAINER_URL_ENV = 'SMC_REPORT_CONTAINER_URL';
export const REPORT_SAS_ENV = 'SMC_REPORT_SAS';

export interface ShardScriptOptions {
  /**
   * Shell arithmetic giving the 1-based shard: `$((JOB_COMPLETION_INDEX + 1))` on Kubernetes
   * (its index counts from 0), the literal number on Azure.
   */
  readonly shardExpression: string;
  /** Upload the report to the blob container named by the SAS variables afterwards. */
  readonly uploadToBlob: boolean;
}

/** The report's name: the same on a volume and in a blob container, so a merge lists them alike. */
export function reportName(shard: number | string, shards: number): string {
  return `shard-${shard}-of-${shards}.json`;
}

/**
 * The `sh -c` script one shard runs: `npx smc-kit simulate --shard i/N ...` from the
 * deployment's artifact, its JSON report to the reports folder (and, on Azure, to the blob
 * container). The simulator's exit code is kept (99: a threshold failed), so a failed gate
 * shows as a failed pod or container. No secret is in it: the token is an environment
 * variable set from a secret, the CA a file from a secret volume.
 */
export function shardScript(
  fleet: ResolvedLoadGeneratorFleet,
  options: ShardScriptOptions,
): string {
  const { artifact } = fleet;
  const simulate = [
    'npx',
    '--yes',
    `--package=${quote(artifact.artifact)}`,
    'smc',
    'simulate',
    '--target',
    quote(fleet.target),
    '--ca',
    quote(`${CA_MOUNT_DIR}/${CA_FILE}`),
    '--shard',
    `"$SHARD/${fleet.shards}"`,
    '--agents',
    String(fleet.agents),
    '--interval',
    quote(fleet.interval),
    '--duration',
    quote(fleet.duration),
    '--json',
    '"$REPORT"',
    ...fleet.simulateArgs.map(quote),
  ].join(' ');
  const lines = [
    'set -eu',
    `SHARD=${options.shardExpression}`,
    `NAME="${reportName('$SHARD', fleet.shards)}"`,
    `REPORT="${REPORTS_DIR}/$NAME"`,
    `mkdir -p ${REPORTS_DIR}`,
    ...(artifact.npmRegistry ? [`export npm_config_registry=${quote(artifact.npmRegistry)}`] : []),
    'status=0',
    `${simulate} || status=$?`,
  ];
  if (options.uploadToBlob) {
    // Node's own fetch (the image has Node and nothing else): Put Blob with the SAS.
    const upload = [
      'const fs = require("node:fs");',
      `const url = process.env.${REPORT_CONTAINER_URL_ENV} + "/" + process.argv[1] + process.env.${REPORT_SAS_ENV};`,
      'fetch(url, { method: "PUT", headers: { "x-ms-blob-type": "BlockBlob", "content-type": "application/json" }, body: fs.readFileSync(process.argv[2]) })',
      '.then((r) => { if (!r.ok) { console.error("smc-loadgen: report upload: HTTP " + r.status); process.exit(1); } })',
      '.catch((e) => { console.error("smc-loadgen: report upload: " + e.message); process.exit(1); });',
    ].join(' ');
    lines.push(
      'if [ -f "$REPORT" ]; then',
      `  node -e ${quote(upload)} "$NAME" "$REPORT" || status=1`,
      'else',
      '  echo "smc-loadgen: shard $SHARD wrote no report (exit $status)" >&2',
      'fi',
    );
  }
  lines.push('exit $status');
  return lines.join('\n');
}

/** One shell word in single quotes (a ' inside becomes '\''). */
export function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
