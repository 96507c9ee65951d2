import { loadOrCreateAdminToken } from './admin-token.js';
import { createPkiAtomically } from './create-pki.js';
import { caRecoveryAdvice, type IssuingCa, loadIssuingCa } from './issuing-ca.js';
import { PkiError } from './pki-error.js';
import {
  ensurePrivateDirectory,
  pkiDirOf,
  pkiFilesIn,
  readIfPresent,
  SECRET_FILE_MODE,
  tightenMode,
  writeServerPair,
} from './pki-files.js';
import type { PkiFiles, PkiMaterial } from './pki-material.js';
import { issueServerCertificate, judgeServerCertificate } from './server-certificate.js';
import { normalizeSubjectNames, type SubjectNames } from './subject-names.js';

export interface LoadOrCreatePkiOptions {
  /** The server's data folder; the PKI lives in its `pki/` sub-folder. */
  readonly dataDir: string;
  /** DNS names the server certificate must cover (IP literals here become IP SANs). */
  readonly hostnames: readonly string[];
  /** Addresses the server certificate must cover, typically the listen address(es). */
  readonly ipAddresses: readonly string[];
  /** Subject CN of a newly created agent CA; ignored when the CA exists. */
  readonly caCommonName?: string;
}

export type LoadedPki = PkiMaterial & {
  /** True when this call created the agent CA (first start). */
  readonly created: boolean;
  /** True when this call issued a new server certificate for an existing CA. */
  readonly reissued: boolean;
  /** Why it was re-issued (worth a log line), null when it was not. */
  readonly reissueReason: string | null;
};

const MAX_COMMON_NAME = 64;

/**
 * First start: creates the agent CA, a server certificate and the admin token. Later starts:
 * reuses them, re-issuing only the server certificate when it no longer fits (names added,
 * near expiry, other CA, key replaced). An existing CA is never regenerated: a missing half
 * or unreadable file is PKI_CORRUPT, because a new CA would silently orphan every agent.
 */
export async function loadOrCreatePki(options: LoadOrCreatePkiOptions): Promise<LoadedPki> {
  if (typeof options !== 'object' || options === null) {
    throw new RangeError('options: must be an object with dataDir, hostnames and ipAddresses');
  }
  const { dataDir, caCommonName } = options;
  if (typeof dataDir !== 'string' || dataDir.length === 0) {
    throw new RangeError('dataDir: must be a non-empty path');
  }
  if (caCommonName !== undefined && !isValidCommonName(caCommonName)) {
    throw new RangeError(`caCommonName: must be 1-${MAX_COMMON_NAME} printable characters`);
  }
  const names = normalizeSubjectNames(options.hostnames, options.ipAddresses);
  const pkiDir = pkiDirOf(dataDir);
  const files = pkiFilesIn(pkiDir);

  if ((await readCaPair(files, pkiDir)) === null) {
    const created = await createPkiAtomically({ dataDir, pkiDir, names, caCommonName });
    if (created !== null) return created;
    // Another process created it between our look and our rename: use theirs.
  }
  return loadExistingPki(files, pkiDir, names);
}

async function loadExistingPki(
  files: PkiFiles,
  pkiDir: string,
  names: SubjectNames,
): Promise<LoadedPki> {
  await ensurePrivateDirectory(pkiDir);
  const advice = caRecoveryAdvice(pkiDir);
  const pair = await readCaPair(files, pkiDir);
  if (pair === null) {
    throw new PkiError(
      'PKI_CORRUPT',
      `${pkiDir} holds no agent CA (ca.pem, ca.key) although it was expected. ${advice}`,
    );
  }
  for (const secret of [files.caKeyFile, files.serverKeyFile, files.adminTokenFile]) {
    await tightenMode(secret, SECRET_FILE_MODE).catch(ignoreMissing);
  }
  const ca = await loadIssuingCa(pair.certPem, pair.keyPem, files, advice);
  const { server, reissueReason } = await loadOrReissueServerPair(ca, files, names);
  const adminToken = await loadOrCreateAdminToken(files);
  return {
    caCertPem: pair.certPem,
    serverCertPem: server.certPem,
    serverKeyPem: server.privateKeyPem,
    adminToken,
    files,
    created: false,
    reissued: reissueReason !== null,
    reissueReason,
  };
}

/** Both halves of the CA, null when neither exists (and nothing else says one should). */
async function readCaPair(files: PkiFiles, pkiDir: string) {
  const [certPem, keyPem] = await Promise.all([
    readIfPresent(files.caFile),
    readIfPresent(files.caKeyFile),
  ]);
  if (certPem !== null && keyPem !== null) return { certPem, keyPem };
  const advice = caRecoveryAdvice(pkiDir);
  if (certPem !== null) {
    throw new PkiError(
      'PKI_CORRUPT',
      `${files.caFile} exists but ${files.caKeyFile} is missing. ${advice}`,
    );
  }
  if (keyPem !== null) {
    throw new PkiError(
      'PKI_CORRUPT',
      `${files.caKeyFile} exists but ${files.caFile} is missing. ${advice}`,
    );
  }
  const orphans = await presentFiles([files.serverCertFile, files.serverKeyFile]);
  if (orphans.length > 0) {
    throw new PkiError(
      'PKI_CORRUPT',
      `${orphans.join(' and ')} exist but the agent CA that issued them (ca.pem, ca.key) is missing. ${advice}`,
    );
  }
  return null;
}

async function loadOrReissueServerPair(ca: IssuingCa, files: PkiFiles, wanted: SubjectNames) {
  const [certPem, keyPem] = await Promise.all([
    readIfPresent(files.serverCertFile),
    readIfPresent(files.serverKeyFile),
  ]);
  // A missing half (someone deleted it) needs no judging: the CA is intact, issue a new pair.
  let names = wanted;
  let reissueReason = `${certPem === null ? files.serverCertFile : files.serverKeyFile} is missing`;
  if (certPem !== null && keyPem !== null) {
    const verdict = await judgeServerCertificate(ca, certPem, keyPem, wanted, files);
    if (verdict.action === 'reuse') {
      return { server: { certPem, privateKeyPem: keyPem }, reissueReason: null };
    }
    names = verdict.names;
    reissueReason = verdict.reason;
  }
  const server = await issueServerCertificate(ca, names);
  await writeServerPair(files, server);
  return { server, reissueReason };
}

async function presentFiles(candidates: readonly string[]): Promise<string[]> {
  const contents = await Promise.all(candidates.map((file) => readIfPresent(file)));
  return candidates.filter((_, index) => contents[index] !== null);
}

function ignoreMissing(error: unknown) {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

function isValidCommonName(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= MAX_COMMON_NAME &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    !/[\u0000-\u001f\u007f]/.test(value)
  );
}
