jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { registered, type RegisteredFunction, triggerOf } from '../../local/functionsCore';

/**
 * One function per file at the top of functions/: the file, the registered function and its exported handler
 * share one name, so that a name in a log line, a route or a stack trace leads to one file.
 */
const dir = path.join(__dirname, '../../functions');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
const loaded = new Map<string, { registrations: RegisteredFunction[]; exports: Record<string, unknown> }>();

beforeAll(async () => {
  for (const file of files) {
    const before = registered.length;
    const exports = (await import(path.join(dir, file))) as Record<string, unknown>;
    loaded.set(file, { registrations: registered.slice(before), exports });
  }
});

describe('the function files', () => {
  it('are there', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it.each(files)('%s registers exactly one function, named as the file', (file) => {
    const name = file.replace(/\.ts$/, '');
    expect(loaded.get(file)!.registrations.map((f) => f.name)).toEqual([name]);
    expect(registered.filter((f) => f.name === name)).toHaveLength(1);
  });

  it.each(files)('%s exports an async function of that name as its handler', (file) => {
    const name = file.replace(/\.ts$/, '');
    const handler = loaded.get(file)!.exports[name];
    expect(typeof handler).toBe('function');
    expect((handler as () => unknown).constructor.name).toBe('AsyncFunction');
  });

  it.each(files)('%s registers an HTTP handler through guarded(), any other as it is', (file) => {
    const name = file.replace(/\.ts$/, '');
    const exported = loaded.get(file)!.exports[name];
    const [registration] = loaded.get(file)!.registrations;
    const source = readFileSync(path.join(dir, file), 'utf8');
    if (triggerOf(name).type === 'httpTrigger') {
      expect(source).toContain(`handler: guarded(${name}),`);
      expect(registration.handler).not.toBe(exported);
    } else {
      expect(source).toContain(`handler: ${name},`);
      expect(registration.handler).toBe(exported);
    }
  });
});
