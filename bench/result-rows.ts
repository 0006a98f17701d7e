import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';

/** One measured figure, as `bench/results/latest.json` stores it. */
export interface ResultRow {
  name: string;
  metric: string;
  value: number;
  unit: string;
  n: number;
  machine: string;
  date: string;
}

/** What a benchmark returns: its rows, the targets they are judged by, and notes for the table. */
export interface BenchOutcome {
  rows: ResultRow[];
  /** metric → [comparison, limit]: the targets for this machine */
  targets: Record<string, ['<' | '<=' | '==', number]>;
  notes: string[];
}

export function machine(): string {
  const c = cpus();
  return `${c[0]?.model.trim() ?? 'unknown cpu'} ×${c.length}, ${Math.round(totalmem() / 2 ** 30)} GB, node ${process.version}`;
}

/** Nearest-rank percentile of an unsorted sample (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export class RowBuilder {
  readonly rows: ResultRow[] = [];
  private readonly m = machine();
  private readonly date = new Date().toISOString();
  constructor(private readonly name: string) {}

  add(metric: string, value: number, unit: string, n: number): this {
    this.rows.push({ name: this.name, metric, value: Math.round(value * 1000) / 1000, unit, n, machine: this.m, date: this.date });
    return this;
  }

  /** p50/p95/p99/max (and min) of a sample, as `<prefix>_p50` … rows. */
  distribution(prefix: string, sample: readonly number[], unit: string): this {
    const s = [...sample].sort((a, b) => a - b);
    for (const [label, v] of [['min', s[0] ?? NaN], ['p50', percentile(s, 50)], ['p95', percentile(s, 95)], ['p99', percentile(s, 99)], ['max', s[s.length - 1] ?? NaN]] as const) {
      this.add(`${prefix}_${label}`, v, unit, s.length);
    }
    return this;
  }
}

export const RESULTS_FILE = new URL('./results/latest.json', import.meta.url).pathname;
export const DOC_FILE = new URL('../docs/BENCHMARKS.md', import.meta.url).pathname;

/** Replace the rows of the benchmarks just run, keep the others' last results. */
export function writeResults(rows: ResultRow[], file = RESULTS_FILE): void {
  const names = new Set(rows.map((r) => r.name));
  const kept = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ResultRow[]).filter((r) => !names.has(r.name)) : [];
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify([...kept, ...rows], null, 2)}\n`);
}

function verdict(value: number, t: ['<' | '<=' | '==', number] | undefined): string {
  if (!t) return '';
  const ok = t[0] === '<' ? value < t[1] : t[0] === '<=' ? value <= t[1] : value === t[1];
  return `${t[0]} ${t[1]} ${ok ? '✅' : '❌'}`;
}

export function markdownTable(command: string, outcomes: Array<[string, BenchOutcome]>): string {
  const lines = [`## ${new Date().toISOString()} — \`${command}\``, '', `Machine: ${machine()}`, ''];
  for (const [name, o] of outcomes) {
    lines.push(`### ${name}`, '', '| metric | value | unit | n | target |', '|---|---:|---|---:|---|');
    for (const r of o.rows) lines.push(`| ${r.metric} | ${r.value} | ${r.unit} | ${r.n} | ${verdict(r.value, o.targets[r.metric])} |`);
    if (o.notes.length) lines.push('', ...o.notes.map((n) => `- ${n}`));
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

export function appendToDoc(text: string, file = DOC_FILE): void {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '# Benchmarks\n\nAppended by `npm run bench` (see bench/run.ts). Newest last.\n\n');
  }
  appendFileSync(file, text);
}
