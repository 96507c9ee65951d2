import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { NamedResult } from './merge.js';
import { parseRunJsonText, readRunJson } from './result-file.js';

/** More results than any fleet has shards (the construct allows 1,000): a wrong folder, not a run. */
export const MAX_SHARD_REPORTS = 1_000;
/** A shard's report is ~1 MB (HDR histograms plus one sample per second); far more is not one. */
export const MAX_REPORT_BYTES = 64 * 1024 * 1024;

/** The environment variables a blob source reads its credentials from. */
export const REPORTS_SAS_ENV = 'SMC_REPORTS_SAS';
export const CONNECTION_STRING_ENV = 'AZURE_STORAGE_CONNECTION_STRING';

/**
 * Where shard reports are: a local folder (every `*.json` in it, not its subfolders), a blob
 * container by URL (`https://ACCOUNT.blob.core.windows.net/CONTAINER`, credentials from a
 * SAS in SMC_REPORTS_SAS or in the URL), or `blob:CONTAINER` with
 * AZURE_STORAGE_CONNECTION_STRING (Azurite included).
 */
export type ShardSource =
  | { readonly kind: 'folder'; readonly folder: string }
  | { readonly kind: 'container-url'; readonly url: string }
  | { readonly kind: 'connection-string'; readonly container: string };

export function parseShardSource(text: string, field: string): ShardSource {
  if (/^blob:/.test(text)) {
    const container = text.slice('blob:'.length);
    if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(container)) {
      throw new RangeError(
        `${field}: blob:CONTAINER needs a container name (3-63 a-z, 0-9, -), got ${JSON.stringify(text)}`,
      );
    }
    return { kind: 'connection-string', container };
  }
  if (/^[a-z]+:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new RangeError(`${field}: not a URL: ${JSON.stringify(text)}`);
    }
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    // A SAS over plain http would be readable on the way; only a local emulator may use it.
    if (!(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) {
      throw new RangeError(
        `${field}: a blob container URL must be https (http only on loopback), got ${url.protocol}`,
      );
    }
    if (url.pathname.split('/').filter(Boolean).length === 0) {
      throw new RangeError(`${field}: the URL names no container: ${url.origin}${url.pathname}`);
    }
    return { kind: 'container-url', url: text };
  }
  return { kind: 'folder', folder: text };
}

/** Every shard report in the source, in name order (so shard-2 comes before shard-10). */
export async function readShardSource(
  source: ShardSource,
  env: NodeJS.ProcessEnv,
  field: string,
  exclude: readonly string[] = [],
): Promise<NamedResult[]> {
  if (source.kind === 'folder') return readFolder(source.folder, field, exclude);
  return readContainer(source, env, field);
}

async function readFolder(
  folder: string,
  field: string,
  exclude: readonly string[],
): Promise<NamedResult[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new RangeError(`${field}: cannot read the folder ${folder} (${code})`);
  }
  const skip = new Set(exclude.map((p) => path.resolve(p)));
  const files = names
    .filter((n) => n.endsWith('.json'))
    .map((n) => path.join(folder, n))
    .filter((p) => !skip.has(path.resolve(p)))
    .sort(byNaturalName);
  checkCount(files.length, `${field} ${folder}`);
  const results: NamedResult[] = [];
  for (const file of files) {
    const info = await stat(file);
    if (!info.isFile()) continue;
    if (info.size > MAX_REPORT_BYTES) {
      throw new RangeError(
        `${file}: ${info.size} bytes is more than a shard report holds (${MAX_REPORT_BYTES})`,
      );
    }
    results.push({ name: file, result: await readRunJson(file) });
  }
  return results;
}

