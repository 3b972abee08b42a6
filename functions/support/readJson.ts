import type { HttpRequest } from '@azure/functions';

import { failure, type Outcome, success } from '../../shared/outcome';

/** API bodies are small; anything past 64 KiB is refused before it is parsed. */
const MAX_JSON_BYTES = 64 * 1024;

export async function readJson(req: HttpRequest, { optional = false } = {}): Promise<Outcome<unknown>> {
  const text = await req.text();
  if (Buffer.byteLength(text) > MAX_JSON_BYTES)
    return failure('payload_too_large', `The body is over ${MAX_JSON_BYTES} bytes.`);
  if (text.trim() === '')
    return optional ? success({}) : failure('invalid_json', 'The body is empty; a JSON object is expected.');
  try {
    return success(JSON.parse(text));
  } catch {
    return failure('invalid_json', 'The body is not valid JSON.');
  }
}
