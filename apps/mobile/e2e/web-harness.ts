import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

export const MOBILE_DIR = resolve(import.meta.dirname, '..');
export const REPO_DIR = resolve(MOBILE_DIR, '../..');
export const DIST_DIR = join(MOBILE_DIR, 'dist');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumPath(): string {
  return process.env.ATS_CHROMIUM ?? '/usr/bin/chromium';
}

/** Builds the web export unless one exists; ATS_E2E_REBUILD=1 forces a fresh one. */
export function ensureWebBuild(): void {
  if (existsSync(join(DIST_DIR, 'index.html')) && process.env.ATS_E2E_REBUILD !== '1') return;
  const r = spawnSync('npx', ['expo', 'export', '--platform', 'web', '--output-dir', 'dist'], {
    cwd: MOBILE_DIR,
    env: { ...process.env, EXPO_OFFLINE: '1', CI: '1' },
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error(`expo export failed with ${r.status}`);
}

export function bundleSize(): { js_bytes: number; js_gzip_bytes: number; total_bytes: number; files: number } {
  let js = 0;
  let gz = 0;
  let total = 0;
  let files = 0;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else {
        files += 1;
        total += st.size;
        if (p.endsWith('.js')) {
          js += st.size;
          gz += gzipSync(readFileSync(p)).length;
        }
      }
    }
  };
  walk(DIST_DIR);
  return { js_bytes: js, js_gzip_bytes: gz, total_bytes: total, files };
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface RunningServer {
  url: string;
  logs: () => string;
  stop: () => Promise<void>;
}

/** The real server in embedded mode (PGlite, Paper broker), on a fresh data dir and a free port. */
export async function startRealServer(): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'ats-e2e-'));
  let output = '';
  const child: ChildProcess = spawn('npm', ['start'], {
    cwd: REPO_DIR,
    env: { ...process.env, ATS_DATA_DIR: dataDir, ATS_CALENDAR: 'always-open', PORT: String(port), ATS_WEB_DIST: DIST_DIR, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so stopping it also stops tsx under npm
  });
  child.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  child.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not become healthy:\n${output}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    url,
    logs: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.pid === undefined) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      process.kill(-child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(-child.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.png': 'image/png', '.ico': 'image/x-icon', '.ttf': 'font/ttf' };

/**
 * Serves dist with an SPA fallback, for servers that do not serve the app at / yet. The app is
 * then pointed at the API with its stored server URL.
 */
export async function serveDist(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')).replace(/^(\.\.[/\\])+/, '');
    let file = join(DIST_DIR, path);
    if (!file.startsWith(DIST_DIR) || !existsSync(file) || statSync(file).isDirectory()) file = join(DIST_DIR, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** True when the server itself serves the web build at / (ATS_WEB_DIST landed). */
export async function serverServesApp(serverUrl: string): Promise<boolean> {
  try {
    const r = await fetch(`${serverUrl}/`);
    return r.ok && (await r.text()).includes('_expo/static');
  } catch {
    return false;
  }
}

/** HH:MM:SS in Asia/Kolkata, the exchange clock the strategy times are in. */
export function istTime(epochMs: number): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Kolkata', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(epochMs));
}
