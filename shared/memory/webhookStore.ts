import { endpointKey } from '../domain/webhookDelivery';
import type {
  DisabledEndpoint,
  FailedDelivery,
  HoldState,
  ParkedDelivery,
  WebhookEndpointStates,
  WebhookFailures,
  WebhookHolds,
} from '../ports/webhookStore';
import { copy } from './threadPartitions';

/** The webhook stores in memory, with the Table adapter's semantics (tests/contract holds both to them). */

interface MemoryHold {
  state: HoldState;
  version: number;
  nextSeq: number;
  parked: ParkedDelivery[];
}

export function createMemoryWebhookHolds(): WebhookHolds {
  const holds = new Map<string, MemoryHold>();
  let versions = 0;
  const keyOf = (endpoint: string, threadId: string) => `${endpointKey(endpoint)}.${threadId}`;
  const current = (endpoint: string, threadId: string, version: string) => {
    const hold = holds.get(keyOf(endpoint, threadId));
    return hold && String(hold.version) === version ? hold : undefined;
  };
  return {
    async get(endpoint, threadId) {
      const hold = holds.get(keyOf(endpoint, threadId));
      return hold && { ...copy(hold.state), version: String(hold.version) };
    },
    async open(endpoint, threadId, state) {
      const key = keyOf(endpoint, threadId);
      if (holds.has(key)) return false;
      holds.set(key, { state: copy(state), version: ++versions, nextSeq: 0, parked: [] });
      return true;
    },
    async update(endpoint, threadId, version, state) {
      const hold = current(endpoint, threadId, version);
      if (!hold) return false;
      hold.state = copy(state);
      hold.version = ++versions;
      return true;
    },
    async park(endpoint, threadId, read, delivery) {
      const hold = current(endpoint, threadId, read.version);
      if (!hold) return 'conflict';
      if (hold.parked.some((p) => p.delivery.eventId === delivery.eventId)) return 'duplicate';
      hold.parked.push({ seq: hold.nextSeq++, delivery: copy(delivery) });
      hold.version = ++versions;
      return 'parked';
    },
    async firstParked(endpoint, threadId) {
      const first = holds.get(keyOf(endpoint, threadId))?.parked[0];
      return first && copy(first);
    },
    async promote(endpoint, threadId, version, parked, state) {
      const hold = current(endpoint, threadId, version);
      const at = hold?.parked.findIndex((p) => p.seq === parked.seq) ?? -1;
      if (!hold || at < 0) return false;
      hold.parked.splice(at, 1);
      hold.state = copy(state);
      hold.version = ++versions;
      return true;
    },
    async release(endpoint, threadId, version) {
      if (!current(endpoint, threadId, version)) return false;
      holds.delete(keyOf(endpoint, threadId));
      return true;
    },
    async overdue(before, limit) {
      const cutoff = before.toISOString();
      return [...holds.values()]
        .filter((h) => h.state.awaiting.dueAt < cutoff)
        .slice(0, limit)
        .map((h) => ({ ...copy(h.state), version: String(h.version) }));
    },
    async countHolds(endpoint, max) {
      const prefix = `${endpointKey(endpoint)}.`;
      return Math.min(max, [...holds.keys()].filter((k) => k.startsWith(prefix)).length);
    },
  };
}

export function createMemoryWebhookFailures(): WebhookFailures {
  const failed = new Map<string, FailedDelivery>();
  const keyOf = (endpoint: string, eventId: string) => `${endpointKey(endpoint)}|${eventId}`;
  return {
    async keep(f) {
      failed.set(keyOf(f.delivery.endpoint, f.delivery.eventId), copy(f));
    },
    async list(endpoint, limit) {
      const prefix = `${endpointKey(endpoint)}|`;
      return [...failed.entries()]
        .filter(([k]) => k.startsWith(prefix))
        .map(([, f]) => copy(f))
        .sort((a, b) => a.failedAt.localeCompare(b.failedAt))
        .slice(0, limit);
    },
    async remove(endpoint, eventId) {
      failed.delete(keyOf(endpoint, eventId));
    },
  };
}

export function createMemoryWebhookEndpointStates(): WebhookEndpointStates {
  const states = new Map<string, DisabledEndpoint>();
  return {
    async disabled() {
      return [...states.values()].map(copy);
    },
    async disable(state) {
      states.set(endpointKey(state.endpoint), copy(state));
    },
  };
}
