/**
 * The local stand-in for `@azure/functions-core`, the module the Azure Functions worker injects. With it,
 * `@azure/functions` hands the local host exactly what it would hand Azure: each function's bindings and its
 * handler. The function files are therefore the one place routes and triggers are declared.
 * The local host provides it through `loadFunctions`; tests through
 * `jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true })`.
 */
export interface Binding {
  type: string;
  direction: string;
  [key: string]: unknown;
}

export interface RegisteredFunction {
  name: string;
  bindings: Record<string, Binding>;
  handler: (...args: unknown[]) => unknown;
}

/** Every registration, in order, duplicates included: as the worker, this module refuses nothing. */
export const registered: RegisteredFunction[] = [];

export function registerFunction(
  metadata: { name: string; bindings: Record<string, Binding> },
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

/** The trigger binding of the function registered under `name`. */
export function triggerOf(name: string): Binding {
  const fn = registered.find((f) => f.name === name);
  if (!fn) throw new Error(`function ${name} was not registered`);
  const trigger = Object.values(fn.bindings).find((b) => b.direction === 'in' && String(b.type).endsWith('Trigger'));
  if (!trigger) throw new Error(`function ${name} has no trigger`);
  return trigger;
}
