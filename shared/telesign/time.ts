/**
 * Telesign's examples show `updated_on` both as RFC 3339 with microseconds and as RFC 1123. Both parse with
 * Date.parse; anything else is kept raw by the caller, never a reason to drop the event.
 */
export function parseTelesignTime(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
