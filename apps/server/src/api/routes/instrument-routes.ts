import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorBody, InstrumentSearchQuery, InstrumentSearchResponse } from '@ats/contracts';
import { formatRupees } from '../../domain/price';
import type { BrokerKind } from '../../ports/broker';
import type { InstrumentCatalog } from '../../ports/instrument-catalog';
import type { BrokerService } from '../../services/broker-service';

export function instrumentRoutes(app: FastifyInstance, catalog: InstrumentCatalog, brokers: BrokerService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/instruments/search',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['instruments'],
        summary: "Symbol search over a broker's instrument master (Paper's bundled NSE/BSE list by default)",
        security: [{ bearer: [] }],
        querystring: InstrumentSearchQuery,
        response: { 200: InstrumentSearchResponse, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const kind: BrokerKind = req.query.broker_id ? ((await brokers.get(req.userId, req.query.broker_id)).broker as BrokerKind) : 'paper';
      const found = await catalog.search(kind, req.query.q, req.query.limit);
      return {
        items: found.map((i) => ({ exchange: i.exchange, symbol: i.symbol, name: i.name, tick_size: Number(formatRupees(i.tickSizePaise)), lot_size: i.lotSize })),
      };
    },
  );
}
