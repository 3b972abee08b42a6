import type { CallbackUnrecognized } from '../domain/inboundEvent';

/** Authentic callbacks we could not read, kept whole (however large) for an operator, by event id. */
export interface UnrecognizedStore {
  /** Saving the same event again replaces it. */
  save(event: CallbackUnrecognized): Promise<void>;
}
