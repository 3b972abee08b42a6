import { readFileSync } from 'node:fs';
import path from 'node:path';

import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * docs/webhooks.md as the tests hold the deliveries to it. Its JSON Schemas are the fenced blocks whose info string
 * is exactly `json schema=<event type>`; every other block whose info string is exactly `json` is an example payload
 * and must validate against its type's schema (other JSON, such as settings, is fenced as `jsonc` or plain).
 */
export const WEBHOOKS_DOC = path.join(__dirname, '..', '..', 'docs', 'webhooks.md');

export interface FencedBlock {
  /** The info string after the backticks, trimmed. */
  info: string;
  text: string;
  /** 1-based line of the opening fence, for messages. */
  line: number;
}

/** The fenced code blocks of a markdown text (``` fences only, which is all the doc uses). */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const lines = markdown.split(/\r?\n/);
  let open: { info: string; line: number; fence: string; body: string[] } | undefined;
  lines.forEach((line, index) => {
    if (!open) {
      const start = /^ {0,3}(`{3,})(.*)$/.exec(line);
      if (start) open = { fence: start[1], info: start[2].trim(), line: index + 1, body: [] };
      return;
    }
    const close = /^ {0,3}(`{3,})\s*$/.exec(line);
    if (close && close[1].length >= open.fence.length) {
      blocks.push({ info: open.info, text: open.body.join('\n'), line: open.line });
      open = undefined;
    } else {
      open.body.push(line);
    }
  });
  if (open) throw new Error(`${WEBHOOKS_DOC}: the block opened on line ${open.line} is never closed`);
  return blocks;
}

const SCHEMA_INFO = /^json schema=(\S+)$/;

function parseBlock(block: FencedBlock, what: string): unknown {
  try {
    return JSON.parse(block.text);
  } catch (error) {
    throw new Error(`docs/webhooks.md line ${block.line}: the ${what} is not JSON: ${(error as Error).message}`);
  }
}

export interface DocumentedSchema {
  type: string;
  schema: Record<string, unknown>;
  line: number;
}

export const readWebhooksDoc = (): string => readFileSync(WEBHOOKS_DOC, 'utf8');

/** Every schema block, in the order of the doc; a type given twice is listed twice (the test refuses that). */
export function documentedSchemas(markdown = readWebhooksDoc()): DocumentedSchema[] {
  return fencedBlocks(markdown).flatMap((block) => {
    const match = SCHEMA_INFO.exec(block.info);
    if (!match) return [];
    const schema = parseBlock(block, `schema of ${match[1]}`);
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw new Error(`docs/webhooks.md line ${block.line}: the schema of ${match[1]} is not a JSON object`);
    }
    return [{ type: match[1], schema: schema as Record<string, unknown>, line: block.line }];
  });
}

/** The example payloads: every block fenced exactly as `json`. */
export function documentedExamples(markdown = readWebhooksDoc()): { body: unknown; line: number }[] {
  return fencedBlocks(markdown)
    .filter((block) => block.info === 'json')
    .map((block) => ({ body: parseBlock(block, 'example'), line: block.line }));
}

export interface WebhookSchemaValidator {
  /** The event types the doc has a schema for, in its order. */
  types: string[];
  /** The problems with a delivery body (an object, or the JSON text as sent); [] when it is valid. */
  validate(body: unknown): string[];
}

function describe(error: ErrorObject): string {
  const at = error.instancePath || '(body)';
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties')
    return `${at} has a field the schema does not allow: ${params.additionalProperty}`;
  if (error.keyword === 'required') return `${at} lacks the required field ${params.missingProperty}`;
  if (error.keyword === 'enum') return `${at} ${error.message}: ${JSON.stringify(params.allowedValues)}`;
  if (error.keyword === 'const') return `${at} ${error.message}: ${JSON.stringify(params.allowedValue)}`;
  return `${at} ${error.message}`;
}

/**
 * Compiles the doc's schemas once (ajv's draft 2020-12 dialect, strict, with formats) and validates bodies by their
 * `type`. Throws when a schema does not compile, or when two blocks claim one type.
 */
export function webhookSchemaValidator(markdown = readWebhooksDoc()): WebhookSchemaValidator {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  const validators = new Map<string, ValidateFunction>();
  for (const { type, schema, line } of documentedSchemas(markdown)) {
    if (validators.has(type)) throw new Error(`docs/webhooks.md line ${line}: a second schema for ${type}`);
    try {
      validators.set(type, ajv.compile(schema));
    } catch (error) {
      throw new Error(
        `docs/webhooks.md line ${line}: the schema of ${type} does not compile: ${(error as Error).message}`,
      );
    }
  }
  return {
    types: [...validators.keys()],
    validate(body) {
      let value = body;
      if (typeof body === 'string') {
        try {
          value = JSON.parse(body);
        } catch {
          return ['the body is not JSON'];
        }
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['the body is not a JSON object'];
      const type = (value as { type?: unknown }).type;
      if (typeof type !== 'string') return ['the body has no string "type"'];
      const validator = validators.get(type);
      if (!validator) return [`docs/webhooks.md has no schema for the type "${type}"`];
      return validator(value) ? [] : (validator.errors ?? []).map(describe);
    },
  };
}

let shared: WebhookSchemaValidator | undefined;

/** Throws, listing every problem, unless the body is a valid delivery per docs/webhooks.md. */
export function expectValidDelivery(body: unknown): void {
  const problems = (shared ??= webhookSchemaValidator()).validate(body);
  if (problems.length === 0) return;
  const shown = typeof body === 'string' ? body : JSON.stringify(body);
  throw new Error(
    `The webhook delivery does not match its schema in docs/webhooks.md:\n` +
      problems.map((p) => `  - ${p}`).join('\n') +
      `\nbody: ${shown.length > 2000 ? `${shown.slice(0, 2000)}…` : shown}`,
  );
}
