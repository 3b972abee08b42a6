import type { HttpRequest } from '@azure/functions';

/**
 * Reads at most `limit + 1` bytes: enough to tell an oversized body apart without holding all of it.
 * The raw bytes matter: signatures are computed over them, not over a re-serialised JSON.
 */
export async function readBodyCapped(req: HttpRequest, limit: number): Promise<Buffer> {
  const declared = Number(req.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) return Buffer.alloc(limit + 1);
  if (!req.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(Buffer.from(value));
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks);
}
