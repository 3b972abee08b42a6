import { endpointFingerprint } from '../domain/webhookDelivery';
import type { DisabledEndpoint, WebhookEndpointStates } from '../ports/webhookStore';
import type { WebhookEndpoint } from '../webhooks/endpointSettings';

/**
 * Which endpoints answered 410 and so get nothing more until their setting (url or secretName) changes
 * (docs/webhooks.md §Delivery). Read once per `ttlMs` per process, not once per delivery: another instance learns
 * of a 410 within that time, and this one at once.
 */
export interface EndpointGate {
  isDisabled(endpoint: WebhookEndpoint): Promise<boolean>;
  disable(endpoint: WebhookEndpoint, eventId: string): Promise<void>;
  /** The disabled endpoints still configured under the setting they were disabled with (health). */
  disabled(endpoints: readonly WebhookEndpoint[]): Promise<DisabledEndpoint[]>;
}

const nameKey = (name: string) => name.toLowerCase();

export function createEndpointGate(states: WebhookEndpointStates, now: () => Date, ttlMs = 30_000): EndpointGate {
  let cached: { at: number; byName: Map<string, DisabledEndpoint> } | undefined;
  const load = async (fresh: boolean) => {
    const at = now().getTime();
    if (fresh || !cached || at - cached.at >= ttlMs) {
      const list = await states.disabled();
      cached = { at, byName: new Map(list.map((s) => [nameKey(s.endpoint), s])) };
    }
    return cached.byName;
  };
  const stillDisabled = (endpoint: WebhookEndpoint, state: DisabledEndpoint | undefined) =>
    state !== undefined && state.fingerprint === endpointFingerprint(endpoint);
  return {
    async isDisabled(endpoint) {
      return stillDisabled(endpoint, (await load(false)).get(nameKey(endpoint.name)));
    },
    async disable(endpoint, eventId) {
      const state = {
        endpoint: endpoint.name,
        fingerprint: endpointFingerprint(endpoint),
        disabledAt: now().toISOString(),
        eventId,
      };
      await states.disable(state);
      (await load(false)).set(nameKey(endpoint.name), state);
    },
    async disabled(endpoints) {
      const byName = await load(true);
      return endpoints.flatMap((e) => {
        const state = byName.get(nameKey(e.name));
        return stillDisabled(e, state) ? [state!] : [];
      });
    },
  };
}
