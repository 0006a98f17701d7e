import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CreateStrategyBody,
  ErrorBody,
  PageQuery,
  Strategy,
  StrategyEventList,
  StrategyList,
  StrategyListQuery,
  StrategyOrderList,
  StrategyStatusResponse,
  UpdateStrategyBody,
} from '@ats/contracts';
import type { StrategyService } from '../../services/strategy-service';

// Any text, not z.uuid(): a malformed id must get the same 404 as another tenant's or a missing one.
const IdParams = z.object({ id: z.string().max(100) });

export function strategyRoutes(app: FastifyInstance, strategies: StrategyService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = { tags: ['strategies'], security: [{ bearer: [] }] };
  const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody };
  const auth = { preHandler: app.authenticate };

  r.post(
    '/strategy/create',
    { ...auth, schema: { ...base, summary: 'Create a strategy', body: CreateStrategyBody, response: { 201: Strategy, ...errors } } },
    async (req, reply) => reply.code(201).send(await strategies.create(req.userId, req.body)),
  );

  r.get(
    '/strategy/list',
    { ...auth, schema: { ...base, summary: 'Your strategies, newest first', querystring: StrategyListQuery, response: { 200: StrategyList, ...errors } } },
    async (req) => strategies.list(req.userId, req.query),
  );

  r.get(
    '/strategy/:id',
    { ...auth, schema: { ...base, summary: 'One strategy', params: IdParams, response: { 200: Strategy, ...errors } } },
    async (req) => strategies.get(req.userId, req.params.id),
  );

  r.put(
    '/strategy/:id',
    {
      ...auth,
      schema: {
        ...base,
        summary: 'Change a strategy',
        description: 'While RUNNING, only times, stop-loss and quantity may change before the position is entered, and only the stop-loss while in position; anything else is 409 STRATEGY_RUNNING.',
        params: IdParams,
        body: UpdateStrategyBody,
        response: { 200: Strategy, ...errors },
      },
    },
    async (req) => strategies.update(req.userId, req.params.id, req.body),
  );

  r.delete(
    '/strategy/:id',
    {
      ...auth,
      schema: { ...base, summary: 'Delete a strategy (kept for history)', params: IdParams, response: { 204: z.null().describe('Deleted'), ...errors } },
    },
    async (req, reply) => {
      await strategies.delete(req.userId, req.params.id);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/strategy/:id/start',
    {
      ...auth,
      schema: {
        ...base,
        summary: 'Start: arm a run for the next trading day',
        description: 'Idempotent. 409 BROKER_NOT_CONNECTED when the broker session is not valid.',
        params: IdParams,
        response: { 200: StrategyStatusResponse, ...errors },
      },
    },
    async (req) => strategies.start(req.userId, req.params.id),
  );

  r.post(
    '/strategy/:id/stop',
    {
      ...auth,
      schema: {
        ...base,
        summary: 'Stop: cancel the pending buy, or sell an open position',
        description: 'Idempotent. A position held when stopping is sold by the engine.',
        params: IdParams,
        response: { 200: StrategyStatusResponse, ...errors },
      },
    },
    async (req) => strategies.stop(req.userId, req.params.id),
  );

  r.get(
    '/strategy/:id/status',
    { ...auth, schema: { ...base, summary: 'Live status of the current run', params: IdParams, response: { 200: StrategyStatusResponse, ...errors } } },
    async (req) => strategies.status(req.userId, req.params.id),
  );

  r.get(
    '/strategy/:id/events',
    { ...auth, schema: { ...base, summary: 'Event history, newest first', params: IdParams, querystring: PageQuery, response: { 200: StrategyEventList, ...errors } } },
    async (req) => strategies.events(req.userId, req.params.id, req.query),
  );

  r.get(
    '/strategy/:id/orders',
    { ...auth, schema: { ...base, summary: 'Orders sent for this strategy, newest first', params: IdParams, querystring: PageQuery, response: { 200: StrategyOrderList, ...errors } } },
    async (req) => strategies.orders(req.userId, req.params.id, req.query),
  );
}
