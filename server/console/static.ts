import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Serves the built web console (Vite output in dist/console-web) from the console listener.
 * Files are read once at start and each gets its own exact route, so no request path is ever
 * joined onto the file system: path traversal has nothing to work with, and anything not
 * built is an ordinary 404 (or 401, since unknown paths stay behind the bearer check).
 */

/** Where `vite build` writes, for both the compiled server (dist/server/console) and the source run by vitest (server/console). */
export function consoleWebDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const twoUp = path.resolve(here, '..', '..');
  const distDir = path.basename(twoUp) === 'dist' ? twoUp : path.join(twoUp, 'dist');
  return path.join(distDir, 'console-web');
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * No inline script or style anywhere, nothing from other origins (machines here are
 * offline anyway), never framed. uPlot styles its elements through the CSSOM, which
 * style-src does not govern, so 'unsafe-inline' is not needed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
  readonly cacheControl: string;
}

/** Every servable file under `dir`, keyed by its URL path; empty when the console was not built. */
export function loadBuiltFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  let entries: string[];
  try {
    entries = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    return files;
  }
  for (const relative of entries) {
    const full = path.join(dir, relative);
    const contentType = CONTENT_TYPES[path.extname(relative).toLowerCase()];
    if (!contentType || !statSync(full).isFile()) continue;
    const urlPath = `/${relative.split(path.sep).join('/')}`;
    files.set(urlPath, {
      body: readFileSync(full),
      contentType,
      // Vite puts a content hash in every name under assets/, so those never change;
      // index.html names them and must be revalidated to pick up a new build.
      cacheControl: urlPath.startsWith('/assets/')
        ? 'public, max-age=31536000, immutable'
        : 'no-cache',
    });
  }
  return files;
}

function send(reply: FastifyReply, file: StaticFile): FastifyReply {
  return reply
    .headers(SECURITY_HEADERS)
    .header('content-type', file.contentType)
    .header('cache-control', file.cacheControl)
    .send(file.body);
}

/** Registers `/` (index.html) and one public route per built file. */
export function registerConsoleWeb(
  app: FastifyInstance,
  options: { dir?: string; log?: (line: string) => void } = {},
): void {
  const dir = options.dir ?? consoleWebDir();
  const files = loadBuiltFiles(dir);
  const index = files.get('/index.html');
  const routeOptions = { schema: { hide: true }, config: { public: true } };
  if (!index) {
    options.log?.(`web console not built (no ${path.join(dir, 'index.html')}): run npm run build`);
    app.get('/', routeOptions, async (_request, reply) =>
      reply
        .code(503)
        .headers(SECURITY_HEADERS)
        .header('content-type', 'text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .send('The web console is not built. Run `npm run build`, then restart the server.\n'),
    );
    return;
  }
  app.get('/', routeOptions, async (_request, reply) => send(reply, index));
  for (const [urlPath, file] of files) {
    app.get(urlPath, routeOptions, async (_request, reply) => send(reply, file));
  }
}
