import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { dereference, loadOpenApi } from '../support/openapi';

/**
 * docs/connector/ is the Power Platform custom connector (the layout of microsoft/PowerPlatformConnectors):
 * a Swagger 2.0 description of the public routes, held here to docs/openapi.yaml, which the code is held to.
 */
const ROOT = path.join(__dirname, '../..');
const DEFINITION_FILE = path.join(ROOT, 'docs/connector/apiDefinition.swagger.json');
const PROPERTIES_FILE = path.join(ROOT, 'docs/connector/apiProperties.json');

type Json = any;

const swagger: Json = JSON.parse(readFileSync(DEFINITION_FILE, 'utf8'));
const properties: Json = JSON.parse(readFileSync(PROPERTIES_FILE, 'utf8'));
const openapi: Json = loadOpenApi();
const resolvedSwagger: Json = dereference(swagger);
const resolvedOpenapi: Json = dereference(openapi);

/** What a connector user never calls: Telesign's and Dynamics' callbacks, the probe, the operator's tool. */
const INTERNAL = ['telesignCallback', 'dynamicsActivities', 'health', 'validateTelesign'];
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

const operations = (doc: Json): { path: string; method: string; op: Json }[] =>
  Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([p, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.includes(m))
      .map(([method, op]) => ({ path: p, method, op })),
  );

const publicOpenapiOperations = operations(resolvedOpenapi).filter(({ op }) => !INTERNAL.includes(op.operationId));
const swaggerOperation = (operationId: string): { path: string; method: string; op: Json } => {
  const found = operations(resolvedSwagger).find(({ op }) => op.operationId === operationId);
  if (!found) throw new Error(`${operationId} is not in the connector`);
  return found;
};

/** The parts of a schema both documents must agree on; descriptions, summaries and x-ms-* are the connector's. */
const COMPARED = [
  'type',
  'format',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'default',
  'additionalProperties',
] as const;

function shape(schema: Json): Json {
  if (schema === undefined) return undefined;
  if (Array.isArray(schema.oneOf)) return shape(flattenOneOf(schema.oneOf));
  const out: Json = {};
  for (const key of COMPARED) if (schema[key] !== undefined) out[key] = schema[key];
  if (Array.isArray(schema.required) && schema.required.length > 0) out.required = [...schema.required].sort();
  if (schema.properties)
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, shape(v)]));
  if (schema.items) out.items = shape(schema.items);
  return out;
}

/**
 * What a flattened body is to openapi.yaml's `oneOf`: every branch's properties (a name in two branches has one
 * shape), required only what every branch requires.
 */
function flattenOneOf(branches: Json[]): Json {
  const props: Record<string, Json> = {};
  for (const branch of branches) {
    for (const [name, schema] of Object.entries(branch.properties as Record<string, Json>)) {
      if (name in props && JSON.stringify(shape(props[name])) !== JSON.stringify(shape(schema)))
        throw new Error(`oneOf branches disagree on ${name}`);
      props[name] = schema;
    }
  }
  const required = branches
    .map((b) => (b.required ?? []) as string[])
    .reduce((common, r) => common.filter((name) => r.includes(name)));
  const additional = [...new Set(branches.map((b) => b.additionalProperties))];
  if (additional.length !== 1) throw new Error('oneOf branches disagree on additionalProperties');
  return { type: 'object', additionalProperties: additional[0], required, properties: props };
}

