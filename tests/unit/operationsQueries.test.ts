import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { messageReceivedEventId } from '../../shared/telesign/eventIds';

/**
 * docs/operations.md gives operators Application Insights queries over the app's log lines. Application Insights
 * cannot be reached here, so this holds the queries to the code instead: each log message they filter on
 * (`message startswith "..."`) is one the code logs, each field they read (`extract(@"<field>: ...`) is one
 * that a line they filter on carries, and each function they name is registered.
 */

const root = path.resolve(__dirname, '../..');
const read = (relative: string) => readFileSync(path.join(root, relative), 'utf8');

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name).split(path.sep).join('/')],
  );
}

const sourceFiles = [...filesUnder('shared'), ...filesUnder('functions')].filter(
  (f) => f.endsWith('.ts') && !f.endsWith('.d.ts'),
);

/** The text from an opening parenthesis at `open` to its match, skipping string literals and comments. */
function balanced(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"' || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && text[i + 1] === '/') {
      i = text.indexOf('\n', i);
    } else if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') {
      depth--;
      if (depth === 0) return text.slice(open + 1, i);
    }
  }
  throw new Error(`unbalanced parenthesis at ${open}`);
}

/** The first top-level argument of an argument list, and the rest. */
function splitFirst(args: string): [string, string] {
  let depth = 0;
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    if (c === "'" || c === '"' || c === '`') {
      for (i++; i < args.length && args[i] !== c; i++) if (args[i] === '\\') i++;
    } else if ('({['.includes(c)) depth++;
    else if (')}]'.includes(c)) depth--;
    else if (c === ',' && depth === 0) return [args.slice(0, i), args.slice(i + 1)];
  }
  return [args, ''];
}

