import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { ArchiveRefused, type BackupManifest, MANIFEST_MEMBER, parseManifest } from './manifest.js';
import { highestKnown, KNOWN_SCHEMAS } from './schema-levels.js';
import { listTar, memberStream, TarFormatError, type TarMember } from './tar.js';

export interface VerifiedArchive {
  readonly manifest: BackupManifest;
  readonly members: ReadonlyMap<string, TarMember>;
}

/** The manifest is small; anything bigger is not one smc wrote. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * Everything `smc admin restore` checks before it touches the target: the tar is whole, the
 * manifest names exactly the members present, every member's SHA-256 matches, and no schema
 * is newer than this smc-kit knows. Each refusal names the member or schema at fault.
 */
export async function verifyArchive(
  archive: string,
  progress: (line: string) => void,
): Promise<VerifiedArchive> {
  let listed: TarMember[];
  try {
    listed = await listTar(archive);
  } catch (error) {
    if (error instanceof TarFormatError)
      throw new ArchiveRefused(`${archive} is damaged: ${error.message}`);
    throw error;
  }
  const members = new Map<string, TarMember>();
  for (const member of listed) {
    if (members.has(member.name))
      throw new ArchiveRefused(`member ${member.name} appears twice in the archive`);
    members.set(member.name, member);
  }
  const manifestMember = members.get(MANIFEST_MEMBER);
  if (!manifestMember)
    throw new ArchiveRefused(`${archive} has no ${MANIFEST_MEMBER}: not an smc admin backup`);
  if (manifestMember.size > MAX_MANIFEST_BYTES)
    throw new ArchiveRefused(`${MANIFEST_MEMBER} is larger than any smc admin backup writes`);
  const manifest = parseManifest(
    (await buffer(memberStream(archive, manifestMember))).toString('utf8'),
  );
  for (const schema of manifest.schemas) {
    const known = KNOWN_SCHEMAS.find((s) => s.table === schema.table);
    if (!known)
      throw new ArchiveRefused(
        `the archive's database has a schema this smc-kit does not know (${schema.table}); restore it with smc-kit ${manifest.smcKitVersion} or later`,
      );
    if (schema.level > highestKnown(known))
      throw new ArchiveRefused(
        `the archive's schema (${schema.table}) is at migration ${schema.level}, newer than this smc-kit knows (${highestKnown(known)}); restore it with smc-kit ${manifest.smcKitVersion} or later`,
      );
  }
  for (const name of members.keys())
    if (name !== MANIFEST_MEMBER && !(name in manifest.members))
      throw new ArchiveRefused(
        `member ${name} is not in ${MANIFEST_MEMBER}: the archive was altered`,
      );
  for (const [name, digest] of Object.entries(manifest.members)) {
    const member = members.get(name);
    if (!member) throw new ArchiveRefused(`member ${name} is missing from the archive`);
    if (member.size !== digest.size)
      throw new ArchiveRefused(
        `member ${name} is damaged or was altered (${member.size} bytes, the manifest says ${digest.size})`,
      );
    const hash = createHash('sha256');
    for await (const chunk of memberStream(archive, member)) hash.update(chunk as Buffer);
    if (hash.digest('hex') !== digest.sha256)
      throw new ArchiveRefused(`member ${name} is damaged or was altered (SHA-256 mismatch)`);
  }
  progress(`verified ${members.size} members (SHA-256), snapshot of ${manifest.snapshotAt}`);
  return { manifest, members };
}
