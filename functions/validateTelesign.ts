import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { z } from 'zod';

import { getApp } from '../shared/app';
import { AppError } from '../shared/errors';
import { errorResponse, toHttp } from '../shared/http/toHttp';
import { guarded } from './support/guarded';
import { readJson } from './support/readJson';

const validateRequest = z.strictObject({ customerId: z.string().min(1).optional() });

/** For operators after setting or rotating an API key: does Telesign accept this account's credentials? */
export async function validateTelesign(req: HttpRequest): Promise<HttpResponseInit> {
  const body = await readJson(req, { optional: true });
  if (!body.ok) return errorResponse(body.error);
  const parsed = validateRequest.safeParse(body.value);
  if (!parsed.success) return errorResponse(new AppError('invalid_request', 'The body may only name a customerId.'));
  const outcome = await getApp().validate(parsed.data.customerId);
  return toHttp(outcome, (result) => ({ status: 200, jsonBody: result }));
}

app.http('validateTelesign', {
  methods: ['POST'],
  authLevel: 'admin',
  route: 'telesign/validate',
  handler: guarded(validateTelesign),
});
