import { randomUUID } from 'node:crypto';
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

/** Every log line a test produces, so a suite can prove no secret was written. */
export const capturedLogs: string[] = [];

export function captureStream(): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      capturedLogs.push(chunk.toString('utf8'));
      cb();
    },
  });
}
