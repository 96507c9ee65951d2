/**
 * What `smc admin backup` records about an archive (member `manifest.json`), and the checks
 * `smc admin restore` makes on it before it touches anything.
 */

export const MANIFEST_MEMBER = 'manifest.json';
export const MANIFEST_FORMAT = 'smc-backup/1';

/** One schema's migration level: the highest version its migrations table records. */
export interface SchemaLevel {
  /** The migrations table, e.g. `smc_migrations` (server) or `mdm.migrations` (connector). */
  readonly table: string;
  readonly level: number;
}

export interface TableDump {
  /** `schema.table`, e.g. `public.logs`. */
  readonly table: string;
  readonly rows: number;
  /** The archive member holding its rows: gzip of one JSON object per line (row_to_json). */
  readonly member: string;
}

export interface SequenceValue {
  readonly sequence: string;
  readonly lastValue: number;
}

export interface MemberDigest {
  readonly size: number;
  /** Lower-case hex SHA-256 of the member's bytes as stored in the archive. */
  readonly sha256: string;
  /** File mode of an identity file (keys 0600), restored as it was. */
  readonly mode?: number;
}

export interface BackupManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly smcKitVersion: string;
  readonly createdAt: string;
  /** The database snapshot's time: every transaction committed before it is in the archive. */
  readonly snapshotAt: string;
  readonly postgres: { readonly version: string };
  readonly schemas: readonly SchemaLevel[];
  readonly tables: readonly TableDump[];
  readonly sequences: readonly SequenceValue[];
  /** Every other member of the archive, by name. */
  readonly members: Readonly<Record<string, MemberDigest>>;
}

/** A reason an archive cannot be restored, naming what is wrong; exit code 1, not 2. */
export class ArchiveRefused extends Error {}

const SHA256 = /^[0-9a-f]{64}$/;

/** Parses and checks the manifest's shape; everything it names is checked against the tar. */
export function parseManifest(text: string): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ArchiveRefused(`${MANIFEST_MEMBER} is not JSON (${(error as Error).message})`);
  }
  const m = value as Partial<BackupManifest>;
  const bad = (field: string) =>
    new ArchiveRefused(`${MANIFEST_MEMBER}: ${field} is missing or malformed`);
  if (typeof m !== 'object' || m === null) throw bad('the manifest');
  if (m.format !== MANIFEST_FORMAT)
    throw new ArchiveRefused(
      `${MANIFEST_MEMBER}: format ${JSON.stringify(m.format)} is not ${MANIFEST_FORMAT} (made by another smc-kit?)`,
    );
  if (typeof m.smcKitVersion !== 'string') throw bad('smcKitVersion');
  if (typeof m.snapshotAt !== 'string') throw bad('snapshotAt');
  if (!Array.isArray(m.schemas)) throw bad('schemas');
  for (const s of m.schemas)
    if (typeof s?.table !== 'string' || !Number.isInteger(s.level) || s.level < 0)
      throw bad('schemas[]');
  if (!Array.isArray(m.tables)) throw bad('tables');
  for (const t of m.tables)
    if (
      typeof t?.table !== 'string' ||
      !/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/.test(t.table) ||
      typeof t.member !== 'string' ||
      !Number.isInteger(t.rows)
    )
      throw bad('tables[]');
  if (!Array.isArray(m.sequences)) throw bad('sequences');
  for (const s of m.sequences)
    if (
      typeof s?.sequence !== 'string' ||
      !/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/.test(s.sequence) ||
      !Number.isSafeInteger(s.lastValue)
    )
      throw bad('sequences[]');
  if (typeof m.members !== 'object' || m.members === null) throw bad('members');
  for (const [name, digest] of Object.entries(m.members))
    if (
      !Number.isSafeInteger(digest?.size) ||
      !SHA256.test(String(digest?.sha256)) ||
      (digest.mode !== undefined &&
        !(Number.isInteger(digest.mode) && digest.mode >= 0 && digest.mode <= 0o777))
    )
      throw bad(`members[${JSON.stringify(name)}]`);
  for (const t of m.tables)
    if (!(t.member in m.members)) throw bad(`members[${JSON.stringify(t.member)}]`);
  return m as BackupManifest;
}
