import type { TableClient, TransactionAction } from '@azure/data-tables';

import { endpointKey, type WebhookDelivery } from '../domain/webhookDelivery';
import type {
  DisabledEndpoint,
  FailedDelivery,
  Hold,
  HoldState,
  ParkedDelivery,
  WebhookEndpointStates,
  WebhookFailures,
  WebhookHolds,
} from '../ports/webhookStore';
import { encodeKey, eventRow, odataString } from './keys';
import { joinColumn, splitColumn } from './propertyParts';
import { isConflict, isNotFound, statusOf, storageError } from './storageErrors';

/**
 * The `webhooks` table (docs/webhooks.md §Order and §Failed deliveries), one partition per purpose:
 * - `hold.<endpoint key>.<thread>`: the `hold` row (the delivery being attempted and the attempt awaited), the
 *   parked deliveries `p-<seq>` in line behind it, and a marker `evt-<event id>` per parked delivery, which makes
 *   parking a redelivered message a conflict instead of a second copy in line;
 * - `failed.<endpoint key>`: the deliveries given up on, one row per event;
 * - `endpoints`: the endpoints that answered 410.
 * Endpoint keys are hex, thread ids base64url, event ids `ce-<hex>`: every part is key-safe. A delivery's JSON
 * (its body carries the text, up to 30,000 characters inbound) can outgrow one property: the `head` and
 * `delivery` columns are split (`propertyParts.ts`).
 */
const HOLD_ROW = 'hold';
const holdPartition = (endpoint: string, threadId: string) => `hold.${endpointKey(endpoint)}.${threadId}`;
const failedPartition = (endpoint: string) => `failed.${endpointKey(endpoint)}`;
const ENDPOINTS = 'endpoints';
const parkedRow = (seq: number) => `p-${String(seq).padStart(12, '0')}`;

type Row = Record<string, unknown> & { etag?: string };

/**
 * A hold's version, opaque to its callers, is its place counter and its ETag: parking needs both, and they come
 * with the one read the delivery made, so parking reads nothing more. Every write is conditional on the ETag.
 */
const versionOf = (row: Row) => `${Number(row.nextSeq ?? 0)}|${String(row.etag)}`;
const etagOf = (version: string) => version.slice(version.indexOf('|') + 1);
const seqOf = (version: string) => Number(version.slice(0, version.indexOf('|')));

/**
 * `headParts` is always written: a Merge keeps the columns it does not name, so a head that fits in one property
 * after one that did not must say so, or the old parts would be read after it.
 */
const headColumns = (head: WebhookDelivery) => ({ headParts: 1, ...splitColumn('head', JSON.stringify(head)) });

const stateColumns = (state: HoldState) => ({
  ...headColumns(state.head),
  awaiting: JSON.stringify(state.awaiting),
  // Its own column too, so that the sweep finds the overdue holds with a filter.
  dueAt: state.awaiting.dueAt,
  writtenBy: state.writtenBy,
  lastOutcome: state.lastOutcome ?? '',
});

function holdOf(row: Row): Hold {
  return {
    head: JSON.parse(String(joinColumn(row, 'head'))) as WebhookDelivery,
    awaiting: JSON.parse(String(row.awaiting)) as Hold['awaiting'],
    writtenBy: String(row.writtenBy),
    ...(row.lastOutcome ? { lastOutcome: String(row.lastOutcome) } : {}),
    version: versionOf(row),
  };
}

async function committed(client: TableClient, actions: TransactionAction[], what: string): Promise<boolean> {
  try {
    await client.submitTransaction(actions);
    return true;
  } catch (error) {
    // 404: a row the batch deletes is gone, so the view it was built from is stale, like a changed version.
    if (isConflict(error) || isNotFound(error)) return false;
    throw storageError(error, what);
  }
}

