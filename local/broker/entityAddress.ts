/** What a link address names: a queue, its dead-letter sub-queue, their $management node, or $cbs. */
export type EntityAddress =
  | { kind: 'cbs' }
  | { kind: 'entity'; queue: string; deadLetter: boolean }
  | { kind: 'management'; queue: string; deadLetter: boolean };

const DEAD_LETTER_SUFFIX = '/$deadletterqueue';
const MANAGEMENT_SUFFIX = '/$management';

/** Entity names are case-insensitive in Service Bus; the SDK spells the sub-queue `$DeadLetterQueue`. */
export function parseAddress(address: string | undefined): EntityAddress | undefined {
  if (!address) return undefined;
  let path = address
    .replace(/^amqps?:\/\/[^/]+\//i, '')
    .replace(/^\/+/, '')
    .toLowerCase();
  if (path === '$cbs') return { kind: 'cbs' };
  let management = false;
  if (path.endsWith(MANAGEMENT_SUFFIX)) {
    management = true;
    path = path.slice(0, -MANAGEMENT_SUFFIX.length);
  }
  let deadLetter = false;
  if (path.endsWith(DEAD_LETTER_SUFFIX)) {
    deadLetter = true;
    path = path.slice(0, -DEAD_LETTER_SUFFIX.length);
  }
  if (!path || path.includes('/')) return undefined;
  return { kind: management ? 'management' : 'entity', queue: path, deadLetter };
}
