import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
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
  /** where logs go; tests capture them to prove no secret is written */
  logStream?: DestinationStream;
  /** adds routes; called inside the app before it is ready */
  routes: (app: FastifyInstance) => void | Promise<void>;
}

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{8,128}$/;

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
    trustProxy: true,
    ajv: { customOptions: { removeAdditional: false } },
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
