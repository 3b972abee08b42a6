import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

import type { BrokerSnapshot, EmbeddedBroker } from './broker';

/**
 * The embedded broker's messages kept in the `--data` folder between runs (docs/architecture.md §Embedded local
 * channel): read at start, written at stop once the triggers are stopped. Written to a temporary file first, so a
 * crash while writing leaves the previous file whole.
 */
export function readBrokerData(file: string | undefined): BrokerSnapshot | undefined {
  if (!file || !existsSync(file)) return undefined;
  let parsed: BrokerSnapshot;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as BrokerSnapshot;
  } catch {
    throw new Error(`${file} is not a broker snapshot (not JSON); move it away to start with empty queues.`);
  }
  if (parsed?.version !== 1 || !Array.isArray(parsed.stores))
    throw new Error(`${file} is not a broker snapshot of this version; move it away to start with empty queues.`);
  return parsed;
}

export function writeBrokerData(file: string, broker: EmbeddedBroker): number {
  const snapshot = broker.snapshot();
  writeFileSync(`${file}.tmp`, JSON.stringify(snapshot));
  renameSync(`${file}.tmp`, file);
  return (
    snapshot.stores.reduce((n, s) => n + s.active.length + s.deadLetter.length, 0) +
    (snapshot.scheduled ?? []).reduce((n, s) => n + s.messages.length, 0)
  );
}

/** Messages still waiting for a trigger: active (locked ones too) in every queue and subscription, and scheduled. */
export function pendingMessages(broker: EmbeddedBroker): number {
  const { queues, topics } = broker.entities();
  return (
    queues.reduce((n, q) => n + q.active + q.scheduled, 0) +
    topics.reduce((n, t) => n + t.scheduled + t.subscriptions.reduce((m, s) => m + s.active, 0), 0)
  );
}
