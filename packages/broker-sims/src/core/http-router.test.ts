import { describe, expect, it } from 'vitest';
import { formFields } from './http-router';

const reference = (raw: string): Record<string, string> => Object.fromEntries(new URLSearchParams(raw));

describe('formFields', () => {
  it('reads a form body exactly as URLSearchParams does', () => {
    const bodies = [
      'exchange=NSE&tradingsymbol=INFY&transaction_type=BUY&order_type=MARKET&quantity=1&product=MIS&validity=DAY&market_protection=-1&tag=F00000001',
      '',
      'a',
      'a=',
      '=x',
      'a=1&a=2',
      '&&a=1&&b=2&',
      'a=b=c',
      'q=M%26M&name=Tata+Motors&plus=%2B',
      'u=%E2%82%B9100&s=caf%C3%A9',
      'bad=%ZZ&ok=1',
      'half=%E2%82',
      'k%3Dx=v%26y',
      '__proto__=x&a=1',
      'sp+ace+name=va+lue',
    ];
    for (const b of bodies) expect(formFields(b), b).toEqual(reference(b));
  });

  it('matches URLSearchParams on random bodies of tricky characters', () => {
    const alphabet = ['a', 'b', '=', '&', '+', '%', '2', 'B', 'E', '8', '%41', '%E2%82%B9', '%C3', ' ', '_'];
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 2_000; i++) {
      const b = Array.from({ length: rnd(14) }, () => alphabet[rnd(alphabet.length)]).join('');
      expect(formFields(b), JSON.stringify(b)).toEqual(reference(b));
    }
  });

  it('gives a __proto__ field as an own property, never the prototype', () => {
    const f = formFields('__proto__=x');
    expect(Object.getPrototypeOf(f)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(f, '__proto__')?.value).toBe('x');
  });
});
