import type { PipelinePolicy } from '@azure/core-rest-pipeline';

/**
 * For a local endpoint (Azurite), every request body with its non-ASCII characters written as JSON escapes
 * (`é` as `\u00e9`): the same JSON, read back the same. Azurite 3.35 mishandles them raw: its batch parser finds
 * each part's body with a `.` that does not match U+2028/U+2029, so a text holding one fails the batch (and later
 * ones); and it decodes a large body chunk by chunk, so a character split across 64 KiB comes back as U+FFFD.
 * Found by tests/property/callbackParsing.test.ts. Outside JSON strings a body holds only ASCII (the multipart
 * framing of a batch, JSON syntax), so escaping there changes nothing.
 */
export const asciiJsonBodies: PipelinePolicy = {
  name: 'asciiJsonBodies',
  sendRequest(request, next) {
    if (typeof request.body === 'string' && /[^\x00-\x7f]/.test(request.body)) {
      request.body = request.body.replace(
        /[^\x00-\x7f]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
    }
    return next(request);
  },
};
