import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type WebBuildState = { state: 'ready' } | { state: 'building' } | { state: 'failed'; error: string } | { state: 'unavailable'; reason: string };

/**
 * The mobile app's web build, which the server serves at `/`. A fresh clone has none, so the
 * first `npm start` builds it in the background (Expo's web export, offline) while the API is
 * already up; after that the build is reused. The build goes to a scratch folder and is moved
 * into place only when complete, so a half-written bundle is never served.
 */
export class WebAppBuild {
  private status: WebBuildState;

  constructor(
    readonly distDir: string,
    private readonly appDir: string,
    private readonly log: { info(o: object, m: string): void; error(o: object, m: string): void },
  ) {
    this.status = existsSync(join(distDir, 'index.html')) ? { state: 'ready' } : { state: 'building' };
  }

  state(): WebBuildState {
    return this.status;
  }

  /** Build when missing; resolves when ready or failed (the server does not wait for it). */
  async ensure(): Promise<void> {
    if (this.status.state === 'ready') return;
    if (!existsSync(join(this.appDir, 'package.json'))) {
      this.status = { state: 'unavailable', reason: `no app at ${this.appDir}` };
      return;
    }
    const scratch = `${this.distDir}.building-${process.pid}`;
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(dirname(this.distDir), { recursive: true });
    const started = Date.now();
    this.log.info({ appDir: this.appDir }, 'building the web app (first start only)');
    const code = await new Promise<number>((resolve) => {
      const child = spawn('npx', ['expo', 'export', '--platform', 'web', '--output-dir', scratch], {
        cwd: this.appDir,
        env: { ...process.env, EXPO_OFFLINE: '1', CI: '1', EXPO_NO_TELEMETRY: '1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
      child.on('exit', (c) => {
        if (c !== 0) this.status = { state: 'failed', error: err.trim().split('\n').slice(-5).join('\n') };
        resolve(c ?? 1);
      });
      child.on('error', (e) => {
        this.status = { state: 'failed', error: e.message };
        resolve(1);
      });
    });
    if (code === 0 && existsSync(join(scratch, 'index.html'))) {
      rmSync(this.distDir, { recursive: true, force: true });
      renameSync(scratch, this.distDir);
      this.status = { state: 'ready' };
      this.log.info({ ms: Date.now() - started }, 'web app built');
    } else {
      rmSync(scratch, { recursive: true, force: true });
      if (this.status.state !== 'failed') this.status = { state: 'failed', error: `expo export exited with ${code}` };
      this.log.error({ error: (this.status as { error?: string }).error }, 'web app build failed; the API still works');
    }
  }
}
