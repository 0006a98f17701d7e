import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { freePort, REPO_ROOT, ServerProcess } from './support/server-process';
import { TEST_LOG_DIR } from './support/test-env';

/**
 * Issue 2, acceptance 1, as a user sees it: the server with nothing configured (PGlite in the data
 * directory, keys generated there with 0600) keeps its users across a restart.
 */
describe('embedded mode with zero configuration', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ats-embedded-'));
  let server: ServerProcess;
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts, generates its keys privately, and keeps users across a restart', async () => {
    server = new ServerProcess(await freePort(), { ATS_DATA_DIR: dataDir, ATS_SERVE_APP: 'false', LOG_LEVEL: 'warn', DATABASE_URL: '', REDIS_URL: '', JWT_SECRET_KEY: '', AES_MASTER_KEY: '' });
    // Acceptance 1: ready within 20 s of a cold start.
    await server.start(20_000);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const ready = await (await fetch(`${server.url}/health/ready`)).json();
    expect(ready).toEqual({ status: 'ready', checks: { database: { ok: true } } });
    for (const f of ['jwt-secret.key', 'aes-master.key']) expect(statSync(join(dataDir, f)).mode & 0o777).toBe(0o600);
    // Its logs land where the suite's secret scan reads them, and the generated keys are not in them.
    const [stdoutLog] = server.logFiles;
    expect(stdoutLog?.startsWith(TEST_LOG_DIR)).toBe(true);
    await vi.waitFor(() => expect(readFileSync(stdoutLog as string, 'utf8')).toContain('generated a new aes-master'));
    const logged = readFileSync(stdoutLog as string, 'utf8');
    for (const f of ['jwt-secret.key', 'aes-master.key']) expect(logged).not.toContain(readFileSync(join(dataDir, f), 'utf8').trim());

    const body = JSON.stringify({ email: 'keeper@example.com', password: 'correct-horse-42', name: 'Keeper' });
    const reg = await fetch(`${server.url}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(reg.status).toBe(201);

    await server.stop();
    await server.start(20_000);
    const login = await fetch(`${server.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'keeper@example.com', password: 'correct-horse-42' }) });
    expect(login.status).toBe(200);
    const { access_token } = (await login.json()) as { access_token: string };
    const me = await fetch(`${server.url}/auth/me`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(((await me.json()) as { email: string }).email).toBe('keeper@example.com');
  }, 120_000);

  it('is what `npm start` runs: main.ts from the repository root, so ./data is the root\'s', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe('tsx --max-semi-space-size=64 apps/server/src/main.ts');
    expect(existsSync(join(REPO_ROOT, 'node_modules/.bin/tsx'))).toBe(true);
    expect(readFileSync(join(REPO_ROOT, '.gitignore'), 'utf8').split('\n')).toEqual(expect.arrayContaining([expect.stringMatching(/^\/?data\/?$/)]));
  });
});
