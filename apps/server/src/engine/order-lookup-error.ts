import { DomainError } from '../domain/errors';

/**
 * The broker could not say whether it has an order with this tag (its lookups kept failing).
 * Unknown is not "absent": nothing may be sent again for that leg, nor the leg given up, until the
 * broker answers; the loop that asked tries again later.
 */
export class OrderLookupUnavailableError extends DomainError {
  constructor(
    readonly tag: string,
    cause: string,
  ) {
    super('unavailable', 'ORDER_LOOKUP_UNAVAILABLE', `Could not ask the broker about order ${tag}: ${cause}`);
  }
}
