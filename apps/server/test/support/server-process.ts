import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLAIN_TEXT_LOG_SUFFIX, TEST_LOG_DIR } from './test-env';

export const REPO_ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/**
 * The real server as its own OS process, so a test can SIGKILL it like a crash would. Everything
 * it writes is also appended to TEST_LOG_DIR (stdout as JSON log lines, stderr as plain text), so
 * the suite's secret scan reads it like the logs of in-process platforms.
 */
export class ServerProcess {
  private child: ChildProcess | null = null;
  readonly url: string;
  output = '';
  /** the log files of every start, for the secret scan (and for a test to read) */
  readonly logFiles: string[] = [];

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    // As `npm start` runs it (package.json), young-generation size included.
    this.child = spawn(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', 'apps/server/src/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    mkdirSync(TEST_LOG_DIR, { recursive: true });
    const base = join(TEST_LOG_DIR, `server-${process.pid}-${this.child.pid ?? 'x'}`);
    const outFile = `${base}.log`;
    const errFile = `${base}${PLAIN_TEXT_LOG_SUFFIX}`;
    this.logFiles.push(outFile, errFile);
    // Synchronous appends: a test worker may exit right after the child does, and nothing is lost.
    this.child.stdout?.on('data', (d: Buffer) => {
      appendFileSync(outFile, d);
      this.output = (this.output + d.toString()).slice(-20_000);
    });
    this.child.stderr?.on('data', (d: Buffer) => {
      appendFileSync(errFile, d);
      this.output = (this.output + d.toString()).slice(-20_000);
    });
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`server exited during start:\n${this.output}`);
      try {
        const r = await fetch(`${this.url}/health/ready`);
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > end) throw new Error(`server did not become ready:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A crash: no shutdown hooks, no flush. */
  kill(): Promise<void> {
    return this.end('SIGKILL');
  }

  /** A clean shutdown, forced after 5 s. */
  stop(): Promise<void> {
    return this.end('SIGTERM', 5_000);
  }

  private async end(signal: NodeJS.Signals, forceAfterMs?: number): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
      if (forceAfterMs !== undefined) setTimeout(() => c.kill('SIGKILL'), forceAfterMs).unref();
    });
    this.child = null;
  }
}
