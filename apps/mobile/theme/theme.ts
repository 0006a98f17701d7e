import { useColorScheme } from 'react-native';
import type { RunPhase, StrategyStatus } from '@ats/contracts';

export interface Theme {
  dark: boolean;
  bg: string;
  card: string;
  text: string;
  muted: string;
  border: string;
  primary: string;
  onPrimary: string;
  danger: string;
  success: string;
  warningBg: string;
  errorBg: string;
  inputBg: string;
}

const light: Theme = {
  dark: false,
  bg: '#f4f6f8',
  card: '#ffffff',
  text: '#111827',
  muted: '#4b5563',
  border: '#d1d5db',
  primary: '#1d4ed8',
  onPrimary: '#ffffff',
  danger: '#b91c1c',
  success: '#15803d',
  warningBg: '#fef3c7',
  errorBg: '#fee2e2',
  inputBg: '#ffffff',
};

const dark: Theme = {
  dark: true,
  bg: '#0b0f14',
  card: '#151b23',
  text: '#f3f4f6',
  muted: '#9ca3af',
  border: '#374151',
  primary: '#60a5fa',
  onPrimary: '#0b0f14',
  danger: '#f87171',
  success: '#4ade80',
  warningBg: '#422006',
  errorBg: '#450a0a',
  inputBg: '#0f141a',
};

export function useTheme(): Theme {
  return useColorScheme() === 'dark' ? dark : light;
}

export type Tone = 'running' | 'bought' | 'stoploss' | 'stopped' | 'failed' | 'neutral' | 'done';

// Colours chosen to keep white text at >= 4.5:1 contrast in both schemes.
export const TONE_COLOURS: Record<Tone, string> = {
  running: '#15803d',
  bought: '#1d4ed8',
  stoploss: '#b91c1c',
  stopped: '#4b5563',
  failed: '#b91c1c',
  neutral: '#6b21a8',
  done: '#0f766e',
};

/** The one place that decides a strategy's colour: the live phase when trading, else its status. */
export function toneFor(status: StrategyStatus | null, phase: RunPhase | null): Tone {
  if (status === 'FAILED' || phase === 'FAILED') return 'failed';
  if (phase === 'EXITED_BY_STOP_LOSS') return 'stoploss';
  if (phase === 'BOUGHT' || phase === 'SELLING') return 'bought';
  if (status === 'STOPPED') return 'stopped';
  if (status === 'RUNNING') return 'running';
  if (status === 'COMPLETED') return 'done';
  return 'neutral';
}

export const PHASE_LABELS: Record<RunPhase, string> = {
  WAITING_BUY: 'Waiting to buy',
  BUYING: 'Buying',
  BOUGHT: 'Bought',
  SELLING: 'Selling',
  EXITED_BY_SELL_TIME: 'Sold at sell time',
  EXITED_BY_STOP_LOSS: 'Stop-loss hit',
  EXITED_BY_USER_STOP: 'Sold on stop',
  EXITED_BY_SQUARE_OFF: 'Squared off',
  SKIPPED: 'Skipped',
  FAILED: 'Failed',
};

export const STATUS_LABELS: Record<StrategyStatus, string> = {
  CREATED: 'Not started',
  RUNNING: 'Running',
  STOPPED: 'Stopped',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
};

export function formatRupees(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  const text = `₹${Math.abs(v).toLocaleString('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return v < 0 ? `−${text}` : text;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString('en-IN', { timeZone: 'Asia/Kolkata', hour: '2-digit', minute: '2-digit', second: '2-digit', day: '2-digit', month: 'short', hour12: false });
}
