import type { RunRecorder } from '../metrics/contract.js';
import type { ProxyEndpoint } from '../transport/proxy-tunnel.js';
import type { TargetEndpoint } from '../transport/target.js';
import { appendToIdentityCache, identityCacheSeed, readIdentityCache } from './cache.js';
import { type EnrolledIdentity, enrollAgents } from './enroll.js';
import { certificateFingerprint } from './keys.js';

export interface ProvisionOptions {
  readonly target: TargetEndpoint;
  readonly proxy?: ProxyEndpoint;
  readonly count: number;
  /** Agent index of the first identity (shards start further along the fleet). */
  readonly firstIndex: number;
  /** Folder to reuse and extend; none keeps identities in memory for this run only. */
  readonly cacheDir?: string;
  /** The run's --seed, kept with the cache: another seed reusing it is refused (clones). */
  readonly seed?: number;
  /** Gets an enrollment token, only called when some agents must be enrolled. */
  readonly enrollToken: () => Promise<string>;
  readonly onProgress?: (line: string) => void;
  /**
   * Told of each enroll request and each agent enrolled (counter `enrollments`, one at a time
   * so the report's enrolled-agents line climbs as enrollment goes).
   */
  readonly recorder?: RunRecorder;
}

export interface ProvisionedIdentities {
  readonly identities: readonly EnrolledIdentity[];
  readonly reused: number;
  readonly enrolled: number;
  readonly enrollSeconds: number;
  /** The seed the agents' machines are drawn from (the cache's, when it recorded one). */
  readonly machineSeed?: number;
}

/**
 * Identities for `count` agents: those the cache holds, plus new enrollments for the rest
 * (appended to the cache). A cache made for another server is refused, never mixed in.
 */
export async function provisionIdentities(
  options: ProvisionOptions,
): Promise<ProvisionedIdentities> {
  const serverCaSha256 = certificateFingerprint(options.target.caPem, '--ca');
  const cached = options.cacheDir
    ? ((await readIdentityCache(options.cacheDir, serverCaSha256, '--identities')) ?? [])
    : [];
  // Cached agents keep the machines they enrolled with, whatever this run's --seed.
  const machineSeed =
    (options.cacheDir ? await identityCacheSeed(options.cacheDir) : undefined) ?? options.seed;
  const reused = Math.min(cached.length, options.count);
  const missing = options.count - reused;
  if (missing === 0) {
    return {
      identities: cached.slice(0, options.count),
      reused,
      enrolled: 0,
      enrollSeconds: 0,
      ...(machineSeed !== undefined ? { machineSeed } : {}),
    };
  }
  const token = await options.enrollToken();
  const started = performance.now();
  const step = Math.max(1, Math.round(missing / 10));
  const batch = await enrollAgents(missing, options.firstIndex + reused, {
    target: options.target,
    ...(options.proxy ? { proxy: options.proxy } : {}),
    token,
    ...(options.recorder ? { recorder: options.recorder } : {}),
    onEnrolled: (done) => {
      options.recorder?.count('enrollments');
      if (done % step === 0 || done === missing)
        options.onProgress?.(`enrolled ${done}/${missing} agents`);
    },
  });
  const enrollSeconds = (performance.now() - started) / 1_000;
  if (options.cacheDir) {
    await appendToIdentityCache(
      options.cacheDir,
      {
        format: 1,
        serverCaSha256,
        agentCaSha256: certificateFingerprint(batch.agentCaPem, 'enroll response caCertificate'),
        target: options.target.url,
        ...(machineSeed !== undefined ? { seed: machineSeed } : {}),
      },
      batch.identities,
    );
  }
  return {
    identities: [...cached.slice(0, reused), ...batch.identities],
    reused,
    enrolled: missing,
    enrollSeconds,
    ...(machineSeed !== undefined ? { machineSeed } : {}),
  };
}
