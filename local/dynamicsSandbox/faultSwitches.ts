/** The webhook's fault switches: each fires for the next N times, then with its probability. */
import { z } from 'zod';

import type { Random } from './random';
import type { FaultSwitch, WebhookFaults } from './types';

const switchSchema = z
  .object({ next: z.number().int().nonnegative().optional(), rate: z.number().min(0).max(1).optional() })
  .strict();

export const webhookFaultsSchema = z
  .object({
    duplicate: switchSchema.optional(),
    outOfOrder: switchSchema.optional(),
    missingAuth: switchSchema.optional(),
  })
  .strict();

export type SwitchName = keyof WebhookFaults;
const NAMES: SwitchName[] = ['duplicate', 'outOfOrder', 'missingAuth'];

export class FaultSwitches {
  private state = new Map<SwitchName, Required<FaultSwitch>>();

  constructor(private readonly random: Random) {}

  /** Replaces every switch: one left out is off. Throws on an invalid setting. */
  set(faults: WebhookFaults): void {
    const parsed = webhookFaultsSchema.parse(faults);
    this.state.clear();
    for (const name of NAMES) {
      const s = parsed[name];
      if (s) this.state.set(name, { next: s.next ?? 0, rate: s.rate ?? 0 });
    }
  }

  take(name: SwitchName): boolean {
    const s = this.state.get(name);
    if (!s) return false;
    if (s.next > 0) {
      s.next--;
      return true;
    }
    return s.rate > 0 && this.random() < s.rate;
  }

  view(): WebhookFaults {
    return Object.fromEntries([...this.state.entries()].map(([name, s]) => [name, { ...s }]));
  }
}
