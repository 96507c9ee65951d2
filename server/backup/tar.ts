import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';

/**
 * The archive container: POSIX ustar, regular files only, so `tar -tvf backup.smc` lists it
 * and `tar -xf` unpacks it by hand in an emergency. Hand-written (about a hundred lines) rather
 * than a tar package: smc writes a dozen plain members and verifies every byte against its own
 * manifest's SHA-256, so it needs none of what a library adds (links, pax, sparse files,
 * permissions from the archive), and the reader below refuses anything but plain files.
 */

const BLOCK = 512;
const MAX_NAME = 100;
/** ustar's 11 octal digits: 8 GiB. A member larger than that is refused, not truncated. */
const MAX_SIZE = 8 ** 11 - 1;

export interface TarMember {
  readonly name: string;
  readonly size: number;
  /** Byte offset of the member's content in the archive file. */
  readonly offset: number;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, mtime: number): Buffer {
  if (Buffer.byteLength(name) > MAX_NAME || !/^[A-Za-z0-9._/-]+$/.test(name))
    throw new RangeError(`tar member name ${JSON.stringify(name)}: at most 100 plain characters`);
  if (size > MAX_SIZE) throw new RangeError(`tar member ${name}: larger than 8 GiB`);
  const block = Buffer.alloc(BLOCK, 0);
  block.write(name, 0, 'utf8');
  block.write(octal(0o600, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii');
  block.write(octal(0, 8), 116, 'ascii');
  block.write(octal(size, 12), 124, 'ascii');
  block.write(octal(Math.floor(mtime / 1000), 12), 136, 'ascii');
  block.write(' '.repeat(8), 148, 'ascii');
  block.write('0', 156, 'ascii');
  block.write('ustar\u000000', 257, 'binary');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

/** Writes members one after another to `file` (created 0600: it will hold private keys). */
export class TarWriter {
  private constructor(private readonly out: ReturnType<typeof createWriteStream>) {}

  static async create(file: string): Promise<TarWriter> {
    const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
    await once(out, 'open');
    return new TarWriter(out);
  }

  private async write(chunk: Buffer): Promise<void> {
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }

  async addBuffer(name: string, content: Buffer): Promise<void> {
    await this.write(header(name, content.length, Date.now()));
    await this.write(content);
    await this.pad(content.length);
  }

  /** Copies a file as a member; `size` must be its size (the header comes first). */
  async addFile(name: string, source: string, size: number): Promise<void> {
    await this.write(header(name, size, Date.now()));
    let copied = 0;
    for await (const chunk of createReadStream(source)) {
      copied += (chunk as Buffer).length;
      await this.write(chunk as Buffer);
    }
    if (copied !== size) throw new Error(`${source} changed size while it was archived`);
    await this.pad(size);
  }

  private async pad(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest) await this.write(Buffer.alloc(BLOCK - rest, 0));
  }

  /** Two zero blocks end a tar; the file is flushed to disk before this resolves. */
  async finish(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2, 0));
    this.out.end();
    await once(this.out, 'finish');
    const handle = await open(this.out.path as string, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  destroy(): void {
    this.out.destroy();
  }
}

/** Thrown for anything that is not an archive smc wrote: truncated, bad checksum, odd member. */
export class TarFormatError extends Error {}

/** Lists the members of a tar file, checking every header; content is read later by offset. */
export async function listTar(file: string): Promise<TarMember[]> {
  const handle = await open(file, 'r');
  try {
    const { size: total } = await handle.stat();
    const members: TarMember[] = [];
    const block = Buffer.alloc(BLOCK);
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(block, 0, BLOCK, position);
      if (bytesRead < BLOCK) throw new TarFormatError('the archive is truncated (no end marker)');
      if (block.every((byte) => byte === 0)) return members;
      const stored = Number.parseInt(block.toString('ascii', 148, 156).replace(/\0.*$/, ''), 8);
      block.fill(' ', 148, 156, 'ascii');
      let sum = 0;
      for (const byte of block) sum += byte;
      if (stored !== sum)
        throw new TarFormatError(`header at byte ${position} is damaged (checksum mismatch)`);
      const name = block.toString('utf8', 0, MAX_NAME).replace(/\0.*$/s, '');
      const type = block.toString('ascii', 156, 157);
      if (type !== '0' && type !== '\0')
        throw new TarFormatError(`member ${name} is not a plain file (type ${type})`);
      if (!/^[A-Za-z0-9._/-]+$/.test(name) || name.split('/').includes('..'))
        throw new TarFormatError(`member name ${JSON.stringify(name)} is not one smc writes`);
      const size = Number.parseInt(block.toString('ascii', 124, 136).replace(/\0.*$/, ''), 8);
      const offset = position + BLOCK;
      if (!Number.isSafeInteger(size) || offset + size > total)
        throw new TarFormatError(`member ${name} is truncated`);
      members.push({ name, size, offset });
      position = offset + Math.ceil(size / BLOCK) * BLOCK;
    }
  } finally {
    await handle.close();
  }
}

/** A member's content as a stream (for hashing and loading without holding it in memory). */
export function memberStream(file: string, member: TarMember) {
  if (member.size === 0) return Readable.from([]);
  return createReadStream(file, { start: member.offset, end: member.offset + member.size - 1 });
}
