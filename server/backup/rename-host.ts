import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { caRecoveryAdvice, loadIssuingCa } from '../pki/issuing-ca.js';
import { pkiDirOf, pkiFilesIn, writeServerPair } from '../pki/pki-files.js';
import { issueServerCertificate } from '../pki/server-certificate.js';
import { normalizeSubjectNames } from '../pki/subject-names.js';
import { BackupInputError } from './backup-error.js';

export interface RenameHostResult {
  readonly previousNames: string;
  readonly names: string;
  /** SHA-256 fingerprint of the agent CA, unchanged by the rename. */
  readonly caFingerprint: string;
  readonly certificateFile: string;
}

/**
 * `smc admin rename-host`: the server moved to another name or address. Issues a new server
 * certificate from the same agent CA for exactly the new names (the old ones are dropped, as
 * the host no longer answers to them), so agents, which trust the CA and not the leaf, keep
 * trusting the server and keep their own certificates. `smc serve` uses it at its next start.
 */
export async function renameHost(options: {
  readonly dataDir: string;
  readonly hostnames: readonly string[];
  readonly ipAddresses: readonly string[];
}): Promise<RenameHostResult> {
  const pkiDir = pkiDirOf(options.dataDir);
  const files = pkiFilesIn(pkiDir);
  const [caPem, caKeyPem] = await Promise.all([
    readFile(files.caFile, 'utf8'),
    readFile(files.caKeyFile, 'utf8'),
  ]).catch((error: Error) => {
    throw new BackupInputError(
      '--data-dir',
      `cannot read the agent CA in ${pkiDir} (${error.message}); is it the server's data folder?`,
    );
  });
  let names: ReturnType<typeof normalizeSubjectNames>;
  try {
    names = normalizeSubjectNames(options.hostnames, options.ipAddresses);
  } catch (error) {
    const message = (error as Error).message;
    throw new BackupInputError(
      message.startsWith('ip') ? '--ip' : '--host',
      message.replace(/^\w+\[\d+\]: /, ''),
    );
  }
  const previous = await readFile(files.serverCertFile, 'utf8').then(
    (pem) => new X509Certificate(pem).subjectAltName ?? '(none)',
    () => '(no certificate)',
  );
  const ca = await loadIssuingCa(caPem, caKeyPem, files, caRecoveryAdvice(pkiDir));
  const server = await issueServerCertificate(ca, names);
  await writeServerPair(files, server);
  return {
    previousNames: previous,
    names: new X509Certificate(server.certPem).subjectAltName ?? '',
    caFingerprint: new X509Certificate(caPem).fingerprint256,
    certificateFile: files.serverCertFile,
  };
}
