/**
 * Why a request produced no HTTP answer. `connect` means the request never left us, so resending
 * is safe; `timeout` and `reset` mean it may have reached the broker, so an order's outcome is unknown.
 */
export type TransportFailure = 'connect' | 'timeout' | 'reset';

export class TransportError extends Error {
  constructor(
    readonly failure: TransportFailure,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}
