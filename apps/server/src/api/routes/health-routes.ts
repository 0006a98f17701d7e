import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { HealthResponse, ReadyResponse } from '@ats/contracts';
import { withTimeout } from '../../async/with-timeout';

export type ReadinessCheck = () => Promise<void>;

export function healthRoutes(app: FastifyInstance, checks: Record<string, ReadinessCheck>): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/health', { schema: { tags: ['health'], summary: 'Liveness', response: { 200: HealthResponse } } }, () => ({ status: 'ok' as const }));

  r.get(
    '/health/ready',
    { schema: { tags: ['health'], summary: 'Readiness: database, and Redis when configured', response: { 200: ReadyResponse, 503: ReadyResponse } } },
    async (_req, reply) => {
      const results = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          try {
            await withTimeout(check(), 2_000, name);
            return [name, { ok: true }] as const;
          } catch (e) {
            return [name, { ok: false, error: e instanceof Error ? e.message : String(e) }] as const;
          }
        }),
      );
      const body = { status: results.every(([, v]) => v.ok) ? ('ready' as const) : ('not_ready' as const), checks: Object.fromEntries(results) };
      return reply.code(body.status === 'ready' ? 200 : 503).send(body);
    },
  );
}
