import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BrokerAccount, BrokerCallbackParams, BrokerIdParams, BrokerStatusResponse, ConnectBrokerBody, ErrorBody, LoginUrlResponse, OkResponse } from '@ats/contracts';
import type { BrokerService } from '../../services/broker-service';

export function brokerRoutes(app: FastifyInstance, brokers: BrokerService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const auth = { preHandler: app.authenticate };
  const security = [{ bearer: [] }];
  const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody, 503: ErrorBody };

  r.post(
    '/broker/connect',
    {
      ...auth,
      schema: {
        tags: ['broker'],
        summary: 'Connect a broker account; validated with a real call to the broker',
        security,
        body: ConnectBrokerBody,
        response: { 201: BrokerAccount, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await brokers.connect(req.userId, req.body)),
  );

  r.get(
    '/broker/status',
    { ...auth, schema: { tags: ['broker'], summary: "The caller's broker accounts, each validated live", security, response: { 200: BrokerStatusResponse, 401: ErrorBody } } },
    async (req) => ({ items: await brokers.status(req.userId) }),
  );

  r.delete(
    '/broker/:broker_id',
    { ...auth, schema: { tags: ['broker'], summary: 'Remove a broker account (refused while a running strategy uses it)', security, params: BrokerIdParams, response: { 200: OkResponse, ...errors } } },
    async (req) => {
      await brokers.remove(req.userId, req.params.broker_id);
      return { ok: true as const };
    },
  );

  r.get(
    '/broker/:broker_id/login-url',
    { ...auth, schema: { tags: ['broker'], summary: 'Where to send the browser for a redirect login (Zerodha, Fyers)', security, params: BrokerIdParams, response: { 200: LoginUrlResponse, ...errors } } },
    async (req) => brokers.loginUrl(req.userId, req.params.broker_id),
  );

  // The broker redirects the user's browser here, so there is no bearer token: the signed `state` says who it is.
  r.get(
    '/broker/callback/:broker',
    {
      schema: {
        tags: ['broker'],
        summary: 'Redirect-login callback: exchanges the request token / auth code',
        params: BrokerCallbackParams,
        querystring: z.record(z.string(), z.string()),
        response: { 200: BrokerAccount, 302: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      const params = { ...req.query };
      // Kite hands our state back inside `redirect_params`; Fyers returns `state` directly.
      if (!params.state && params.redirect_params) params.state = new URLSearchParams(params.redirect_params).get('state') ?? '';
      const account = await brokers.completeLogin(req.params.broker, params);
      if (String(req.headers.accept ?? '').includes('text/html')) {
        return reply.redirect(`/?broker_connected=${encodeURIComponent(account.id)}`, 302);
      }
      return account;
    },
  );
}
