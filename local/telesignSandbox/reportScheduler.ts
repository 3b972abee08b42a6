/**
 * Plays the delivery-report sequence of an accepted message: the status moves on (a status GET sees it) whether
 * or not a callback URL is set, and each step is POSTed, signed, to the callback URL when there is one.
 */
import type { Lifecycle } from '../sandboxRuntime/lifecycle';
import { deliveryReportPayload } from './callbackPayloads';
import type { CallbackSender } from './callbackSender';
import type { MessageStore } from './messageStore';
import { estimateParts } from './segments';
import { rfc3339 } from './telesignBodies';
import { reportsFor } from './testNumbers';
import type { SentMessage } from './types';

export interface ReportSchedulerDeps {
  lifecycle: Lifecycle;
  store: MessageStore;
  sender: CallbackSender;
  hasCallbackUrl(): boolean;
  delaysMs: readonly [number, number];
}

export function scheduleReports(deps: ReportSchedulerDeps, message: SentMessage): void {
  const partsCount = estimateParts(message.message);
  // A report is POSTed only once the previous one's first try has been answered, so that on a healthy callback
  // the reports of one message arrive in order (retries may still reorder them, as with Telesign).
  let previousFirstTry: Promise<unknown> = Promise.resolve();
  let at = 0;
  reportsFor(message.phoneNumber).forEach((step, index) => {
    // Each step is timed from the send, so a slow callback does not delay the status a GET sees.
    at += index === 0 ? deps.delaysMs[0] : deps.delaysMs[1];
    deps.lifecycle.after(at, () => {
      const updatedOn = rfc3339();
      const report = deps.store.addReport(message.referenceId, step.code, step.description, updatedOn);
      if (!report) return;
      const payload = deliveryReportPayload({
        referenceId: message.referenceId,
        code: step.code,
        description: step.description,
        updatedOn,
        partsCount,
      });
      previousFirstTry = previousFirstTry.then(() => {
        if (deps.lifecycle.stopped || !deps.hasCallbackUrl()) return undefined;
        const delivery = deps.sender.send(message.customerId, payload, {
          kind: `report ${step.code}`,
          referenceId: message.referenceId,
        });
        void delivery.delivered.then((ok) => {
          report.deliveredToCallback = ok;
        });
        return delivery.first.catch(() => undefined);
      });
    });
  });
}
