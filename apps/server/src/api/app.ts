import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifySchema } from 'fastify';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { DestinationStream } from 'pino';
import { authPlugin } from './auth-plugin';
import { installErrorHandling } from './error-handler';
import { loggerOptions } from './logger-options';
import type { AccessTokens } from '../security/access-tokens';

export interface AppOptions {
  logLevel: string;
  corsOrigins: string;
  accessTokens: AccessTokens;
  /**
   * Whether `X-Forwarded-For` names the client: false (default) uses the socket's address; a
   * number trusts that many proxy hops; a string is a comma list of proxy addresses/CIDRs to
   * trust; true trusts any. Only a proxy you run may set it, or a client could pick its own IP
   * and slip past the per-IP login limit.
   */
  trustProxy?: boolean | number | string;
  /** where logs go; tests capture them to prove no secret is written */
  logStream?: DestinationStream;
  /** adds routes; called inside the app before it is ready */
  routes: (app: FastifyInstance) => void | Promise<void>;
}

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{8,128}$/;

export interface RegisteredRoute {
  method: string;
  url: string;
  /** left out of the OpenAPI document on purpose (`schema.hide`) */
  hidden: boolean;
  schema: FastifySchema | undefined;
}

const registries = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route the app registered, hidden ones included (one entry per method), in order. */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return registries.get(app) ?? [];
}

/**
 * Fastify treats a bare hop count as "trust nothing" (it cannot check the nearest peer), so a
 * count becomes the function it used to mean: the nearest `hops` addresses are our proxies.
 */
function trustProxyOption(t: boolean | number | string | undefined): boolean | string | ((addr: string, hop: number) => boolean) {
  if (typeof t === 'number') return t > 0 ? (_addr, hop) => hop < t : false;
  return t ?? false;
}

/** The HTTP surface: security headers, CORS, request ids, typed routes, OpenAPI and one error shape. */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logStream ? { ...loggerOptions(opts.logLevel), stream: opts.logStream } : loggerOptions(opts.logLevel),
    // A caller's request id is kept when it looks sane, so logs join across services.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
    },
    bodyLimit: 256 * 1024,
    trustProxy: trustProxyOption(opts.trustProxy),
    ajv: { customOptions: { removeAdditional: false } },
  });
  const routes: RegisteredRoute[] = [];
  registries.set(app, routes);
  app.addHook('onRoute', (r) => {
    const hidden = (r.schema as { hide?: boolean } | undefined)?.hide === true;
    for (const method of [r.method].flat()) routes.push({ method, url: r.url, hidden, schema: r.schema });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);

  app.addHook('onRequest', async (req, reply) => {
    void reply.header('x-request-id', req.id);
  });

  await app.register(helmet, {
    // The docs UI and the web app load their own scripts and styles from this origin.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'", 'ws:', 'wss:', 'http:', 'https:'],
        fontSrc: ["'self'", 'data:'],
        // Self-hosters often serve plain http on a LAN address; forcing https would break the app.
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  const origins = opts.corsOrigins.trim();
  await app.register(cors, {
    origin: origins === '*' ? true : origins.split(',').map((o) => o.trim()),
    credentials: false,
    exposedHeaders: ['x-request-id', 'retry-after'],
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Algo Trading System API', version: '0.1.0', description: 'Intraday strategies on Indian exchanges: auth, brokers, strategies, live status.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  await app.register(authPlugin, { accessTokens: opts.accessTokens });
  await opts.routes(app);
  return app;
}
