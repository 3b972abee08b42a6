/** What the sandbox accepted, and the latest status of each reference (what `GET /v1/messaging/{id}` returns). */
import type { SentMessage, SentReport } from './types';

export interface CurrentStatus {
  code: number;
  description: string;
  updatedOn: string;
}

interface Entry {
  message: SentMessage;
  status: CurrentStatus;
}

export class MessageStore {
  private readonly byReference = new Map<string, Entry>();

  add(message: SentMessage, status: CurrentStatus): void {
    this.byReference.set(message.referenceId.toUpperCase(), { message, status });
  }

  /** Reference ids compare case-insensitively (docs/telesign-protocol.md §Messaging API). */
  status(referenceId: string): { referenceId: string; customerId: string; status: CurrentStatus } | undefined {
    const entry = this.byReference.get(referenceId.toUpperCase());
    return (
      entry && {
        referenceId: entry.message.referenceId,
        customerId: entry.message.customerId,
        status: { ...entry.status },
      }
    );
  }

  /** Returns the stored report so its delivery outcome can be filled in later. */
  addReport(referenceId: string, code: number, description: string, updatedOn: string): SentReport | undefined {
    const entry = this.byReference.get(referenceId.toUpperCase());
    if (!entry) return undefined;
    const report: SentReport = { code, description, deliveredToCallback: false };
    entry.message.reports.push(report);
    entry.status = { code, description, updatedOn };
    return report;
  }

  /** Copies, so callers cannot change what the sandbox remembers. */
  all(): SentMessage[] {
    return [...this.byReference.values()].map(({ message }) => ({
      ...message,
      reports: message.reports.map((r) => ({ ...r })),
    }));
  }
}
