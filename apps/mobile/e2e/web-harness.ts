import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, relative, resolve } from 'node:path';
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

/** Kept outside dist so it is neither served nor counted in the bundle size. */
export const BUILD_STAMP_FILE = join(MOBILE_DIR, '.expo', 'e2e-web-build-stamp.json');

/** The folders that hold everything Metro bundles into the web build. */
const SOURCE_ROOTS = [MOBILE_DIR, join(REPO_DIR, 'packages', 'contracts')];
const SKIP_DIRS = new Set(['node_modules', 'dist', '.expo', 'e2e', 'screenshots']);
// Tests and their helpers are never bundled; changing them does not need a new build.
const isTestFile = (name: string) => /\.test\.[cm]?[jt]sx?$|\.test-support\.[cm]?[jt]sx?$/.test(name);

function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.isFile() && !isTestFile(entry.name)) out.push(join(dir, entry.name));
    }
  };
  walk(root);
  return out.sort();
}

const BUNDLER_PACKAGES = ['@expo/metro-config', 'metro', 'babel-preset-expo'];

/** The installed version of each package the app depends on, as Node would resolve it from the app. */
export function installedVersions(): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(MOBILE_DIR, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const requireFromApp = createRequire(join(MOBILE_DIR, 'package.json'));
  // Runtime dependencies end up in the bundle; the bundler's own packages decide how it is made.
  const names = [...new Set([...Object.keys(manifest.dependencies ?? {}), ...BUNDLER_PACKAGES])].sort();
  const versions: Record<string, string> = {};
  for (const name of names) {
    let dir: string | null = null;
    for (const base of requireFromApp.resolve.paths(name) ?? []) {
      if (existsSync(join(base, name, 'package.json'))) {
        dir = join(base, name);
        break;
      }
    }
    versions[name] = dir ? String((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version) : 'missing';
  }
  return versions;
}

/**
 * What the web build is made from: the app's and the shared contracts' source files, the
 * installed versions of the app's packages, and the EXPO_PUBLIC_* variables Expo inlines.
 */
export function webBuildSourceStamp(): string {
  const h = createHash('sha256');
  for (const root of SOURCE_ROOTS) {
    for (const file of sourceFiles(root)) {
      h.update(`${relative(REPO_DIR, file)}\0`);
      h.update(readFileSync(file));
      h.update('\0');
    }
  }
  h.update(JSON.stringify(installedVersions()));
  const publicEnv = Object.entries(process.env).filter(([k]) => k.startsWith('EXPO_PUBLIC_')).sort(([a], [b]) => a.localeCompare(b));
  h.update(JSON.stringify(publicEnv));
  return h.digest('hex');
}

interface BuildStamp {
  source: string;
  /** fingerprint of the build itself, so a dist rebuilt by someone else is not trusted blindly */
  index_html: string;
  built_at: string;
  /** for a person reading the stamp; already part of `source` */
  packages: Record<string, string>;
}

const indexHtmlHash = () => createHash('sha256').update(readFileSync(join(DIST_DIR, 'index.html'))).digest('hex');

/** Why the cached build cannot be used, or null when it matches the current sources. */
export function staleWebBuildReason(source = webBuildSourceStamp()): string | null {
  if (!existsSync(join(DIST_DIR, 'index.html'))) return 'no web build yet';
  if (!existsSync(BUILD_STAMP_FILE)) return 'the web build has no stamp';
  let stamp: Partial<BuildStamp>;
  try {
    stamp = JSON.parse(readFileSync(BUILD_STAMP_FILE, 'utf8')) as Partial<BuildStamp>;
  } catch {
    return 'the web build stamp is unreadable';
  }
  if (stamp.source !== source) return 'the app sources or package versions changed since it was built';
  if (stamp.index_html !== indexHtmlHash()) return 'dist was replaced by another build';
  return null;
}

/**
 * Reuses the web export only when its stamp matches the current sources and package versions,
 * so the browser test never runs against a stale app; ATS_E2E_REBUILD=1 forces a fresh one.
 */
export function ensureWebBuild(): void {
  const source = webBuildSourceStamp();
  const reason = process.env.ATS_E2E_REBUILD === '1' ? 'ATS_E2E_REBUILD=1' : staleWebBuildReason(source);
  if (reason === null) return;
  console.log(`[e2e] building the web app: ${reason}`);
  // A failed build must not leave an old stamp next to a half-written dist.
  rmSync(BUILD_STAMP_FILE, { force: true });
  const r = spawnSync('npx', ['expo', 'export', '--platform', 'web', '--output-dir', 'dist'], {
    cwd: MOBILE_DIR,
    env: { ...process.env, EXPO_OFFLINE: '1', CI: '1' },
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error(`expo export failed with ${r.status}`);
  mkdirSync(dirname(BUILD_STAMP_FILE), { recursive: true });
  const stamp: BuildStamp = { source, index_html: indexHtmlHash(), built_at: new Date().toISOString(), packages: installedVersions() };
  writeFileSync(BUILD_STAMP_FILE, `${JSON.stringify(stamp, null, 2)}\n`);
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
