import { readFileSync } from 'node:fs';
import path from 'node:path';

import { HttpRequest, type HttpResponseInit, InvocationContext } from '@azure/functions';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

import { auditedLogHandler } from './capturingLogger';

/**
 * docs/openapi.yaml as the tests hold the code to it: every response a test receives through a handler is
 * validated against the schema the document gives for its route and status.
 */
export const OPENAPI_FILE = path.join(__dirname, '../../docs/openapi.yaml');

type Document = any;

export const loadOpenApi = (): Document => parse(readFileSync(OPENAPI_FILE, 'utf8'));

/**
 * The document uses local references only. (Swagger Parser, which checks the document itself, is ESM and runs
 * outside Jest's module loader: see openapi.test.ts.)
 */
export function dereference(doc: Document, node: unknown = doc, seen: string[] = []): Document {
  if (Array.isArray(node)) return node.map((item) => dereference(doc, item, seen));
  if (typeof node !== 'object' || node === null) return node;
  const ref = (node as { $ref?: unknown }).$ref;
  if (typeof ref === 'string') {
    if (!ref.startsWith('#/') || seen.includes(ref)) throw new Error(`unsupported or circular $ref ${ref}`);
    const target = ref
      .slice(2)
      .split('/')
      .reduce((at: Document, part) => at?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
    if (target === undefined) throw new Error(`$ref ${ref} points nowhere`);
    return dereference(doc, target, [...seen, ref]);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, dereference(doc, v, seen)]));
}

let dereferenced: Document | undefined;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validators = new Map<string, ValidateFunction>();

export async function assertDocumented(
  method: string,
  route: string,
  response: { status: number; body: unknown },
): Promise<void> {
  const doc = (dereferenced ??= dereference(loadOpenApi()));
  const operation = doc.paths[route]?.[method.toLowerCase()];
  if (!operation) throw new Error(`${method} ${route} is not in docs/openapi.yaml`);
  const documented = operation.responses[String(response.status)];
  if (!documented)
    throw new Error(`${method} ${route} answered ${response.status}, which docs/openapi.yaml does not list`);
  const schema = documented.content?.['application/json']?.schema;
  if (!schema) {
    if (response.body !== undefined)
      throw new Error(`${method} ${route} ${response.status} has a body the document does not describe`);
    return;
  }
  const key = `${method} ${route} ${response.status}`;
  let validate = validators.get(key);
  if (!validate) validators.set(key, (validate = ajv.compile(schema)));
  // What travels on the wire: undefined properties are not there.
  const wire = response.body === undefined ? undefined : JSON.parse(JSON.stringify(response.body));
  if (!validate(wire)) {
    throw new Error(
      `${key} does not match docs/openapi.yaml: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(wire, null, 2)}`,
    );
  }
}

export interface Call {
  method: 'GET' | 'POST';
  /** The route as the document names it, e.g. /conversations/{id}. */
  route: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: string | object;
  headers?: Record<string, string>;
}

export type Handler = (req: HttpRequest, ctx: InvocationContext) => Promise<HttpResponseInit>;

/** Calls a handler as the Functions host would, and holds its answer to the document. */
export async function call(
  handler: Handler,
  c: Call,
): Promise<{ status: number; body: unknown; headers: Record<string, string> }> {
  let urlPath = c.route;
  for (const [k, v] of Object.entries(c.params ?? {})) urlPath = urlPath.replace(`{${k}}`, encodeURIComponent(v));
  const url = new URL(`http://localhost:7071/api${urlPath}`);
  for (const [k, v] of Object.entries(c.query ?? {})) url.searchParams.set(k, v);
  const body =
    c.body === undefined ? undefined : { string: typeof c.body === 'string' ? c.body : JSON.stringify(c.body) };
  const request = new HttpRequest({
    method: c.method,
    url: url.toString(),
    params: c.params ?? {},
    headers: { 'content-type': 'application/json', ...c.headers },
    body,
  });
  const response = await handler(
    request,
    new InvocationContext({ invocationId: 'test', functionName: 'test', logHandler: auditedLogHandler() }),
  );
  const result = {
    status: response.status ?? 200,
    body: response.jsonBody,
    headers: (response.headers ?? {}) as Record<string, string>,
  };
  await assertDocumented(c.method, c.route, result);
  return result;
}
