import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { WebAppBuild } from '../services/web-app-build';

/** First segments that belong to the API: never answered with the app's HTML. */
const API_PREFIXES = ['auth', 'broker', 'strategy', 'instruments', 'health', 'openapi.json', 'docs', 'ws'];

const BUILDING_PAGE = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">
<title>ATS Trader</title><style>body{font-family:system-ui,sans-serif;display:grid;place-items:center;height:100vh;margin:0}</style></head>
<body><main><h1>Getting the app ready…</h1><p>The web app is being built for the first time. This page refreshes by itself.</p>
<p>The API is already running: <a href="/docs">/docs</a>.</p></main></body></html>`;

/**
 * Serves the web build of the mobile app at `/`. Any GET for a page (not an API path) that asks
 * for HTML gets `index.html`, so deep links into the single-page app work after a reload.
 */
export async function webAppRoutes(app: FastifyInstance, build: WebAppBuild): Promise<void> {
  // Files are sent by the routes below (after the build is ready, with the build folder named each
  // time), not by the plugin's own routes; its root is the folder that exists before the first build.
  await app.register(fastifyStatic, { root: dirname(build.distDir), serve: false });
  const page = (reply: FastifyReply) => {
    const s = build.state();
    if (s.state === 'ready' && existsSync(join(build.distDir, 'index.html'))) return reply.type('text/html').sendFile('index.html', build.distDir);
    if (s.state === 'building') return reply.code(503).header('retry-after', '3').type('text/html').send(BUILDING_PAGE);
    const why = s.state === 'failed' ? s.error : s.state === 'unavailable' ? s.reason : '';
    return reply.code(503).type('text/html').send(`<!doctype html><p>The web app is not available: ${why.replace(/</g, '&lt;')}</p><p><a href="/docs">API docs</a></p>`);
  };
  app.get('/', { schema: { hide: true } }, (_req, reply) => page(reply));
  app.get('/*', { schema: { hide: true } }, (req, reply) => {
    const path = (req.params as { '*': string })['*'] ?? '';
    const first = path.split('/')[0] ?? '';
    if (build.state().state === 'ready' && existsSync(join(build.distDir, path)) && !path.includes('..')) return reply.sendFile(path, build.distDir);
    const wantsHtml = String(req.headers.accept ?? '').includes('text/html');
    if (!wantsHtml || API_PREFIXES.includes(first) || /\.[a-z0-9]+$/i.test(path)) {
      return reply.code(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `No route GET /${path}` } });
    }
    return page(reply);
  });
}
