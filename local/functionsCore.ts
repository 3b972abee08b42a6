/**
 * The local stand-in for `@azure/functions-core`, the module the Azure Functions worker injects. With it,
 * `@azure/functions` hands the local host exactly what it would hand Azure: each function's bindings and its
 * handler. The function files are therefore the one place routes and triggers are declared.
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

const registry: RegisteredFunction[] = [];

export const coreApi = {
  registerFunction(
    metadata: { name: string; bindings: Record<string, Binding> },
    handler: RegisteredFunction['handler'],
  ) {
    if (!registry.some((f) => f.name === metadata.name))
      registry.push({ name: metadata.name, bindings: metadata.bindings, handler });
    return { dispose() {} };
  },
  setProgrammingModel() {},
  registerHook() {
    return { dispose() {} };
  },
  log() {},
  registered(): readonly RegisteredFunction[] {
    return registry;
  },
};

export function triggerOf(fn: RegisteredFunction): Binding {
  const trigger = Object.values(fn.bindings).find((b) => b.direction === 'in' && b.type.endsWith('Trigger'));
  if (!trigger) throw new Error(`function ${fn.name} has no trigger`);
  return trigger;
}
