import { readdirSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';

import type { RegisteredFunction } from './functionsCore';
import * as coreApi from './functionsCore';

export interface HttpFunction {
  name: string;
  methods: string[];
  authLevel: 'anonymous' | 'function' | 'admin';
  route: string;
  handler: RegisteredFunction['handler'];
}

/** What a Service Bus trigger reads: a queue (`app.serviceBusQueue`) or a topic's subscription (`app.serviceBusTopic`). */
export type ServiceBusSource = { queueName: string } | { topicName: string; subscriptionName: string };

export type ServiceBusFunction = ServiceBusSource & {
  name: string;
  connection: string;
  handler: RegisteredFunction['handler'];
};

export interface TimerFunction {
  name: string;
  /** An NCRONTAB expression (or a %setting% naming one), as the function file declares it. */
  schedule: string;
  runOnStartup: boolean;
  handler: RegisteredFunction['handler'];
}

export interface LoadedFunctions {
  http: HttpFunction[];
  serviceBus: ServiceBusFunction[];
  timer: TimerFunction[];
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
  return describeFunctions(coreApi.registered);
}

/**
 * Sorts what the function files registered by trigger, for the parts of the local host that run each kind. A
 * name registered twice, or a trigger the host cannot run, stops it: as in Azure, every function must run.
 */
export function describeFunctions(functions: readonly RegisteredFunction[]): LoadedFunctions {
  const loaded: LoadedFunctions = { http: [], serviceBus: [], timer: [] };
  const names = new Set<string>();
  for (const fn of functions) {
    if (names.has(fn.name)) throw new Error(`function ${fn.name} is registered twice`);
    names.add(fn.name);
    const trigger = coreApi.triggerOf(fn.name);
    if (trigger.type === 'httpTrigger') {
      loaded.http.push({
        name: fn.name,
        methods: ((trigger.methods as string[] | undefined) ?? ['GET', 'POST']).map((m) => m.toUpperCase()),
        authLevel: (trigger.authLevel as HttpFunction['authLevel']) ?? 'function',
        route: String(trigger.route ?? fn.name),
        handler: fn.handler,
      });
    } else if (trigger.type === 'serviceBusTrigger') {
      // The local host drives Service Bus the way routeInbound needs it: by session, one message at a time.
      if (trigger.isSessionsEnabled !== true)
        throw new Error(
          `function ${fn.name} has a Service Bus trigger without sessions, which the local host cannot run`,
        );
      const source: ServiceBusSource =
        trigger.topicName !== undefined
          ? { topicName: String(trigger.topicName), subscriptionName: String(trigger.subscriptionName) }
          : { queueName: String(trigger.queueName) };
      loaded.serviceBus.push({ name: fn.name, ...source, connection: String(trigger.connection), handler: fn.handler });
    } else if (trigger.type === 'timerTrigger') {
      loaded.timer.push({
        name: fn.name,
        schedule: String(trigger.schedule),
        runOnStartup: trigger.runOnStartup === true,
        handler: fn.handler,
      });
    } else {
      throw new Error(`function ${fn.name} has a ${trigger.type}, which the local host cannot run`);
    }
  }
  return loaded;
}
