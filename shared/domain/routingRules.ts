/**
 * Routing rules (the ROUTING_RULES setting): the first rule whose every condition holds picks the queue and
 * priority of a new conversation; no match falls back to the default.
 */
import { z } from 'zod';

export const KEYWORD_PATTERN_MAX = 200;

const supportNumber = z
  .string()
  .regex(/^\d{3,15}$/, 'a support number is digits only, with country code (14252306549)');
const language = z
  .string()
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'a language is a BCP 47 tag such as en or en-US');
const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]);
const priority = z.number().int();

const keyword = z
  .string()
  .min(1)
  .max(KEYWORD_PATTERN_MAX)
  .superRefine((source, ctx) => {
    const problem = keywordPatternProblem(source);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

// Strict objects: a misspelt condition ("keywords") must fail, not silently become "match everything".
const rule = z.strictObject({
  name: z.string().min(1).optional(),
  match: z.strictObject({
    supportNumber: oneOrMany(supportNumber).optional(),
    keyword: keyword.optional(),
    language: oneOrMany(language).optional(),
  }),
  queue: z.string().min(1),
  priority: priority.optional(),
});

export const routingRulesSchema = z.strictObject({
  defaultQueue: z.string().min(1),
  defaultPriority: priority.default(0),
  rules: z.array(rule).default([]),
});

export type RoutingRules = z.output<typeof routingRulesSchema>;
export type RoutingRule = RoutingRules['rules'][number];

export type ClassifyInput = { supportNumber: string; text: string; language?: string };
export type Classification = { queue: string; priority: number; rule?: string };

export function classify(rules: RoutingRules, input: ClassifyInput): Classification {
  for (const [i, r] of rules.rules.entries()) {
    if (matches(r, input)) {
      // An unnamed rule is still identifiable in logs by its position.
      return { queue: r.queue, priority: r.priority ?? rules.defaultPriority, rule: r.name ?? `rules[${i}]` };
    }
  }
  return { queue: rules.defaultQueue, priority: rules.defaultPriority };
}

function matches(r: RoutingRule, input: ClassifyInput): boolean {
  const { match } = r;
  if (match.supportNumber !== undefined && !asList(match.supportNumber).includes(input.supportNumber)) return false;
  if (match.language !== undefined) {
    if (input.language === undefined) return false;
    if (!asList(match.language).some((tag) => languageMatches(tag, input.language as string))) return false;
  }
  if (match.keyword !== undefined && !compiled(match.keyword).test(input.text)) return false;
  return true;
}

/** "en" covers "en-US" and "en-GB"; "en-US" covers only itself. Tags compare without case, as BCP 47 says. */
function languageMatches(ruleTag: string, given: string): boolean {
  const r = ruleTag.toLowerCase();
  const g = given.toLowerCase();
  return g === r || g.startsWith(`${r}-`);
}

function asList(value: string | string[]): string[] {
  return typeof value === 'string' ? [value] : value;
}

// Rules come from one setting, so the cache is bounded by the configuration.
const regexCache = new Map<string, RegExp>();

function compiled(source: string): RegExp {
  let re = regexCache.get(source);
  if (!re) {
    re = new RegExp(source, 'i');
    regexCache.set(source, re);
  }
  return re;
}

/**
 * Why a keyword pattern is refused, or undefined if it is acceptable. Besides compiling it, this refuses the
 * classic catastrophic-backtracking shape, a quantified group that itself contains a quantifier ("(a+)+",
 * "(\w*)*"): routing runs on every inbound message, and one bad rule must not stall it. The check is a
 * heuristic; overlapping alternations such as "(a|a)*" can still backtrack, but the text is at most 1600 chars.
 */
export function keywordPatternProblem(source: string): string | undefined {
  if (source.length > KEYWORD_PATTERN_MAX) {
    return `keyword pattern is ${source.length} characters; the limit is ${KEYWORD_PATTERN_MAX}`;
  }
  try {
    new RegExp(source, 'i');
  } catch (err) {
    return `keyword pattern does not compile: ${(err as Error).message}`;
  }
  if (hasNestedQuantifier(source)) {
    return 'keyword pattern repeats a group that contains a repetition (such as (a+)+), which can take exponential time';
  }
  return undefined;
}

function hasNestedQuantifier(source: string): boolean {
  const groups: boolean[] = []; // per open group: does it contain a quantifier?
  const isQuantifier = (c: string | undefined) => c === '*' || c === '+' || c === '{';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      // A character class is one atom: skip to its closing bracket.
      for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++;
    } else if (c === '(') {
      groups.push(false);
    } else if (c === ')') {
      const inner = groups.pop() ?? false;
      const repeated = isQuantifier(source[i + 1]);
      if (inner && repeated) return true;
      if (groups.length > 0) groups[groups.length - 1] ||= inner || repeated;
    } else if (isQuantifier(c) && groups.length > 0) {
      groups[groups.length - 1] = true;
    }
  }
  return false;
}
