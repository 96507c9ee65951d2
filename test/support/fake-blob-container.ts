import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * One blob container on loopback that speaks the slice of the Blob service REST API the load
 * generator uses: Put Blob (the shards' upload), List Blobs, Get Blob Properties and Get Blob (`smc report merge
 * --from`). Path-style like Azurite (`/ACCOUNT/CONTAINER/...`); every request must carry a
 * SAS (`sig=`), with the rights it needs in `sp` (c/w to write, r to read, l to list).
 * Stands in for Azure (the one part we may not run), so the real SDK and the real upload
 * script are tested over real HTTP.
 */
export class FakeBlobContainer {
  readonly blobs = new Map<string, { body: Buffer; contentType: string; modified: Date }>();
  readonly requests: { method: string; path: string; sas: string | null }[] = [];

  private constructor(
    private readonly server: Server,
    readonly account: string,
    readonly container: string,
  ) {}

  static async start(account = 'devstoreaccount1', container = 'loadgen-reports') {
    let self: FakeBlobContainer | undefined;
    const server = createServer((req, res) => {
      self?.handle(req, res).catch((error: Error) => {
        res.writeHead(500).end(error.message);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new FakeBlobContainer(server, account, container);
    return self;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/${this.account}/${this.container}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      sas: url.searchParams.get('sig'),
    });
    const rights = url.searchParams.get('sp') ?? '';
    if (!url.searchParams.get('sig')) return error(res, 403, 'AuthenticationFailed');
    const prefix = `/${this.account}/${this.container}`;
    if (!url.pathname.startsWith(prefix)) return error(res, 404, 'ContainerNotFound');
    const name = decodeURIComponent(url.pathname.slice(prefix.length + 1));
    if (req.method === 'PUT' && name !== '') {
      if (!/[cw]/.test(rights)) return error(res, 403, 'AuthorizationPermissionMismatch');
      if (req.headers['x-ms-blob-type'] !== 'BlockBlob')
        return error(res, 400, 'MissingRequiredHeader');
      this.blobs.set(name, {
        body,
        contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
        modified: new Date(),
      });
      res.writeHead(201, { ETag: etag(body), 'x-ms-request-server-encrypted': 'true' }).end();
      return;
    }
    if (req.method === 'GET' && name === '' && url.searchParams.get('comp') === 'list') {
      if (!rights.includes('l')) return error(res, 403, 'AuthorizationPermissionMismatch');
      const items = [...this.blobs.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(
          ([blobName, blob]) =>
            `<Blob><Name>${escapeXml(blobName)}</Name><Properties><Last-Modified>${blob.modified.toUTCString()}</Last-Modified><Etag>${etag(blob.body)}</Etag><Content-Length>${blob.body.length}</Content-Length><Content-Type>${blob.contentType}</Content-Type><BlobType>BlockBlob</BlobType></Properties></Blob>`,
        )
        .join('');
      res
        .writeHead(200, { 'Content-Type': 'application/xml' })
        .end(
          `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="http://127.0.0.1/${this.account}" ContainerName="${this.container}"><Blobs>${items}</Blobs><NextMarker /></EnumerationResults>`,
        );
      return;
    }
    // HEAD is Get Blob Properties: the SDK asks for the size before it downloads.
    if ((req.method === 'GET' || req.method === 'HEAD') && name !== '') {
      if (!rights.includes('r')) return error(res, 403, 'AuthorizationPermissionMismatch');
      const blob = this.blobs.get(name);
      if (!blob) return error(res, 404, 'BlobNotFound');
      const range = /^bytes=(\d+)-(\d*)$/.exec(
        String(req.headers['x-ms-range'] ?? req.headers.range ?? ''),
      );
      const start = range ? Number(range[1]) : 0;
      const end = range?.[2]
        ? Math.min(Number(range[2]), blob.body.length - 1)
        : blob.body.length - 1;
      const slice = blob.body.subarray(start, end + 1);
      res
        .writeHead(range ? 206 : 200, {
          'Content-Type': blob.contentType,
          'Content-Length': String(slice.length),
          ...(range ? { 'Content-Range': `bytes ${start}-${end}/${blob.body.length}` } : {}),
          ETag: etag(blob.body),
          'Last-Modified': blob.modified.toUTCString(),
          'x-ms-blob-type': 'BlockBlob',
        })
        .end(slice);
      return;
    }
    error(res, 400, 'UnsupportedHttpVerb');
  }
}

function error(res: ServerResponse, status: number, code: string): void {
  res
    .writeHead(status, { 'Content-Type': 'application/xml', 'x-ms-error-code': code })
    .end(
      `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`,
    );
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const etag = (body: Buffer) =>
  `"0x${createHash('sha256').update(body).digest('hex').slice(0, 16).toUpperCase()}"`;
const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
