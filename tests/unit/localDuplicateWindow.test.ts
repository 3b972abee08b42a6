import { readFileSync } from 'node:fs';
import path from 'node:path';

import { queueSettings, topicSettings } from '../../local/broker/options';
import { brokerEntities } from '../../local/brokerEntities';
import type { ServiceBusFunction } from '../../local/loadFunctions';
import { LOCAL_DUPLICATE_WINDOW_SECONDS, localDefaults, localDuplicateWindowMs } from '../../local/localSettings';

const root = path.resolve(__dirname, '..', '..');
const handler = async () => undefined;
const functions = [
  { name: 'routeInbound', connection: 'ServiceBusConnection', handler, queueName: '%INBOUND_QUEUE_NAME%' },
  {
    name: 'relayToDynamics',
    connection: 'ServiceBusConnection',
    handler,
    topicName: '%CHANNEL_EVENTS_TOPIC%',
    subscriptionName: 'dynamics',
  },
] as ServiceBusFunction[];
const env = { INBOUND_QUEUE_NAME: 'sms-inbound', CHANNEL_EVENTS_TOPIC: 'channel-events' };

describe('LOCAL_DUPLICATE_WINDOW_SECONDS', () => {
  it('is documented and empty by default: the broker keeps its own window', () => {
    expect(localDefaults).toHaveProperty(LOCAL_DUPLICATE_WINDOW_SECONDS, '');
    expect(readFileSync(path.join(root, 'README.md'), 'utf8')).toContain(`| \`${LOCAL_DUPLICATE_WINDOW_SECONDS}\` |`);
    const sample = JSON.parse(readFileSync(path.join(root, 'local.settings.sample.json'), 'utf8')).Values;
    expect(sample).toHaveProperty(LOCAL_DUPLICATE_WINDOW_SECONDS, '');
    expect(localDuplicateWindowMs(localDefaults)).toBeUndefined();
    expect(localDuplicateWindowMs({ [LOCAL_DUPLICATE_WINDOW_SECONDS]: ' ' })).toBeUndefined();
  });

  it('gives the window in seconds, fractions too', () => {
    expect(localDuplicateWindowMs({ [LOCAL_DUPLICATE_WINDOW_SECONDS]: '3600' })).toBe(3_600_000);
    expect(localDuplicateWindowMs({ [LOCAL_DUPLICATE_WINDOW_SECONDS]: '0.5' })).toBe(500);
    expect(localDuplicateWindowMs({ [LOCAL_DUPLICATE_WINDOW_SECONDS]: '604800' })).toBe(604_800_000);
  });

  it.each(['0', '-1', 'PT1H', '604801', 'Infinity'])('refuses %s, naming the setting', (value) => {
    expect(() => localDuplicateWindowMs({ [LOCAL_DUPLICATE_WINDOW_SECONDS]: value })).toThrow(
      /Setting LOCAL_DUPLICATE_WINDOW_SECONDS is invalid/,
    );
  });
});

describe('the broker entities with a duplicate-detection window', () => {
  it('put it on every queue and topic, where the broker applies it', () => {
    const entities = brokerEntities(functions, env, 10, 1500);
    expect(entities).toEqual({
      queues: [{ name: 'sms-inbound', requiresSession: true, maxDeliveryCount: 10, duplicateDetectionWindowMs: 1500 }],
      topics: [
        {
          name: 'channel-events',
          duplicateDetectionWindowMs: 1500,
          subscriptions: [{ name: 'dynamics', requiresSession: true, maxDeliveryCount: 10 }],
        },
      ],
    });
    expect(queueSettings(entities.queues[0]).entrance.duplicateDetectionWindowMs).toBe(1500);
    expect(topicSettings(entities.topics[0]).entrance.duplicateDetectionWindowMs).toBe(1500);
  });

  it('leave the broker its default (10 minutes) when none is given', () => {
    const entities = brokerEntities(functions, env, 10);
    expect(entities.queues[0]).not.toHaveProperty('duplicateDetectionWindowMs');
    expect(entities.topics[0]).not.toHaveProperty('duplicateDetectionWindowMs');
    expect(queueSettings(entities.queues[0]).entrance.duplicateDetectionWindowMs).toBe(600_000);
    expect(topicSettings(entities.topics[0]).entrance.duplicateDetectionWindowMs).toBe(600_000);
  });
});