async function readContainer(
  source: Exclude<ShardSource, { kind: 'folder' }>,
  env: NodeJS.ProcessEnv,
  field: string,
): Promise<NamedResult[]> {
  // Loaded only here: nothing else in smc needs the Azure SDK (an optional dependency).
  let sdk: typeof import('@azure/storage-blob');
  try {
    sdk = await import('@azure/storage-blob');
  } catch {
    throw new RangeError(
      `${field}: reading a blob container needs @azure/storage-blob (npm install @azure/storage-blob)`,
    );
  }
  const container = containerClient(sdk, source, env, field);
  const label =
    source.kind === 'container-url' ? withoutQuery(source.url) : `blob:${source.container}`;
  const blobs: string[] = [];
  try {
    for await (const blob of container.listBlobsFlat()) {
      if (!blob.name.endsWith('.json')) continue;
      const size = blob.properties.contentLength ?? 0;
      if (size > MAX_REPORT_BYTES) {
        throw new RangeError(
          `${label}/${blob.name}: ${size} bytes is more than a shard report holds (${MAX_REPORT_BYTES})`,
        );
      }
      blobs.push(blob.name);
      checkCount(blobs.length, `${field} ${label}`);
    }
  } catch (error) {
    if (error instanceof RangeError) throw error;
    throw new RangeError(`${field}: cannot list ${label} (${describeStorageError(error)})`);
  }
  checkCount(blobs.length, `${field} ${label}`);
  blobs.sort(byNaturalName);
  const results: NamedResult[] = [];
  for (const name of blobs) {
    const where = `${label}/${name}`;
    let buffer: Buffer;
    try {
      // Sized again before the download: a blob may have grown since it was listed.
      const client = container.getBlobClient(name);
      const size = (await client.getProperties()).contentLength ?? 0;
      if (size > MAX_REPORT_BYTES) {
        throw new RangeError(
          `${where}: ${size} bytes is more than a shard report holds (${MAX_REPORT_BYTES})`,
        );
      }
      buffer = size === 0 ? Buffer.alloc(0) : await client.downloadToBuffer(0, size);
    } catch (error) {
      if (error instanceof RangeError) throw error;
      throw new RangeError(`${where}: cannot read (${describeStorageError(error)})`);
    }
    results.push({ name: where, result: parseRunJsonText(buffer.toString('utf8'), where) });
  }
  return results;
}

function containerClient(
  sdk: typeof import('@azure/storage-blob'),
  source: Exclude<ShardSource, { kind: 'folder' }>,
  env: NodeJS.ProcessEnv,
  field: string,
) {
  if (source.kind === 'connection-string') {
    const connectionString = env[CONNECTION_STRING_ENV];
    if (!connectionString) {
      throw new RangeError(`${field}: blob:${source.container} needs ${CONNECTION_STRING_ENV} set`);
    }
    try {
      return sdk.BlobServiceClient.fromConnectionString(connectionString).getContainerClient(
        source.container,
      );
    } catch (error) {
      throw new RangeError(
        `${CONNECTION_STRING_ENV}: not a storage connection string (${(error as Error).message})`,
      );
    }
  }
  const url = new URL(source.url);
  const sas = env[REPORTS_SAS_ENV];
  if (url.search === '' && sas) url.search = sas.startsWith('?') ? sas : `?${sas}`;
  if (url.search === '') {
    throw new RangeError(
      `${field}: ${source.url} needs a SAS with read and list rights in ${REPORTS_SAS_ENV}`,
    );
  }
  return new sdk.ContainerClient(url.toString());
}

function checkCount(count: number, where: string): void {
  if (count > MAX_SHARD_REPORTS) {
    throw new RangeError(
      `${where}: more than ${MAX_SHARD_REPORTS} reports; is this the right place?`,
    );
  }
}

const withoutQuery = (url: string) => url.replace(/\?.*$/, '');

/** Storage errors carry a status and a code; never the SAS (it is only in the request URL). */
function describeStorageError(error: unknown): string {
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (e.statusCode !== undefined) return `HTTP ${e.statusCode}${e.code ? ` ${e.code}` : ''}`;
  return e.code ?? (e.message ?? String(error)).replace(/\?[^\s]*/g, '?…');
}

const collator = new Intl.Collator('en', { numeric: true });
const byNaturalName = (a: string, b: string) => collator.compare(a, b);