export function createWebhookHolds(client: TableClient): WebhookHolds {
  return {
    async get(endpoint, threadId) {
      try {
        return holdOf(await client.getEntity<Row>(holdPartition(endpoint, threadId), HOLD_ROW));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw storageError(error, 'read a webhook hold');
      }
    },

    async open(endpoint, threadId, state) {
      try {
        await client.createEntity({
          partitionKey: holdPartition(endpoint, threadId),
          rowKey: HOLD_ROW,
          ...stateColumns(state),
          nextSeq: 0,
        });
        return true;
      } catch (error) {
        if (isConflict(error)) return false;
        throw storageError(error, 'open a webhook hold');
      }
    },

    async update(endpoint, threadId, version, state) {
      try {
        await client.updateEntity(
          { partitionKey: holdPartition(endpoint, threadId), rowKey: HOLD_ROW, ...stateColumns(state) },
          'Merge',
          { etag: etagOf(version) },
        );
        return true;
      } catch (error) {
        if (isConflict(error) || isNotFound(error)) return false;
        throw storageError(error, 'update a webhook hold');
      }
    },

    async park(endpoint, threadId, hold, delivery) {
      const partitionKey = holdPartition(endpoint, threadId);
      const seq = seqOf(hold.version);
      // The hold's update goes first: under a stale version it fails before the creates, as a 412, so that a 409
      // can only be the marker of a delivery already in line.
      const actions: TransactionAction[] = [
        ['update', { partitionKey, rowKey: HOLD_ROW, nextSeq: seq + 1 }, 'Merge', { etag: etagOf(hold.version) }],
        ['create', { partitionKey, rowKey: eventRow(delivery.eventId) }],
        [
          'create',
          {
            partitionKey,
            rowKey: parkedRow(seq),
            seq,
            ...splitColumn('delivery', JSON.stringify(delivery)),
          },
        ],
      ];
      try {
        await client.submitTransaction(actions);
        return 'parked';
      } catch (error) {
        // 409: this event is in line already (a stale hold fails as a 412 first).
        if (statusOf(error) === 409) return 'duplicate';
        // 412 or 404: the hold changed, or is gone, since it was read.
        if (isConflict(error) || isNotFound(error)) return 'conflict';
        throw storageError(error, 'park a webhook delivery');
      }
    },

    async firstParked(endpoint, threadId) {
      const partition = holdPartition(endpoint, threadId);
      const filter = `PartitionKey eq '${partition}' and RowKey ge 'p-' and RowKey lt 'p.'`;
      try {
        const pages = client.listEntities<Row>({ queryOptions: { filter } }).byPage({ maxPageSize: 1 });
        for await (const page of pages) {
          const [row] = page;
          if (row) {
            return {
              seq: Number(row.seq),
              delivery: JSON.parse(String(joinColumn(row, 'delivery'))) as WebhookDelivery,
            };
          }
          if (!page.continuationToken) break;
        }
        return undefined;
      } catch (error) {
        throw storageError(error, 'read the webhook deliveries in line');
      }
    },

    promote(endpoint, threadId, version, parked: ParkedDelivery, state) {
      const partitionKey = holdPartition(endpoint, threadId);
      return committed(
        client,
        [
          ['update', { partitionKey, rowKey: HOLD_ROW, ...stateColumns(state) }, 'Merge', { etag: etagOf(version) }],
          ['delete', { partitionKey, rowKey: parkedRow(parked.seq) }],
          ['delete', { partitionKey, rowKey: eventRow(parked.delivery.eventId) }],
        ],
        'move a webhook hold on',
      );
    },

    async release(endpoint, threadId, version) {
      try {
        await client.deleteEntity(holdPartition(endpoint, threadId), HOLD_ROW, { etag: etagOf(version) });
        return true;
      } catch (error) {
        if (isConflict(error) || isNotFound(error)) return false;
        throw storageError(error, 'release a webhook hold');
      }
    },

    async overdue(before, limit) {
      // Every hold partition; a timer's query, never a delivery's.
      const filter = `PartitionKey ge 'hold.' and PartitionKey lt 'hold/' and RowKey eq '${HOLD_ROW}' and dueAt lt ${odataString(before.toISOString())}`;
      const found: Hold[] = [];
      try {
        for await (const row of client.listEntities<Row>({ queryOptions: { filter } })) {
          found.push(holdOf(row));
          if (found.length >= limit) break;
        }
      } catch (error) {
        throw storageError(error, 'read the overdue webhook holds');
      }
      return found;
    },

    async countHolds(endpoint, max) {
      const prefix = `hold.${endpointKey(endpoint)}.`;
      // '/' follows '.' in ASCII: the range is every partition that starts with the prefix.
      const filter = `PartitionKey ge '${prefix}' and PartitionKey lt '${prefix.slice(0, -1)}/' and RowKey eq '${HOLD_ROW}'`;
      let count = 0;
      try {
        for await (const _row of client.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) {
          if (++count >= max) break;
        }
      } catch (error) {
        throw storageError(error, 'count the webhook holds');
      }
      return count;
    },
  };
}

export function createWebhookFailures(client: TableClient): WebhookFailures {
  return {
    async keep(failed) {
      try {
        await client.upsertEntity(
          {
            partitionKey: failedPartition(failed.delivery.endpoint),
            rowKey: encodeKey(failed.delivery.eventId),
            ...splitColumn('delivery', JSON.stringify(failed.delivery)),
            attempts: failed.attempts,
            reason: failed.reason,
            description: failed.description,
            failedAt: failed.failedAt,
          },
          'Replace',
        );
      } catch (error) {
        throw storageError(error, 'keep a failed webhook delivery');
      }
    },

    async list(endpoint, limit) {
      const filter = `PartitionKey eq '${failedPartition(endpoint)}'`;
      const all: FailedDelivery[] = [];
      try {
        for await (const row of client.listEntities<Row>({ queryOptions: { filter } })) {
          all.push({
            delivery: JSON.parse(String(joinColumn(row, 'delivery'))) as WebhookDelivery,
            attempts: Number(row.attempts),
            reason: String(row.reason),
            description: String(row.description),
            failedAt: String(row.failedAt),
          });
        }
      } catch (error) {
        throw storageError(error, 'read the failed webhook deliveries');
      }
      // Keyed by event for replace-on-keep, so the order is the failure time's, sorted here.
      return all.sort((a, b) => a.failedAt.localeCompare(b.failedAt)).slice(0, limit);
    },

    async remove(endpoint, eventId) {
      try {
        await client.deleteEntity(failedPartition(endpoint), encodeKey(eventId));
      } catch (error) {
        if (!isNotFound(error)) throw storageError(error, 'remove a failed webhook delivery');
      }
    },
  };
}

export function createWebhookEndpointStates(client: TableClient): WebhookEndpointStates {
  return {
    async disabled() {
      const states: DisabledEndpoint[] = [];
      try {
        for await (const row of client.listEntities<Row>({
          queryOptions: { filter: `PartitionKey eq '${ENDPOINTS}'` },
        })) {
          states.push({
            endpoint: String(row.endpoint),
            fingerprint: String(row.fingerprint),
            disabledAt: String(row.disabledAt),
            eventId: String(row.eventId),
          });
        }
      } catch (error) {
        throw storageError(error, 'read the disabled webhook endpoints');
      }
      return states;
    },

    async disable(state) {
      try {
        await client.upsertEntity(
          { partitionKey: ENDPOINTS, rowKey: endpointKey(state.endpoint), ...state },
          'Replace',
        );
      } catch (error) {
        throw storageError(error, 'disable a webhook endpoint');
      }
    },
  };
}
