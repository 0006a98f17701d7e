// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { StatusChip } from './StatusChip';
import { TextField } from './TextField';
import { TONE_COLOURS } from '../theme/theme';

afterEach(cleanup);

const bg = (el: HTMLElement) => getComputedStyle(el).backgroundColor;
const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

describe('StatusChip', () => {
  it.each([
    ['RUNNING', 'WAITING_BUY', 'Waiting to buy', TONE_COLOURS.running],
    ['RUNNING', 'BOUGHT', 'Bought', TONE_COLOURS.bought],
    ['COMPLETED', 'EXITED_BY_STOP_LOSS', 'Stop-loss hit', TONE_COLOURS.stoploss],
    ['STOPPED', null, 'Stopped', TONE_COLOURS.stopped],
    ['FAILED', 'FAILED', 'Failed', TONE_COLOURS.failed],
  ] as const)('%s / %s reads "%s" in its status colour', (status, phase, text, colour) => {
    render(<StatusChip status={status} phase={phase} />);
    const chip = screen.getByLabelText(`Status: ${text}`);
    expect(chip.textContent).toBe(text);
    expect(bg(chip)).toBe(rgb(colour));
  });
});

describe('TextField', () => {
  it('is labelled, keeps its value and announces its error', () => {
    render(<TextField label="Stop-loss (₹)" value="12.345" onChangeText={() => undefined} error="Stop-loss can have at most 2 decimal places (paise)" />);
    const input = screen.getByLabelText('Stop-loss (₹)') as HTMLInputElement;
    expect(input.value).toBe('12.345');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('alert').textContent).toBe('Stop-loss can have at most 2 decimal places (paise)');
  });
});
