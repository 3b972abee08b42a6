import {
  consentChangedEventSchema,
  conversationStartedEventSchema,
  conversationStateChangedEventSchema,
  messageReceivedEventSchema,
  messageSentEventSchema,
} from '../../shared/domain/channelEvents';
import { conversationStates } from '../../shared/domain/conversationState';
import { messageStatuses } from '../../shared/domain/deliveryStatus';
import { messageOrigins } from '../../shared/domain/thread';
import { webhookEventTypes } from '../../shared/domain/webhookEventTypes';
import { webhookPayloadOf } from '../../shared/domain/webhookPayload';
import { base, customer, event, support } from '../support/channelEventFixtures';
import {
  documentedExamples,
  documentedSchemas,
  expectValidDelivery,
  webhookSchemaValidator,
} from '../support/webhookSchemas';

const shortCode = { digits: '55555', e164: '55555' };

const message = { segments: 1, encoding: 'GSM-7' };

const received = {
  type: 'message.received',
  messageId: 'T1abcdefghijklmnopqrst.2.1',
  text: 'STOP',
  ...message,
  inboundEventId: 'mo-1',
  referenceId: 'REF1',
  from: customer,
  to: support,
  telesignTimestamp: '2026-12-07T09:59:59Z',
  startedConversation: true,
  consent: { kind: 'opt_out', keyword: 'STOP' },
};

const sent = {
  type: 'message.sent',
  messageId: 'T1abcdefghijklmnopqrst.2.2',
  text: 'You are unsubscribed.',
  ...message,
  from: support,
  to: customer,
  idempotencyKey: 'auto-reply:mo-1:opt_out',
  origin: 'auto_reply',
  status: 'sent',
  referenceId: 'REF2',
  code: 290,
  description: 'Message in progress',
};

const statusChanged = {
  type: 'message.status_changed',
  messageId: 'T1abcdefghijklmnopqrst.2.2',
  referenceId: 'REF2',
  from: 'sent',
  to: 'delivered',
  code: 200,
  description: 'Delivered to handset',
  reportEventId: 'dr-9',
};

const started = {
  type: 'conversation.started',
  cause: 'inbound',
  state: 'open',
  queue: 'billing',
  priority: 2,
  rule: 'billing-words',
  previousConversationId: 'T1abcdefghijklmnopqrst.1',
  customer,
  supportNumber: support,
};

const stateChanged = {
  type: 'conversation.state_changed',
  cause: 'close',
  from: 'active',
  to: 'closed',
  agentId: 'agent-7',
  previousAgentId: 'agent-3',
  closeReason: 'resolved',
  queue: 'billing',
};

const consent = {
  type: 'consent.changed',
  customer,
  state: 'opted_out',
  keyword: 'STOP',
  inboundEventId: 'mo-1',
};

const without = (fields: Record<string, unknown>, ...keys: string[]) =>
  Object.fromEntries(Object.entries(fields).filter(([k]) => !keys.includes(k)));

/** Every type, with every optional field present and absent, every enum value, both directions of a number. */
const variants: [string, Record<string, unknown>][] = [
  ['received, every field', received],
  ['received, no reference id, no keyword', { ...without(received, 'referenceId'), consent: { kind: 'none' } }],
  ['received, UCS-2, continuing a conversation', { ...received, encoding: 'UCS-2', text: 'Ça 👍', segments: 2 }],
  ...messageReceivedEventSchema.shape.consent.shape.kind.options.map((kind): [string, Record<string, unknown>] => [
    `received, consent ${kind}`,
    { ...received, consent: { kind } },
  ]),
  ['received, to a short code', { ...received, to: shortCode, startedConversation: false }],
  ['received, empty text, no segments', { ...received, text: '', segments: 0 }],
  ['sent, every field', sent],
  ['sent through the API (no origin on the event)', without(sent, 'origin', 'idempotencyKey', 'code', 'description')],
  ...messageOrigins.map((origin): [string, Record<string, unknown>] => [`sent, origin ${origin}`, { ...sent, origin }]),
  [
    'sent, failed',
    {
      ...without(sent, 'referenceId', 'code', 'description'),
      status: 'failed',
      failure: { code: 'telesign_rejected', reason: 'Invalid destination' },
    },
  ],
  ['sent, unknown', { ...without(sent, 'referenceId', 'code', 'description'), status: 'unknown' }],
  ['status changed, every field', statusChanged],
  ['status changed, bare', without(statusChanged, 'referenceId', 'code', 'description', 'reportEventId')],
  ...messageStatuses.map((status): [string, Record<string, unknown>] => [
    `status changed to ${status}`,
    { ...statusChanged, from: status === 'queued' ? 'queued' : 'sent', to: status },
  ]),
  ['started, every field', started],
  ['started, bare', without(started, 'rule', 'previousConversationId')],
  ...conversationStartedEventSchema.shape.cause.options.map((cause): [string, Record<string, unknown>] => [
    `started by ${cause}`,
    { ...started, cause, supportNumber: shortCode },
  ]),
  ...conversationStates.map((state): [string, Record<string, unknown>] => [
    `started ${state}`,
    { ...started, state, priority: 0.5 },
  ]),
  ['state changed, every field', stateChanged],
  ['state changed, bare', without(stateChanged, 'agentId', 'previousAgentId', 'closeReason')],
  ...conversationStateChangedEventSchema.shape.cause.options.map((cause): [string, Record<string, unknown>] => [
    `state changed by ${cause}`,
    { ...stateChanged, cause },
  ]),
  ...conversationStates.map((state): [string, Record<string, unknown>] => [
    `state changed to ${state}`,
    { ...without(stateChanged, 'closeReason'), from: 'open', to: state },
  ]),
  ...consentChangedEventSchema.shape.state.options.map((state): [string, Record<string, unknown>] => [
    `consent ${state}`,
    { ...consent, state, keyword: state === 'opted_in' ? 'START' : 'STOP' },
  ]),
];

