import type { HttpClient } from '../transport/http-client';
import { classifyAngelResponse, type AngelReply } from './angelone-envelope';

export const ANGELONE_PATHS = {
  login: '/rest/auth/angelbroking/user/v1/loginByPassword',
  profile: '/rest/secure/angelbroking/user/v1/getProfile',
  placeOrder: '/rest/secure/angelbroking/order/v1/placeOrder',
  cancelOrder: '/rest/secure/angelbroking/order/v1/cancelOrder',
  orderBook: '/rest/secure/angelbroking/order/v1/getOrderBook',
  orderDetails: '/rest/secure/angelbroking/order/v1/details/',
  positions: '/rest/secure/angelbroking/order/v1/getPosition',
  ltp: '/rest/secure/angelbroking/order/v1/getLtpData',
} as const;

/** The client identity headers Angel wants on every call (its static-IP check reads X-ClientPublicIP). */
export interface AngelClientIdentity {
  apiKey: string;
  localIp: string;
  publicIp: string;
  macAddress: string;
}

/** SmartAPI REST calls with Angel's headers; answers are classified, transport failures thrown as TransportError. */
export class AngelRestClient {
  constructor(
    private readonly http: HttpClient,
    private readonly apiUrl: string,
    private readonly identity: AngelClientIdentity,
    private readonly jwt: string | null,
  ) {}

  async call(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs?: number): Promise<AngelReply> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'X-UserType': 'USER',
      'X-SourceID': 'WEB',
      'X-ClientLocalIP': this.identity.localIp,
      'X-ClientPublicIP': this.identity.publicIp,
      'X-MACAddress': this.identity.macAddress,
      'X-PrivateKey': this.identity.apiKey,
    };
    if (this.jwt) headers.Authorization = `Bearer ${this.jwt}`;
    const res = await this.http.send({
      method,
      url: `${this.apiUrl.replace(/\/+$/, '')}${path}`,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs,
    });
    return classifyAngelResponse(res.status, res.headers, res.text);
  }
}
