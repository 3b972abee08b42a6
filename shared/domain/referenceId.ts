/** Telesign reference ids come in either case; one form keeps lookups and ids stable. */
export function normalizeReferenceId(referenceId: string): string {
  return referenceId.trim().toUpperCase();
}
