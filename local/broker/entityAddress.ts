/**
 * What a link address names: an entity (`<queue>`, `<topic>` or `<topic>/Subscriptions/<subscription>`, lower-cased),
 * optionally its dead-letter sub-queue, optionally their $management node; or $cbs.
 */
export type EntityAddress =
  | { kind: 'cbs' }
  | { kind: 'entity'; entity: string; deadLetter: boolean }
  | { kind: 'management'; entity: string; deadLetter: boolean };

const DEAD_LETTER_SUFFIX = '/$deadletterqueue';
const MANAGEMENT_SUFFIX = '/$management';
const SUBSCRIPTIONS = 'subscriptions';

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
  if (!isEntityPath(path)) return undefined;
  return { kind: management ? 'management' : 'entity', entity: path, deadLetter };
}

function isEntityPath(path: string): boolean {
  const segments = path.split('/');
  if (segments.some((s) => s === '')) return false;
  return segments.length === 1 || (segments.length === 3 && segments[1] === SUBSCRIPTIONS);
}
