import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAgentPlane } from '../../benchmarks/lib/fake-agent-plane.js';
import { IdentityCacheMismatch } from '../../simulator/identity/cache.js';
import { EnrollmentError } from '../../simulator/identity/enroll.js';
import { provisionIdentities } from '../../simulator/identity/provision.js';

let plane: FakeAgentPlane;
let other: FakeAgentPlane;
let dir: string;
beforeAll(async () => {
  plane = await FakeAgentPlane.start();
  other = await FakeAgentPlane.start();
  dir = await mkdtemp(join(tmpdir(), 'smc-identities-'));
});
afterAll(async () => {
  await plane.close();
  await other.close();
  await rm(dir, { recursive: true, force: true });
});

const targetOf = (p: FakeAgentPlane) => ({
  url: p.url,
  host: '127.0.0.1',
  port: p.port,
  caPem: p.ca.certPem,
});
const token = async () => 'test-enroll-token';

describe('identity cache', () => {
  it('enrolls once, then reuses and extends the cache', async () => {
    const first = await provisionIdentities({
      target: targetOf(plane),
      count: 6,
      firstIndex: 0,
      cacheDir: dir,
      enrollToken: token,
    });
    expect(first).toMatchObject({ reused: 0, enrolled: 6 });
    expect(new Set(first.identities.map((i) => i.agentId)).size).toBe(6);
    expect(first.identities[0]?.certPem).toMatch(/BEGIN CERTIFICATE/);
    const again = await provisionIdentities({
      target: targetOf(plane),
      count: 8,
      firstIndex: 0,
      cacheDir: dir,
      enrollToken: token,
    });
    expect(again).toMatchObject({ reused: 6, enrolled: 2 });
    expect(again.identities.slice(0, 6)).toEqual(first.identities);
    expect(plane.enrollments).toBe(8);
    const fewer = await provisionIdentities({
      target: targetOf(plane),
      count: 3,
      firstIndex: 0,
      cacheDir: dir,
      enrollToken: () => Promise.reject(new Error('no token needed')),
    });
    expect(fewer.identities).toEqual(first.identities.slice(0, 3));
    expect((await readFile(join(dir, 'agents.ndjson'), 'utf8')).trim().split('\n')).toHaveLength(8);
  });

  it('refuses a cache made for another server', async () => {
    await expect(
      provisionIdentities({
        target: targetOf(other),
        count: 2,
        firstIndex: 0,
        cacheDir: dir,
        enrollToken: token,
      }),
    ).rejects.toThrow(IdentityCacheMismatch);
    await expect(
      provisionIdentities({
        target: targetOf(other),
        count: 2,
        firstIndex: 0,
        cacheDir: dir,
        enrollToken: token,
      }),
    ).rejects.toThrow(/--identities: .* holds identities enrolled with another server/);
  });

  it("a bad token is refused with the server's reason", async () => {
    await expect(
      provisionIdentities({
        target: targetOf(other),
        count: 2,
        firstIndex: 0,
        enrollToken: async () => 'wrong-token-123',
      }),
    ).rejects.toThrow(EnrollmentError);
  });
});
