import { readdirSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';

import { coreApi, type RegisteredFunction, triggerOf } from './functionsCore';

export interface HttpFunction {
  name: string;
  methods: string[];
  authLevel: 'anonymous' | 'function' | 'admin';
  route: string;
  handler: RegisteredFunction['handler'];
}

export interface QueueFunction {
  name: string;
  queueName: string;
  connection: string;
  handler: RegisteredFunction['handler'];
}

export interface LoadedFunctions {
  http: HttpFunction[];
  serviceBus: QueueFunction[];
  others: string[];
}

let hooked = false;

/** Makes `require('@azure/functions-core')` return the local stand-in, as the worker would inject its own. */
function provideCoreModule() {
  if (hooked) return;
  hooked = true;
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = function (request: string, ...rest: unknown[]) {
    return request === '@azure/functions-core' ? coreApi : original.call(this, request, ...rest);
  };
}

/** Loads every function file, as the worker does with package.json's `main` glob, and reads what they registered. */
export function loadFunctions(functionsDir = path.join(__dirname, '..', 'functions')): LoadedFunctions {
  provideCoreModule();
  for (const file of readdirSync(functionsDir)) {
    // Loaded by path, as the worker loads package.json's `main` glob: the file list is only known at run time.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (/\.(js|ts)$/.test(file) && !file.endsWith('.d.ts')) require(path.join(functionsDir, file));
  }
  return describe(coreApi.registered());
}

export function describe(functions: readonly RegisteredFunction[]): LoadedFunctions {
  const loaded: LoadedFunctions = { http: [], serviceBus: [], others: [] };
  for (const fn of functions) {
    const trigger = triggerOf(fn);
    if (trigger.type === 'httpTrigger') {
      loaded.http.push({
        name: fn.name,
        methods: ((trigger.methods as string[] | undefined) ?? ['GET', 'POST']).map((m) => m.toUpperCase()),
        authLevel: (trigger.authLevel as HttpFunction['authLevel']) ?? 'function',
        route: String(trigger.route ?? fn.name),
        handler: fn.handler,
      });
    } else if (trigger.type === 'serviceBusTrigger') {
      loaded.serviceBus.push({
        name: fn.name,
        queueName: String(trigger.queueName),
        connection: String(trigger.connection),
        handler: fn.handler,
      });
    } else {
      loaded.others.push(fn.name);
    }
  }
  return loaded;
}
