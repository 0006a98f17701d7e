import { describe, expect, it } from 'vitest';
import { Http1ParseError, Http1ResponseParser, type Http1Response } from './http1-response-parser';

/** Feed `wire` in pieces of `step` bytes; the response must come out exactly once, at the end. */
function feed(wire: string | Buffer, step: number, head = false): Http1Response {
  const bytes = typeof wire === 'string' ? Buffer.from(wire, 'latin1') : wire;
  const p = new Http1ResponseParser(head);
  let out: Http1Response | null = null;
  for (let i = 0; i < bytes.length; i += step) {
    const r = p.push(bytes.subarray(i, i + step));
    if (r) {
      expect(out).toBeNull();
      expect(i + step).toBeGreaterThanOrEqual(bytes.length);
      out = r;
    }
  }
  if (!out) throw new Error('no response');
  return out;
}

describe('Http1ResponseParser', () => {
  const json = '{"status":"success","data":{"order_id":"151220000000000"}}';
  const lengthWire = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\nKeep-Alive: timeout=65\r\n\r\n${json}`;

  it('reads a Content-Length body however the bytes are split', () => {
    for (const step of [1, 2, 7, 64, 10_000]) {
      const r = feed(lengthWire, step);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.body.toString()).toBe(json);
      expect(r.close).toBe(false);
      expect(r.keepAliveSeconds).toBe(65);
    }
  });

  it('reads a chunked body with extensions and trailers', () => {
    const wire = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n';
    for (const step of [1, 3, 100]) expect(feed(wire, step).body.toString()).toBe('hello, world');
  });

  it('reads a body that ends when the server closes', () => {
    const p = new Http1ResponseParser(false);
    expect(p.push(Buffer.from('HTTP/1.0 200 OK\r\n\r\nline one\n'))).toBeNull();
    expect(p.push(Buffer.from('line two\n'))).toBeNull();
    const r = p.end();
    expect(r?.body.toString()).toBe('line one\nline two\n');
    expect(r?.close).toBe(true);
  });

  it('knows which answers carry no body', () => {
    expect(feed('HTTP/1.1 204 No Content\r\n\r\n', 5).body.length).toBe(0);
    expect(feed('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n', 5).body.length).toBe(0);
    expect(feed('HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n', 5, true).body.length).toBe(0);
  });

  it('skips interim 1xx answers', () => {
    const r = feed(`HTTP/1.1 100 Continue\r\n\r\n${lengthWire}`, 9);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(json);
  });

  it('keeps repeated headers and sees Connection: close', () => {
    const r = feed('HTTP/1.1 429 Too Many Requests\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n', 4);
    expect(r.status).toBe(429);
    expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.close).toBe(true);
  });

  it('hands on the bytes beyond the response: the next pipelined answer parses from them', () => {
    const p = new Http1ResponseParser(false);
    const wire = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
    expect(p.push(Buffer.from(wire))?.body.toString()).toBe('ok');
    const rest = p.takeLeftover();
    expect(rest.toString()).toBe(wire.slice(wire.indexOf('okHTTP') + 2));
    expect(p.takeLeftover().length).toBe(0);
    const next = new Http1ResponseParser(false).push(rest);
    expect(next?.status).toBe(201);
    expect(next?.body.toString()).toBe('abc');
  });

  it('refuses what is not HTTP/1.x', () => {
    expect(() => new Http1ResponseParser(false).push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(Http1ParseError);
    expect(() => new Http1ResponseParser(false).push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'))).toThrow(Http1ParseError);
    expect(() => new Http1ResponseParser(false).push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'))).toThrow(Http1ParseError);
  });

  it('a cut-off body is not a response', () => {
    const p = new Http1ResponseParser(false);
    expect(p.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'))).toBeNull();
    expect(p.end()).toBeNull();
  });
});
