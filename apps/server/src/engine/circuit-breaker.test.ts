import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker';

describe('CircuitBreaker', () => {
  it('opens after repeated failures, half-opens after the cool-down, and closes on success', () => {
    let t = 0;
    const b = new CircuitBreaker(() => t, 3, 1000);
    b.failure();
    b.failure();
    expect(b.state()).toBe('CLOSED');
    b.failure();
    expect(b.state()).toBe('OPEN');
    expect(b.allow()).toBe(false);
    expect(b.retryAt()).toBe(1000);
    t = 1000;
    expect(b.state()).toBe('HALF_OPEN');
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false); // one trial at a time
    b.failure();
    expect(b.state()).toBe('OPEN');
    t = 2000;
    expect(b.allow()).toBe(true);
    b.success();
    expect(b.state()).toBe('CLOSED');
    expect(b.allow()).toBe(true);
  });
});