const payloads = variants.map(([name, fields]) => {
  const payload = webhookPayloadOf(event(fields));
  if (!payload) throw new Error(`${name}: no payload`);
  return [name, payload] as const;
});

const validator = webhookSchemaValidator();
const schemas = documentedSchemas();
const schemaOf = (type: string) => schemas.find((s) => s.type === type)!.schema as any;
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));
const validReceived = () => clone(payloads[0][1]) as any;

describe('docs/webhooks.md schemas', () => {
  it('has exactly one schema per webhook event type, and none for another type', () => {
    const types = schemas.map((s) => s.type);
    expect([...types].sort()).toEqual([...webhookEventTypes].sort());
    expect(new Set(types).size).toBe(types.length);
    expect([...validator.types].sort()).toEqual([...webhookEventTypes].sort());
  });

  it.each(schemas.map((s) => [s.type, s] as const))(
    '%s is draft 2020-12 and allows no field it does not list, at any depth',
    (type, { schema }) => {
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect((schema as any).properties.type).toEqual({ const: type });
      const objects: unknown[] = [];
      const walk = (node: unknown): void => {
        if (Array.isArray(node)) return node.forEach(walk);
        if (typeof node !== 'object' || node === null) return;
        const n = node as Record<string, unknown>;
        if (n.type === 'object') objects.push(n);
        Object.values(n).forEach(walk);
      };
      walk(schema);
      expect(objects.length).toBeGreaterThanOrEqual(2);
      for (const object of objects) expect(object).toMatchObject({ additionalProperties: false });
    },
  );

  it.each(payloads)('validates the payload of %s', (_, payload) => {
    expect(validator.validate(payload)).toEqual([]);
    // As it is sent: the JSON text fanned out once and signed byte for byte.
    expect(validator.validate(JSON.stringify(payload))).toEqual([]);
    expect(() => expectValidDelivery(JSON.stringify(payload))).not.toThrow();
  });

  it.each([...webhookEventTypes])(
    '%s requires exactly the fields always present, and lists exactly the fields ever present',
    (type) => {
      const datas = payloads.filter(([, p]) => p.type === type).map(([, p]) => p.data);
      const everPresent = new Set(datas.flatMap((d) => Object.keys(d)));
      const alwaysPresent = [...everPresent].filter((key) => datas.every((d) => key in d));
      const data = schemaOf(type).properties.data;
      expect(Object.keys(data.properties).sort()).toEqual([...everPresent].sort());
      expect([...data.required].sort()).toEqual(alwaysPresent.sort());
      expect(schemaOf(type).required.sort()).toEqual(['data', 'timestamp', 'type']);
    },
  );

  it('takes its enums from the domain', () => {
    const data = (type: string) => schemaOf(type).properties.data.properties;
    expect(data('message.received').encoding.enum).toEqual(messageReceivedEventSchema.shape.encoding.options);
    expect(data('message.sent').encoding.enum).toEqual(messageSentEventSchema.shape.encoding.options);
    expect(data('message.received').consent.properties.kind.enum).toEqual(
      messageReceivedEventSchema.shape.consent.shape.kind.options,
    );
    expect(data('message.sent').origin.enum).toEqual([...messageOrigins]);
    expect(data('message.sent').status.enum).toEqual(messageSentEventSchema.shape.status.options);
    expect(data('message.status_changed').previousStatus.enum).toEqual([...messageStatuses]);
    expect(data('message.status_changed').status.enum).toEqual([...messageStatuses]);
    expect(data('conversation.started').cause.enum).toEqual(conversationStartedEventSchema.shape.cause.options);
    expect(data('conversation.started').state.enum).toEqual([...conversationStates]);
    expect(data('conversation.state_changed').cause.enum).toEqual(
      conversationStateChangedEventSchema.shape.cause.options,
    );
    expect(data('conversation.state_changed').previousState.enum).toEqual([...conversationStates]);
    expect(data('conversation.state_changed').state.enum).toEqual([...conversationStates]);
    expect(data('consent.changed').consent.enum).toEqual(consentChangedEventSchema.shape.state.options);
  });

  describe('refuses', () => {
    it('an extra field in the envelope, in data, or in a number', () => {
      const envelope = { ...validReceived(), id: base.id };
      expect(validator.validate(envelope)).toEqual(['(body) has a field the schema does not allow: id']);
      const inData = validReceived();
      inData.data.account = base.account;
      expect(validator.validate(inData)).toEqual(['/data has a field the schema does not allow: account']);
      const inNumber = validReceived();
      inNumber.data.from.national = '(555) 555-0100';
      expect(validator.validate(inNumber)).toEqual(['/data/from has a field the schema does not allow: national']);
      const inConsent = validReceived();
      inConsent.data.consent.at = base.at;
      expect(validator.validate(inConsent)).toEqual(['/data/consent has a field the schema does not allow: at']);
    });

    it('a missing required field', () => {
      const noMessageId = validReceived();
      delete noMessageId.data.messageId;
      expect(validator.validate(noMessageId)).toEqual(['/data lacks the required field messageId']);
      const noTimestamp = validReceived();
      delete noTimestamp.timestamp;
      expect(validator.validate(noTimestamp)).toEqual(['(body) lacks the required field timestamp']);
      const noE164 = validReceived();
      delete noE164.data.to.e164;
      expect(validator.validate(noE164)).toEqual(['/data/to lacks the required field e164']);
      const consentChange = clone(payloads.find(([, p]) => p.type === 'consent.changed')![1]) as any;
      delete consentChange.data.keyword;
      expect(validator.validate(consentChange)).toEqual(['/data lacks the required field keyword']);
    });

    it('a value outside an enum, a wrong type, a bad timestamp', () => {
      const status = clone(payloads.find(([, p]) => p.type === 'message.status_changed')![1]) as any;
      status.data.status = 'read';
      expect(validator.validate(status)).toEqual([
        '/data/status must be equal to one of the allowed values: ["queued","sent","delivered","failed","expired","unknown"]',
      ]);
      const state = clone(payloads.find(([, p]) => p.type === 'conversation.state_changed')![1]) as any;
      state.data.previousState = 'pending';
      expect(validator.validate(state)).toHaveLength(1);
      const kind = validReceived();
      kind.data.consent.kind = 'stop';
      expect(validator.validate(kind)).toHaveLength(1);
      const segments = validReceived();
      segments.data.segments = '1';
      expect(validator.validate(segments)).toEqual(['/data/segments must be integer']);
      const timestamp = validReceived();
      timestamp.timestamp = 'yesterday';
      expect(validator.validate(timestamp)).toEqual(['/timestamp must match format "date-time"']);
    });

    it('a body of another type, no type, or not JSON', () => {
      expect(validator.validate({ ...validReceived(), type: 'thread.archived' })).toEqual([
        'docs/webhooks.md has no schema for the type "thread.archived"',
      ]);
      expect(validator.validate({ timestamp: base.at, data: {} })).toEqual(['the body has no string "type"']);
      expect(validator.validate('{"type":')).toEqual(['the body is not JSON']);
      expect(validator.validate('[]')).toEqual(['the body is not a JSON object']);
    });

    it('with a readable error from expectValidDelivery', () => {
      const bad = validReceived();
      bad.data.account = base.account;
      delete bad.data.text;
      expect(() => expectValidDelivery(bad)).toThrow(
        /does not match its schema in docs\/webhooks\.md:\n {2}- \/data lacks the required field text\n {2}- \/data has a field the schema does not allow: account\nbody: \{/,
      );
    });
  });

  it('has one example per event type, each valid against its schema', () => {
    const examples = documentedExamples();
    const types = examples.map(({ body }) => (body as { type?: string }).type);
    expect([...types].sort()).toEqual([...webhookEventTypes].sort());
    for (const { body, line } of examples)
      expect({ line, problems: validator.validate(body) }).toEqual({ line, problems: [] });
  });

  it('the examples are payloads the code could have built: no field the code never sets', () => {
    for (const { body } of documentedExamples()) {
      const { type, data } = body as { type: string; data: Record<string, unknown> };
      const everPresent = new Set(payloads.filter(([, p]) => p.type === type).flatMap(([, p]) => Object.keys(p.data)));
      expect(Object.keys(data).filter((k) => !everPresent.has(k))).toEqual([]);
    }
  });
});
