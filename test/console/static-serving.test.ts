import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.js';
import { CONTENT_SECURITY_POLICY, registerConsoleWeb } from '../../server/console/static.js';
import { testServer } from '../support/server.js';
import { requireBuiltConsole } from './browser.js';

let server: RunningServer;

beforeAll(async () => {
  requireBuiltConsole();
  server = await testServer();
});
afterAll(() => server?.close());

/** A raw GET: the path goes on the wire exactly as given (no client-side dot-segment cleanup). */
function get(
  rawPath: string,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const url = new URL(server.consoleUrl);
  return new Promise((resolve, reject) => {
    const request = https.request(
      { host: url.hostname, port: url.port, path: rawPath, ca: server.caCertPem, method: 'GET' },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end();
  });
}

describe('serving the built console', () => {
  it('serves index.html at / without a token, under a strict policy', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['cache-control']).toBe('no-cache');
    // Every script is an external file; nothing inline for the policy to have to allow.
    const scripts = page.text.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/\bsrc="\/assets\/[\w.-]+\.js"/);
    expect(page.text).not.toMatch(/\son\w+=/i);
  });

  it('serves the hashed assets as immutable with their content type', async () => {
    const page = await get('/');
    const script = /src="(\/assets\/[\w.-]+\.js)"/.exec(page.text)?.[1];
    const style = /href="(\/assets\/[\w.-]+\.css)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    expect(style).toBeDefined();
    const js = await get(script as string);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    const css = await get(style as string);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('serves nothing else: traversal and unknown paths never reach a file', async () => {
    for (const attempt of [
      '/assets/../../package.json',
      '/assets/..%2f..%2fpackage.json',
      '/..%2f..%2fpackage.json',
      '/package.json',
      '/assets/nope.js',
    ]) {
      const answer = await get(attempt);
      expect([401, 404]).toContain(answer.status);
      expect(answer.text).not.toContain('"name": "smc-kit"');
    }
    expect((await get('/api/stats')).status).toBe(401);
  });
});

describe('registerConsoleWeb', () => {
  it('routes exactly the built files with a known type', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'smc-web-'));
    await mkdir(path.join(dir, 'assets'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(path.join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
    await writeFile(path.join(dir, 'assets', 'secret.env'), 'TOKEN=1');
    const app = fastify();
    registerConsoleWeb(app, { dir });
    try {
      expect((await app.inject('/')).body).toContain('<title>t</title>');
      expect((await app.inject('/index.html')).statusCode).toBe(200);
      expect((await app.inject('/assets/app-1234.js')).body).toBe('console.log(1)');
      expect((await app.inject('/assets/secret.env')).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('answers 503 with what to run when the console was not built', async () => {
    const lines: string[] = [];
    const app = fastify();
    registerConsoleWeb(app, {
      dir: path.join(tmpdir(), 'smc-web-missing-dir'),
      log: (l) => lines.push(l),
    });
    try {
      const answer = await app.inject('/');
      expect(answer.statusCode).toBe(503);
      expect(answer.body).toContain('npm run build');
      expect(answer.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(lines.join('\n')).toContain('web console not built');
    } finally {
      await app.close();
    }
  });
});
