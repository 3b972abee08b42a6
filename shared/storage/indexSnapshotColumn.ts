import type { ConversationState } from '../domain/conversationState';
import type { IndexSnapshot } from '../domain/indexSnapshot';
import { joinColumn, splitColumn } from './propertyParts';

/**
 * An index entry's snapshot of its conversation, as JSON in the `snapshot` column (split past 30,000 characters
 * like every JSON column, docs/architecture.md §Storage). An entry written before snapshots existed, or one whose
 * snapshot does not describe the entry it sits in, reads as having none: the listing then reads the conversation.
 */
export const snapshotColumns = (snapshot: IndexSnapshot | undefined) =>
  splitColumn('snapshot', snapshot && JSON.stringify(snapshot));

const isString = (value: unknown): value is string => typeof value === 'string';

export function snapshotFromRow(
  row: Record<string, unknown>,
  entry: { state: ConversationState; n: number },
): IndexSnapshot | undefined {
  const json = joinColumn(row, 'snapshot');
  if (json === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const s = parsed as Partial<IndexSnapshot>;
  const c = s.conversation;
  const fits =
    isString(s.account) &&
    isString(s.supportNumber) &&
    isString(s.customerNumber) &&
    typeof c === 'object' &&
    c !== null &&
    c.n === entry.n &&
    c.state === entry.state &&
    isString(c.updatedAt);
  return fits ? (s as IndexSnapshot) : undefined;
}
