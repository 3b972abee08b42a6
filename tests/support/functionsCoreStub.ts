/**
 * Stands in for `@azure/functions-core`, the module the Functions worker injects at run time, so that tests can
 * see what each function file registers. Use it with
 * `jest.mock('@azure/functions-core', () => require('../support/functionsCoreStub'), { virtual: true })`.
 */
export interface RegisteredFunction {
  name: string;
  bindings: Record<string, Record<string, unknown>>;
  handler: (...args: unknown[]) => unknown;
}

export const registered: RegisteredFunction[] = [];

export function registerFunction(
  metadata: { name: string; bindings: RegisteredFunction['bindings'] },
  handler: RegisteredFunction['handler'],
) {
  registered.push({ name: metadata.name, bindings: metadata.bindings, handler });
  return { dispose() {} };
}

export function setProgrammingModel() {}
export function registerHook() {
  return { dispose() {} };
}
export function log() {}

export function triggerOf(name: string): Record<string, unknown> {
  const fn = registered.find((f) => f.name === name);
  if (!fn) throw new Error(`function ${name} was not registered`);
  const trigger = Object.values(fn.bindings).find((b) => b.direction === 'in' && String(b.type).endsWith('Trigger'));
  if (!trigger) throw new Error(`function ${name} has no trigger`);
  return trigger;
}
