// Kinesis sequence numbers: decimal strings wider than 64 bits, ordered as numbers.

/** Orders two decimal sequence numbers as numbers (negative, zero, positive): the consumer library's comparison. */
export { compareSequenceNumbers as compareSequence } from '../../consumer/version.ts';

export function isSequenceNumber(s: unknown): s is string {
  return typeof s === 'string' && /^\d{1,128}$/.test(s);
}
