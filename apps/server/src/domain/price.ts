/** Prices inside the engine are integer paise. Conversion happens only at the broker edge and the API. */
export type Paise = number & { readonly __unit: 'paise' };

export function paise(n: number): Paise {
  if (!Number.isSafeInteger(n)) throw new RangeError(`paise must be a safe integer, got ${n}`);
  return n as Paise;
}

/**
 * Rupees (number or decimal string) to paise. Parses the decimal text rather than multiplying a
 * float, so "1573.15" is exactly 157315, never 157314.99999.
 */
export function rupeesToPaise(rupees: number | string): Paise {
  const text = typeof rupees === 'number' ? rupees.toFixed(4) : rupees.trim();
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new RangeError(`not a rupee amount: ${String(rupees)}`);
  const sign = m[1] ? -1 : 1;
  const whole = Number(m[2]);
  const fracDigits = (m[3] ?? '').padEnd(4, '0');
  // Round half away from zero at the paise digit.
  const hundredths = Number(fracDigits.slice(0, 2));
  const rest = Number(fracDigits.slice(2, 4));
  const p = whole * 100 + hundredths + (rest >= 50 ? 1 : 0);
  return paise(sign * p);
}

export function paiseToRupees(p: Paise | number): number {
  return Math.round(p) / 100;
}

/** Fixed two-decimal rupee text, for wire formats and display. */
export function formatRupees(p: Paise | number): string {
  const sign = p < 0 ? '-' : '';
  const a = Math.abs(Math.round(p));
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}
