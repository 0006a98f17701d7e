import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { isSecretKey, loggerOptions, REDACTED } from './logger-options';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  const text = () => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const SECRETS = ['S3CRET-1', 'S3CRET-2', 'S3CRET-3', 'S3CRET-4', 'S3CRET-5', 'S3CRET-6', 'S3CRET-7', 'S3CRET-8', 'S3CRET-9'];

describe('log redaction', () => {
  it('censors secret keys at any depth and in any case, and leaves the rest alone', () => {
    const out = capture();
    const log = pino(loggerOptions('info'), out.stream);
    const payload = {
      Authorization: `Bearer ${SECRETS[0]}`,
      apiSecret: SECRETS[1],
      x: { y: { z: { access_token: SECRETS[2], instrument_token: 256265 } } },
      broker: { session: { auth: { Refresh_Token: SECRETS[3], ACCESS_TOKEN: SECRETS[4] } } },
      headers: { 'X-Api-Secret': SECRETS[5], 'content-type': 'application/json' },
      list: [{ creds: [{ Password: SECRETS[6], mpin: SECRETS[7], TOTP: SECRETS[8] }] }],
      token_type: 'bearer',
      expires_in: 900,
    };
    const before = structuredClone(payload);
    log.info(payload, 'deeply nested');

    expect(payload).toEqual(before); // the caller's object is not changed
    for (const s of SECRETS) expect(out.text()).not.toContain(s);
    const [line] = out.lines();
    expect(line).toMatchObject({
      msg: 'deeply nested',
      Authorization: REDACTED,
      apiSecret: REDACTED,
      x: { y: { z: { access_token: REDACTED, instrument_token: 256265 } } },
      broker: { session: { auth: { Refresh_Token: REDACTED, ACCESS_TOKEN: REDACTED } } },
      headers: { 'X-Api-Secret': REDACTED, 'content-type': 'application/json' },
      list: [{ creds: [{ Password: REDACTED, mpin: REDACTED, TOTP: REDACTED }] }],
      token_type: 'bearer',
      expires_in: 900,
    });
  });

  it('keeps pino’s error serializer and censors secrets inside errors', () => {
    const out = capture();
    const log = pino(loggerOptions('info'), out.stream);
    const err = Object.assign(new TypeError('broker said no'), {
      config: { data: { password: SECRETS[0], client_id: 'AB1234' }, headers: { Authorization: `token k:${SECRETS[1]}` } },
      response: { body: { data: { jwtToken: SECRETS[2] } } },
    });
    log.error({ err }, 'login failed');
    log.error(err);
    log.warn({ failure: { cause: err } }, 'nested error');

    for (const s of SECRETS) expect(out.text()).not.toContain(s);
    const [a, b, c] = out.lines() as Array<Record<string, Record<string, unknown>>>;
    for (const e of [a?.err, b?.err, c?.failure?.cause as Record<string, unknown>]) {
      expect(e).toMatchObject({
        type: 'TypeError',
        message: 'broker said no',
        config: { data: { password: REDACTED, client_id: 'AB1234' }, headers: { Authorization: REDACTED } },
        response: { body: { data: { jwtToken: REDACTED } } },
      });
      expect(e?.stack).toContain('TypeError: broker said no');
    }
    expect(err.config.data.password).toBe(SECRETS[0]); // the error itself is not changed
  });

  it('survives circular objects', () => {
    const out = capture();
    const log = pino(loggerOptions('info'), out.stream);
    const loop: Record<string, unknown> = { name: 'loop', secret: SECRETS[0] };
    loop.self = loop;
    log.child({ run: 'r1' }).info({ loop }, 'child');
    for (const s of SECRETS) expect(out.text()).not.toContain(s);
    expect(out.lines()[0]).toMatchObject({ run: 'r1', loop: { name: 'loop', secret: REDACTED, self: '[Circular]' } });
    expect(loop.secret).toBe(SECRETS[0]);
  });

  it('applies inside Fastify too, where the err serializer is Fastify’s default otherwise', async () => {
    const out = capture();
    const app = Fastify({ logger: { ...loggerOptions('info'), stream: out.stream } });
    app.post('/boom', () => {
      throw Object.assign(new Error('upstream failed'), { request: { body: { api_secret: SECRETS[3] } } });
    });
    const r = await app.inject({ method: 'POST', url: '/boom?access_token=' + SECRETS[4], payload: { password: SECRETS[5] }, headers: { authorization: `Bearer ${SECRETS[6]}` } });
    expect(r.statusCode).toBe(500);
    await app.close();
    for (const s of SECRETS) expect(out.text()).not.toContain(s);
    const logged = out.lines().find((l) => l.err) as { err: Record<string, unknown> } | undefined;
    expect(logged?.err).toMatchObject({ type: 'Error', message: 'upstream failed', request: { body: { api_secret: REDACTED } } });
  });

  it('knows the secret names whatever their spelling', () => {
    for (const k of ['password', 'PASSWORD', 'new_password', 'access_token', 'accessToken', 'refresh-token', 'api_secret', 'API_SECRET', 'client_secret', 'authorization', 'Authorization', 'totp', 'pin', 'mpin', 'secret', 'token', 'jwtToken', 'feedToken', 'cookie', 'Set-Cookie']) {
      expect(isSecretKey(k), k).toBe(true);
    }
    for (const k of ['token_type', 'expires_in', 'instrument_token', 'symboltoken', 'email', 'name', 'pinned', 'broker_id']) {
      expect(isSecretKey(k), k).toBe(false);
    }
  });
});