describe('docs/connector/apiDefinition.swagger.json', () => {
  it('is a valid Swagger 2.0 document', () => {
    // Swagger Parser is an ES module, which Jest's CommonJS loader cannot load; plain Node can.
    const script = `
      const SwaggerParser = require('@apidevtools/swagger-parser');
      const api = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
      SwaggerParser.validate(api).then((v) => console.log(JSON.stringify({ ok: true, swagger: v.swagger })), (e) => console.log(JSON.stringify({ ok: false, message: e.message })));
    `;
    const out = execFileSync(process.execPath, ['-e', script, DEFINITION_FILE], { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(out.trim())).toEqual({ ok: true, swagger: '2.0' });
  });

  it('points at an example host on /api over https, behind the function key', () => {
    // Swagger 2.0's host: a name and an optional port, no scheme, path or template (a `<placeholder>` is invalid).
    expect(swagger.host).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d+)?$/);
    expect(swagger.basePath).toBe(openapi.servers[0].url);
    expect(swagger.schemes).toEqual(['https']);
    expect(swagger.info.version).toBe(openapi.info.version);
    const [name, ...others] = Object.keys(swagger.securityDefinitions);
    expect(others).toEqual([]);
    const { type, in: where, name: header } = openapi.components.securitySchemes.functionKey;
    expect(swagger.securityDefinitions[name]).toEqual({ type, in: where, name: header });
    expect(swagger.security).toEqual([{ [name]: [] }]);
    // No operation opts out of the key: the anonymous routes are not in the connector.
    for (const { op } of operations(swagger)) expect(op.security).toBeUndefined();
  });

  it('has the public operations of docs/openapi.yaml, at the same paths and methods, and hides the internal ones', () => {
    const ids = operations(openapi).map(({ op }) => op.operationId as string);
    // A new route must be classified here, public or internal.
    for (const id of INTERNAL) expect(ids).toContain(id);
    expect(publicOpenapiOperations.map(({ op }) => op.operationId)).toEqual([
      'sendSms',
      'listConversations',
      'getConversation',
      'listConversationMessages',
      'assignConversation',
      'waitConversation',
      'closeConversation',
    ]);
    const visible = operations(swagger).filter(({ op }) => op['x-ms-visibility'] !== 'internal');
    const key = ({ path: p, method, op }: { path: string; method: string; op: Json }): string =>
      `${op.operationId} ${method} ${p}`;
    expect(visible.map(key).sort()).toEqual(publicOpenapiOperations.map(key).sort());
    // Anything internal that is present is hidden from the designer.
    const internalPaths = operations(openapi)
      .filter(({ op }) => INTERNAL.includes(op.operationId))
      .map(({ path: p }) => p);
    for (const { path: p, op } of operations(swagger))
      if (internalPaths.includes(p) || INTERNAL.includes(op.operationId))
        expect(op['x-ms-visibility']).toBe('internal');
  });

  it('names and describes every parameter and every schema property (x-ms-summary, description)', () => {
    const missing: string[] = [];
    const check = (where: string, node: Json): void => {
      for (const key of ['x-ms-summary', 'description'])
        if (typeof node[key] !== 'string' || node[key].trim() === '') missing.push(`${where}: ${key}`);
    };
    const visitSchema = (where: string, schema: Json): void => {
      if (!schema || typeof schema !== 'object' || schema.$ref) return;
      for (const [name, prop] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
        check(`${where}.${name}`, prop);
        visitSchema(`${where}.${name}`, prop);
      }
      if (schema.items) visitSchema(`${where}[]`, schema.items);
    };
    let parameters = 0;
    let schemaProperties = 0;
    for (const [name, schema] of Object.entries(swagger.definitions as Record<string, Json>)) {
      visitSchema(`definitions.${name}`, schema);
      schemaProperties += JSON.stringify(schema).split('"x-ms-summary"').length - 1;
    }
    for (const [name, param] of Object.entries((swagger.parameters ?? {}) as Record<string, Json>)) {
      check(`parameters.${name}`, param);
      visitSchema(`parameters.${name}`, param.schema);
    }
    for (const { path: p, method, op } of operations(swagger)) {
      for (const param of op.parameters ?? []) {
        parameters += 1;
        check(`${method} ${p} ${param.name}`, param);
        visitSchema(`${method} ${p} ${param.name}`, param.schema);
      }
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>))
        visitSchema(`${method} ${p} ${status}`, response.schema);
    }
    expect(missing).toEqual([]);
    expect(parameters).toBeGreaterThanOrEqual(15);
    expect(schemaProperties).toBeGreaterThanOrEqual(80);
  });

  it('has no oneOf, anyOf or allOf anywhere: the designer shows such a body as an empty object', () => {
    const found: string[] = [];
    const walk = (node: Json, at: string): void => {
      if (!node || typeof node !== 'object') return;
      for (const [k, v] of Object.entries(node)) {
        if (['oneOf', 'anyOf', 'allOf'].includes(k)) found.push(`${at}.${k}`);
        walk(v, `${at}.${k}`);
      }
    };
    walk(swagger, '$');
    expect(found).toEqual([]);
  });

  it('sends a flattened body: conversationId, or to and from; text; maxSegments; and the Idempotency-Key header', () => {
    const { op } = swaggerOperation('sendSms');
    const body = op.parameters.find((p: Json) => p.in === 'body');
    expect(body.required).toBe(true);
    expect(body.schema.type).toBe('object');
    expect(Object.keys(body.schema.properties).sort()).toEqual(
      ['conversationId', 'from', 'maxSegments', 'text', 'to'].sort(),
    );
    expect(body.schema.required).toEqual(['text']);
    expect(op.parameters.find((p: Json) => p.name === 'Idempotency-Key')).toMatchObject({
      in: 'header',
      required: false,
      type: 'string',
    });
  });

  describe.each(publicOpenapiOperations.map(({ op }) => [op.operationId as string, op] as const))(
    '%s, held to docs/openapi.yaml',
    (operationId, documented) => {
      const { op } = swaggerOperation(operationId);

      it('has the same query, path and header parameters', () => {
        const ours = (op.parameters ?? [])
          .filter((p: Json) => p.in !== 'body')
          .map((p: Json) => ({ name: p.name, in: p.in, required: p.required === true, shape: shape(p) }));
        const theirs = (documented.parameters ?? []).map((p: Json) => ({
          name: p.name,
          in: p.in,
          required: p.required === true,
          shape: shape(p.schema),
        }));
        expect(ours).toEqual(theirs);
      });

      it('has the same body: required fields, property names and types', () => {
        const ours = (op.parameters ?? []).filter((p: Json) => p.in === 'body');
        const schema = documented.requestBody?.content?.['application/json']?.schema;
        if (!schema || (!schema.properties && !schema.oneOf)) {
          // Nothing to send (wait's body is an empty object): the connector sends none.
          expect(ours).toEqual([]);
          return;
        }
        expect(ours).toHaveLength(1);
        expect(ours[0].required === true).toBe(documented.requestBody.required === true);
        expect(shape(ours[0].schema)).toEqual(shape(schema));
      });

      it('answers the same status codes, with the same bodies and headers', () => {
        expect(Object.keys(op.responses).sort()).toEqual(Object.keys(documented.responses).sort());
        for (const [status, response] of Object.entries(documented.responses as Record<string, Json>)) {
          const ours = op.responses[status];
          expect({ status, shape: shape(ours.schema) }).toEqual({
            status,
            shape: shape(response.content?.['application/json']?.schema),
          });
          expect({ status, headers: Object.keys(ours.headers ?? {}).sort() }).toEqual({
            status,
            headers: Object.keys(response.headers ?? {}).sort(),
          });
        }
      });
    },
  );
});

describe('docs/connector/apiProperties.json', () => {
  it('asks the connection for the function key as a secure string, under the security definition', () => {
    const [name] = Object.keys(swagger.securityDefinitions);
    expect(Object.keys(properties.properties.connectionParameters)).toEqual([name]);
    expect(properties.properties.connectionParameters[name]).toMatchObject({
      type: 'securestring',
      uiDefinition: { displayName: expect.any(String), constraints: { required: 'true', clearText: false } },
    });
  });

  it('has the fields the connectors repository expects', () => {
    expect(properties.properties).toMatchObject({
      iconBrandColor: expect.stringMatching(/^#[0-9a-f]{6}$/i),
      capabilities: [],
      publisher: expect.any(String),
      stackOwner: expect.any(String),
    });
  });

  it('is what docs/dynamics.md tells an administrator to import, and names the example host to replace', () => {
    const guide = readFileSync(path.join(ROOT, 'docs/dynamics.md'), 'utf8');
    expect(guide).toContain('docs/connector/apiDefinition.swagger.json');
    expect(guide).toContain(swagger.host);
  });
});
