import { readFile } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import { listTar, memberStream, TarWriter } from '../../server/backup/tar.js';

/** Flips one byte inside a member of an archive, as bit rot or a tamperer would. */
export async function flipByteIn(archive: string, member: string): Promise<void> {
  const found = (await listTar(archive)).find((m) => m.name === member);
  if (!found) throw new Error(`no member ${member}`);
  const { open } = await import('node:fs/promises');
  const handle = await open(archive, 'r+');
  try {
    const byte = Buffer.alloc(1);
    const at = found.offset + Math.floor(found.size / 2);
    await handle.read(byte, 0, 1, at);
    byte[0] = (byte[0] as number) ^ 0xff;
    await handle.write(byte, 0, 1, at);
  } finally {
    await handle.close();
  }
}

/** Copies an archive with its manifest changed by `edit` (every other member as it was). */
export async function rewriteManifest(
  archive: string,
  out: string,
  edit: (manifest: Record<string, unknown>) => void,
): Promise<void> {
  const writer = await TarWriter.create(out);
  for (const member of await listTar(archive)) {
    const content = await buffer(memberStream(archive, member));
    if (member.name === 'manifest.json') {
      const manifest = JSON.parse(content.toString('utf8'));
      edit(manifest);
      await writer.addBuffer(member.name, Buffer.from(JSON.stringify(manifest)));
    } else await writer.addBuffer(member.name, content);
  }
  await writer.finish();
}

export async function readText(file: string): Promise<string> {
  return readFile(file, 'utf8');
}
