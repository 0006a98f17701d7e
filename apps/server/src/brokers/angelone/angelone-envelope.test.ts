import { describe, expect, it } from 'vitest';
import { classifyAngelResponse } from './angelone-envelope';

describe('classifyAngelResponse', () => {
  it('reads the success envelope, with booleans sent as strings too', () => {
    expect(classifyAngelResponse(200, {}, '{"status":true,"message":"SUCCESS","errorcode":"","data":{"orderid":"1"}}')).toEqual({ kind: 'ok', data: { orderid: '1' } });
    expect(classifyAngelResponse(200, {}, '{"status":"true","message":"SUCCESS","errorcode":"","data":null}')).toEqual({ kind: 'ok', data: null });
  });

  it('reads a documented failure with string "false" and "null"', () => {
    expect(classifyAngelResponse(200, {}, '{"status":"false","message":"Symbol Not Found","errorcode":"AB1009","data":"null"}')).toEqual({ kind: 'error', code: 'AB1009', message: 'Symbol Not Found' });
  });

  it('maps the gateway token dialect to a token problem at HTTP 200 and 401 alike', () => {
    const body = '{"success":false,"message":"Invalid Token","errorCode":"AG8001","data":""}';
    expect(classifyAngelResponse(200, {}, body)).toEqual({ kind: 'token', code: 'AG8001', message: 'Invalid Token' });
    expect(classifyAngelResponse(401, {}, body)).toEqual({ kind: 'token', code: 'AG8001', message: 'Invalid Token' });
    expect(classifyAngelResponse(200, {}, '{"status":false,"message":"Token Expired","errorcode":"AG8002","data":null}').kind).toBe('token');
  });

  it("recognises Angel's bare-text 403 as rate limiting, not as an auth failure", () => {
    expect(classifyAngelResponse(403, {}, 'Access denied because of exceeding access rate')).toEqual({ kind: 'rate_limited', message: 'Access denied because of exceeding access rate', retryAfterMs: null });
    expect(classifyAngelResponse(429, { 'retry-after': '2' }, '')).toMatchObject({ kind: 'rate_limited', retryAfterMs: 2000 });
  });

  it('treats 5xx, unreadable bodies and "something went wrong" as server trouble', () => {
    expect(classifyAngelResponse(502, {}, '<html>Bad Gateway</html>')).toMatchObject({ kind: 'server', httpStatus: 502 });
    expect(classifyAngelResponse(200, {}, 'not json')).toMatchObject({ kind: 'server' });
    expect(classifyAngelResponse(200, {}, '{"status":false,"message":"Something Went Wrong","errorcode":"AB1004","data":null}')).toMatchObject({ kind: 'server' });
  });
});
