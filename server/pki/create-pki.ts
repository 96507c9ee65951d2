import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createAdminToken } from './admin-token.js';
import { createAgentCa, defaultCaCommonName } from './ca-certificate.js';
import { loadIssuingCa } from './issuing-ca.js';
import { PKI_FILE_NAMES } from './layout.js';
import type { LoadedPki } from './load-or-create-pki.js';
import { PkiError } from './pki-error.js';
import {
  PKI_DIR_MODE,
  PUBLIC_FILE_MODE,
  pkiFilesIn,
  SECRET_FILE_MODE,
  syncDirectory,
  tightenMode,
  writeFileAtomically,
  writeServerPair,
} from './pki-files.js';
import { issueServerCertificate } from './server-certificate.js';
import type { SubjectNames } from './subject-names.js';

/**
 * Builds the whole PKI in a private staging folder, then renames the folder into place: other
 * processes see either no PKI or a complete one. Returns null when another process won.
 */
export async function createPkiAtomically(target: {
  dataDir: string;
  pkiDir: string;
  names: SubjectNames;
  caCommonName: string | undefined;
}): Promise<LoadedPki | null> {
  const { dataDir, pkiDir, names, caCommonName } = target;
  await mkdir(dataDir, { recursive: true });
  const stagingDir = join(dataDir, `.pki-staging-${randomBytes(6).toString('hex')}`);
  await mkdir(stagingDir, { mode: PKI_DIR_MODE });
  try {
    await tightenMode(stagingDir, PKI_DIR_MODE);
    const staged = pkiFilesIn(stagingDir);
    const ca = await createAgentCa(caCommonName ?? defaultCaCommonName());
    const issuingCa = await loadIssuingCa(ca.certPem, ca.privateKeyPem, staged, '');
    const server = await issueServerCertificate(issuingCa, names);
    const adminToken = createAdminToken();
    await writeFileAtomically(staged.caKeyFile, ca.privateKeyPem, SECRET_FILE_MODE);
    await writeFileAtomically(staged.caFile, ca.certPem, PUBLIC_FILE_MODE);
    await writeServerPair(staged, server);
    await writeFileAtomically(staged.adminTokenFile, adminToken, SECRET_FILE_MODE);
    if (!(await renameIntoPlace(stagingDir, pkiDir))) return null;
    await syncDirectory(dataDir);
    return {
      caCertPem: ca.certPem,
      serverCertPem: server.certPem,
      serverKeyPem: server.privateKeyPem,
      adminToken,
      files: pkiFilesIn(pkiDir),
      created: true,
      reissued: false,
      reissueReason: null,
    };
  } finally {
    await rm(stagingDir, { recursive: true, force: true });
  }
}

/** rename(2) replaces an empty folder but refuses a non-empty one: exactly one creator wins. */
async function renameIntoPlace(stagingDir: string, pkiDir: string): Promise<boolean> {
  try {
    await rename(stagingDir, pkiDir);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    const entries = await readdir(pkiDir);
    if (
      entries.includes(PKI_FILE_NAMES.caCertificate) ||
      entries.includes(PKI_FILE_NAMES.caPrivateKey)
    )
      return false;
    throw new PkiError(
      'PKI_CORRUPT',
      `${pkiDir} exists and is not empty but holds no agent CA (found: ${entries.join(', ')}). ` +
        'Move its contents away or delete the folder, then start again to create a new PKI.',
    );
  }
}
