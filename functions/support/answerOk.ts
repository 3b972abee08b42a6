import type { HttpResponseInit } from '@azure/functions';

import { toHttp } from '../../shared/http/toHttp';
import type { Outcome } from '../../shared/outcome';

/** Reads and moves of conversations answer 200 with the value, or the error's status. */
export const answerOk = <T>(outcome: Outcome<T>): HttpResponseInit =>
  toHttp(outcome, (value) => ({ status: 200, jsonBody: value }));
