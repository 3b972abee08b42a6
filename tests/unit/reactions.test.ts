import type { ChannelEvent } from '../../shared/domain/channelEvents';
import { observing, type Reaction, runReactions } from '../../shared/services/reactions';
import { auditedLogger } from '../support/capturingLogger';

const event = { type: 'conversation.started', id: 'ce-1' } as ChannelEvent;
const context = { logger: auditedLogger };

function recording(name: string, calls: string[], fail?: Error): Reaction {
  return {
    name,
    async react(events) {
      calls.push(`${name}:${events.map((e) => e.id).join(',')}`);
      if (fail) throw fail;
    },
  };
}

describe('runReactions', () => {
  it('hands the events to each reaction, in order', async () => {
    const calls: string[] = [];
    await runReactions([recording('first', calls), recording('second', calls)])([event], context);
    expect(calls).toEqual(['first:ce-1', 'second:ce-1']);
  });

  it('does not call a reaction for a change that produced no event', async () => {
    const calls: string[] = [];
    await runReactions([recording('first', calls)])([], context);
    expect(calls).toEqual([]);
  });

  it('runs the later reactions when one fails, then throws its error as it is', async () => {
    const calls: string[] = [];
    const boom = new Error('boom');
    const run = runReactions([recording('first', calls, boom), recording('second', calls)]);
    await expect(run([event], context)).rejects.toBe(boom);
    expect(calls).toEqual(['first:ce-1', 'second:ce-1']);
  });

  it('throws every failure, naming the reactions, when several fail', async () => {
    const calls: string[] = [];
    const run = runReactions([recording('first', calls, new Error('a')), recording('second', calls, new Error('b'))]);
    const error = await run([event], context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(['a', 'b']);
    expect((error as Error).message).toMatch(/first, second/);
  });
});

describe('observing', () => {
  it('sees the events after the reactions, and what it throws changes nothing', async () => {
    const calls: string[] = [];
    const watcher = observing((events) => {
      calls.push(`observe:${events.map((e) => e.id).join(',')}`);
      throw new Error('a broken watcher');
    });
    await expect(runReactions([recording('first', calls), watcher])([event], context)).resolves.toBeUndefined();
    expect(calls).toEqual(['first:ce-1', 'observe:ce-1']);
  });
});
