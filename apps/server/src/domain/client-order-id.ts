import type { OrderLeg } from './order';

/**
 * The broker tag of an order, derived only from (run, leg, attempt): the same attempt always gets
 * the same tag, so after a crash or a lost response we can ask the broker "do you have TAG?" before
 * ever sending again. 19 upper-case alphanumerics fit every broker: Kite ≤ 20 alphanumeric, Angel
 * < 20, Dhan and Fyers ≤ 30 alphanumeric.
 */
export const CLIENT_ORDER_ID_LENGTH = 19;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** FNV-1a 64-bit over the run id: pure, fast, and spread well enough for a 16-character digest. */
function digest64(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

function base36(n: bigint, width: number): string {
  let out = '';
  let v = n;
  for (let i = 0; i < width; i++) {
    out = ALPHABET[Number(v % 36n)] + out;
    v /= 36n;
  }
  return out;
}

export function clientOrderId(runId: string, leg: OrderLeg, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > 1295) throw new RangeError(`attempt out of range: ${attempt}`);
  // Two independent 64-bit digests give ~82 bits in 16 characters: collisions across runs are not a practical concern.
  const a = digest64(runId);
  const b = digest64(`${runId}#`);
  const body = (base36(a, 8) + base36(b, 8)).slice(0, 16);
  return `${leg === 'ENTRY' ? 'E' : 'X'}${base36(BigInt(attempt), 2)}${body}`;
}