/** Keys written in an object literal's text: `key:` and shorthand `{ key }`. */
function keysIn(text: string): string[] {
  return [
    ...[...text.matchAll(/(?:^|[{,\s])(\w+)\s*:(?!:)/g)].map((m) => m[1]),
    ...[...text.matchAll(/[{,]\s*(\w+)\s*(?=[,}])/g)].map((m) => m[1]),
  ];
}

/** The keys of the `const <name> = { ... }` nearest before `at` in a file, and of every `toLog()` that returns an object literal. */
function spreadKeys(text: string, at: number, spread: string): string[] {
  if (/\.toLog\(\)$/.test(spread)) {
    return sourceFiles.flatMap((f) => {
      const source = read(f);
      const at = /\btoLog\(\)[^{]*\{\s*return \{/.exec(source);
      return at ? keysIn(`{${balanced(source, at.index + at[0].length - 1)}}`) : [];
    });
  }
  // The declaration nearest before the call: the one in its scope.
  const declaration = [...text.slice(0, at).matchAll(new RegExp(`const ${spread} = \\{`, 'g'))].at(-1);
  if (!declaration) return [];
  return keysIn(`{${balanced(text, declaration.index + declaration[0].length - 1)}}`);
}

interface LogCall {
  file: string;
  /** The message literals of the first argument (two for a `cond ? 'a' : 'b'`). */
  messages: string[];
  fields: Set<string>;
}

const logCalls: LogCall[] = sourceFiles.flatMap((file) => {
  const text = read(file);
  return [...text.matchAll(/\b(?:logger|ctx)\??\.(?:debug|info|warn|error|log)(?:\?\.)?\(/g)].map((m) => {
    const [first, rest] = splitFirst(balanced(text, m.index + m[0].length - 1));
    // The literals the argument can be: the whole of it, or a branch of a `cond ? 'a' : 'b'`.
    const messages = [...first.matchAll(/(?:^|[?:])\s*'((?:[^'\\]|\\.)*)'/g)].map((s) => s[1]);
    const fields = new Set([
      ...keysIn(rest),
      ...[...rest.matchAll(/\.\.\.([\w.]+(?:\(\))?)/g)].flatMap((s) => spreadKeys(text, m.index, s[1])),
    ]);
    return { file, messages, fields };
  });
});

const guide = read('docs/operations.md');
const blocks = [...guide.matchAll(/^```kusto\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
/** A KQL string literal: "..." or @"..." (verbatim). */
const filtered = (block: string) => [...block.matchAll(/message startswith "([^"]+)"/g)].map((m) => m[1]);
const extracted = (block: string) => [...block.matchAll(/extract\(@"(?:\\b)?(\w+): /g)].map((m) => m[1]);
const callsLogging = (message: string) => logCalls.filter((c) => c.messages.some((m) => m.startsWith(message)));

describe('the log calls this test reads', () => {
  it('finds the log calls of shared/ and functions/, with their messages and fields', () => {
    expect(logCalls.length).toBeGreaterThan(40);
    const sent = logCalls.find((c) => c.messages.includes('message sent'));
    // Its fields come from a spread `...log` declared in the same function, and from the call itself.
    expect(sent && [...sent.fields].sort()).toEqual(['messageId', 'referenceId', 'segments', 'to']);
    const refused = logCalls.find((c) => c.messages.includes('Dynamics refused the call; dead-lettered'));
    // ...error.toLog(): the fields of DynamicsError.toLog.
    expect([...refused!.fields]).toEqual(expect.arrayContaining(['what', 'kind', 'httpStatus', 'correlationId']));
    const routed = logCalls.find((c) => c.messages.includes('inbound message applied'));
    expect(routed?.messages).toEqual(['inbound message already applied', 'inbound message applied']);
  });
});

describe('the queries of docs/operations.md', () => {
  it('are there, in kusto blocks', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
  });

  it('filter only on messages the code logs', () => {
    const all = blocks.flatMap(filtered);
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((message) => callsLogging(message).length === 0)).toEqual([]);
  });

  it('read only fields that a line they filter on carries (any line, for a query that filters on none)', () => {
    const missing = blocks.flatMap((block) => {
      const messages = filtered(block);
      const calls = messages.length ? messages.flatMap(callsLogging) : logCalls;
      return extracted(block)
        .filter((field) => !calls.some((c) => c.fields.has(field)))
        .map((field) => ({ field, messages }));
    });
    expect(blocks.flatMap(extracted).length).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });

  it('name only functions the app registers', () => {
    const registered = new Set(
      sourceFiles.flatMap((f) => [...read(f).matchAll(/\bapp\.\w+\('(\w+)'/g)].map((m) => m[1])),
    );
    const named = blocks.flatMap((block) => [
      ...[...block.matchAll(/\bname == "(\w+)"/g)].map((m) => m[1]),
      ...[...block.matchAll(/\bname in \(([^)]*)\)/g)].flatMap((m) => [...m[1].matchAll(/"(\w+)"/g)].map((n) => n[1])),
    ]);
    const webTestName = /^\s*Name: '([^']+)'$/m.exec(read('infra/app/alerts.bicep'))![1];
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((name) => !registered.has(name) && name !== webTestName)).toEqual([]);
    // The availability results are named after the web test.
    expect(guide).toContain(`name == "${webTestName}"`);
  });

  it("compute an inbound SMS's eventId from its Telesign reference as the callback does", () => {
    // The KQL of the first query, and the same steps in TypeScript: they must give the callback's eventId.
    expect(guide).toContain(
      'let eventId = strcat("mo-", substring(hash_sha256(strcat("mo|", tolower(account), "|", toupper(trim(@"\\s+", reference)))), 0, 40));',
    );
    const asTheQuery = (account: string, reference: string) =>
      'mo-' +
      createHash('sha256')
        .update(`mo|${account.toLowerCase()}|${reference.trim().toUpperCase()}`)
        .digest('hex')
        .slice(0, 40);
    for (const [account, reference] of [
      ['FFFFFFFF-EEEE-DDDD-1234-AB1234567890', '0123456789ABCDEF0123456789ABCDEF'],
      ['ffffffff-eeee-dddd-1234-ab1234567890', ' 0123456789abcdef0123456789abcdef '],
    ]) {
      expect(asTheQuery(account, reference)).toBe(messageReceivedEventId(account, reference));
    }
  });

  it('name the correlation fields the logs carry on each hop', () => {
    const carries = (message: string, field: string) => callsLogging(message).some((c) => c.fields.has(field));
    // The hops the tables of docs/operations.md describe: Telesign's reference on every one, both ways, and the
    // stored message's id on each line that touches one.
    expect(carries('callback queued', 'referenceId')).toBe(true);
    expect(carries('callback queued', 'eventId')).toBe(true);
    expect(carries('callback queued', 'sessionId')).toBe(true);
    for (const field of ['referenceId', 'eventId', 'conversationId', 'messageId'])
      expect([field, carries('inbound message applied', field)]).toEqual([field, true]);
    expect(carries('inbound message already applied', 'referenceId')).toBe(true);
    expect(carries('message sent', 'messageId') && carries('message sent', 'referenceId')).toBe(true);
    expect(carries('message not sent', 'messageId') && carries('message not sent', 'code')).toBe(true);
    expect(carries('message not sent', 'telesignCode')).toBe(true);
    for (const field of ['referenceId', 'messageId', 'conversationId', 'statusCode'])
      expect([field, carries('delivery report applied', field)]).toEqual([field, true]);
    // The guide says so, and no longer names the gaps it had.
    expect(guide).toMatch(/One id follows an SMS through every hop, both ways: \*\*Telesign's reference id\*\*/);
    expect(guide).not.toMatch(/\| hop \| carries \| lacks \|/);
    expect(guide).not.toMatch(/is not in the log line/);
  });
});
