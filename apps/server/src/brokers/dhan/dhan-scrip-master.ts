import { BrokerError } from '../../domain/errors';
import type { HttpClient } from '../transport/http-client';
import { DhanSymbolTable } from './dhan-symbols';

const IST_OFFSET_MS = 19_800_000;
const DOWNLOAD_TIMEOUT_MS = 60_000;
const RETRY_AFTER_FAILURE_MS = 5 * 60_000;

/**
 * Dhan's compact scrip master, downloaded once per IST trading day per connector and shared by
 * all its accounts. A failed refresh keeps serving yesterday's table rather than stopping orders.
 */
export class DhanScripMaster {
  private table: DhanSymbolTable | null = null;
  private day = '';
  private loading: Promise<DhanSymbolTable> | null = null;
  private failedAt = 0;

  constructor(
    private readonly http: HttpClient,
    private readonly url: string,
    private readonly now: () => number = Date.now,
  ) {}

  private today(): string {
    return new Date(this.now() + IST_OFFSET_MS).toISOString().slice(0, 10);
  }

  get(): Promise<DhanSymbolTable> {
    const fresh = this.day === this.today() || this.now() - this.failedAt < RETRY_AFTER_FAILURE_MS;
    if (this.table && fresh) return Promise.resolve(this.table);
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<DhanSymbolTable> {
    const day = this.today();
    try {
      const res = await this.http.send({ method: 'GET', url: this.url, timeoutMs: DOWNLOAD_TIMEOUT_MS });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      const t = DhanSymbolTable.fromCompactCsv(res.text);
      if (t.size === 0) throw new Error('no NSE/BSE equities in the file');
      this.table = t;
      this.day = day;
      return t;
    } catch (e) {
      this.failedAt = this.now();
      if (this.table) return this.table;
      throw new BrokerError('BROKER_UNAVAILABLE', `Dhan instrument master download failed: ${(e as Error).message}`);
    }
  }
}
