import {
  AuthResponse,
  BrokerAccount,
  BrokerStatusResponse,
  InstrumentSearchResponse,
  LoginUrlResponse,
  OkResponse,
  Strategy,
  StrategyEventList,
  StrategyList,
  StrategyOrderList,
  StrategyStatusResponse,
  User,
  type ConnectBrokerBody,
  type CreateStrategyBody,
  type LoginBody,
  type RegisterBody,
  type StrategyStatus,
  type UpdateStrategyBody,
} from '@ats/contracts';
import type { ApiClient } from './client';

/** Every server route the app uses, typed end to end by the shared contracts. */
export function createEndpoints(client: ApiClient) {
  return {
    auth: {
      register: (body: RegisterBody) => client.request('/auth/register', { method: 'POST', body, schema: AuthResponse, auth: false }),
      login: (body: LoginBody) => client.request('/auth/login', { method: 'POST', body, schema: AuthResponse, auth: false }),
      logout: (refresh_token: string) => client.request('/auth/logout', { method: 'POST', body: { refresh_token }, schema: OkResponse, auth: false }),
      me: () => client.request('/auth/me', { schema: User }),
    },
    broker: {
      status: () => client.request('/broker/status', { schema: BrokerStatusResponse }),
      connect: (body: ConnectBrokerBody) => client.request('/broker/connect', { method: 'POST', body, schema: BrokerAccount }),
      remove: (id: string) => client.request(`/broker/${encodeURIComponent(id)}`, { method: 'DELETE', schema: OkResponse }),
      loginUrl: (id: string) => client.request(`/broker/${encodeURIComponent(id)}/login-url`, { schema: LoginUrlResponse }),
    },
    instruments: {
      search: (q: string, brokerId?: string) =>
        client.request('/instruments/search', { query: { q, broker_id: brokerId, limit: 20 }, schema: InstrumentSearchResponse }),
    },
    strategy: {
      list: (params: { status?: StrategyStatus; limit?: number; cursor?: string } = {}) =>
        client.request('/strategy/list', { query: { status: params.status, limit: params.limit ?? 50, cursor: params.cursor }, schema: StrategyList }),
      get: (id: string) => client.request(`/strategy/${encodeURIComponent(id)}`, { schema: Strategy }),
      create: (body: CreateStrategyBody) => client.request('/strategy/create', { method: 'POST', body, schema: Strategy }),
      update: (id: string, body: UpdateStrategyBody) => client.request(`/strategy/${encodeURIComponent(id)}`, { method: 'PUT', body, schema: Strategy }),
      remove: (id: string) => client.request(`/strategy/${encodeURIComponent(id)}`, { method: 'DELETE' }),
      start: (id: string) => client.request(`/strategy/${encodeURIComponent(id)}/start`, { method: 'POST', schema: StrategyStatusResponse }),
      stop: (id: string) => client.request(`/strategy/${encodeURIComponent(id)}/stop`, { method: 'POST', schema: StrategyStatusResponse }),
      status: (id: string, signal?: AbortSignal) => client.request(`/strategy/${encodeURIComponent(id)}/status`, { schema: StrategyStatusResponse, signal }),
      events: (id: string) => client.request(`/strategy/${encodeURIComponent(id)}/events`, { query: { limit: 50 }, schema: StrategyEventList }),
      orders: (id: string) => client.request(`/strategy/${encodeURIComponent(id)}/orders`, { query: { limit: 50 }, schema: StrategyOrderList }),
    },
  };
}

export type Endpoints = ReturnType<typeof createEndpoints>;
