import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';

/**
 * External services for tests. CI sets both variables and every suite that needs them runs; a
 * developer without them still gets the embedded (PGlite / in-process) variants.
 */
export const TEST_DATABASE_URL = process.env.ATS_TEST_DATABASE_URL || undefined;
export const TEST_REDIS_URL = process.env.ATS_TEST_REDIS_URL || undefined;

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

/** The keys test platforms run with; the log scan greps for their literal values. */
export const TEST_JWT_SECRET_KEY = 'test-jwt-secret-key-that-is-long-enough-0123456789';
export const TEST_AES_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
/** A second master key, for tests of key rotation (`2:<next>,1:<TEST_AES_MASTER_KEY>`). */
export const TEST_AES_NEXT_KEY = Buffer.alloc(32, 9).toString('base64');

/** Where every test process appends the server logs it produced; scanned for secrets after the run. */
export const TEST_LOG_DIR = join(new URL('../../../..', import.meta.url).pathname, '.tmp', 'test-logs');
/**
 * Log files there with this suffix hold plain text (a child process's stderr): the scan checks them
 * for secret shapes and values but does not require JSON lines. Every other `*.log` is pino JSON.
 */
export const PLAIN_TEXT_LOG_SUFFIX = '.stderr.log';

/** Every log line a test produces, so a suite can prove no secret was written. */
export const capturedLogs: string[] = [];

export function captureStream(): Writable {
  mkdirSync(TEST_LOG_DIR, { recursive: true });
  const file = join(TEST_LOG_DIR, `${process.pid}.log`);
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const line = chunk.toString('utf8');
      capturedLogs.push(line);
      appendFileSync(file, line);
      cb();
    },
  });
}
