import { classify, keywordPatternProblem, RoutingRules, routingRulesSchema } from '../../shared/domain/routingRules';

const parse = (value: unknown): RoutingRules => routingRulesSchema.parse(value);

const rules = parse({
  defaultQueue: 'general',
  defaultPriority: 1,
  rules: [
    {
      name: 'billing-fr',
      match: { keyword: '\\b(facture|paiement)\\b', language: ['fr'] },
      queue: 'billing-fr',
      priority: 5,
    },
    { name: 'billing', match: { keyword: '\\b(bill|invoice|refund)\\b' }, queue: 'billing', priority: 3 },
    { name: 'vip-line', match: { supportNumber: ['14255550100', '14255550101'] }, queue: 'vip' },
    { match: { supportNumber: '12065550123', language: 'es' }, queue: 'spanish', priority: 2 },
  ],
});

describe('classify', () => {
  it.each<[string, { supportNumber: string; text: string; language?: string }, ReturnType<typeof classify>]>([
    [
      'keyword, any case',
      { supportNumber: '14252306549', text: 'Where is my INVOICE?' },
      { queue: 'billing', priority: 3, rule: 'billing' },
    ],
    [
      'keyword is a word, not a substring',
      { supportNumber: '14252306549', text: 'billing address' },
      { queue: 'general', priority: 1 },
    ],
    [
      'first matching rule wins',
      { supportNumber: '14252306549', text: 'paiement refund', language: 'fr-CA' },
      { queue: 'billing-fr', priority: 5, rule: 'billing-fr' },
    ],
    [
      'language condition must hold too',
      { supportNumber: '14252306549', text: 'paiement', language: 'de' },
      { queue: 'general', priority: 1 },
    ],
    [
      'no language given fails a language condition',
      { supportNumber: '14252306549', text: 'facture' },
      { queue: 'general', priority: 1 },
    ],
    [
      'support number in a list',
      { supportNumber: '14255550101', text: 'hello' },
      { queue: 'vip', priority: 1, rule: 'vip-line' },
    ],
    [
      'rule priority defaults to defaultPriority',
      { supportNumber: '14255550100', text: 'hi' },
      { queue: 'vip', priority: 1, rule: 'vip-line' },
    ],
    [
      'all conditions (AND)',
      { supportNumber: '12065550123', text: 'hola', language: 'ES' },
      { queue: 'spanish', priority: 2, rule: 'rules[3]' },
    ],
    [
      'AND fails on one condition',
      { supportNumber: '12065550123', text: 'hola', language: 'en' },
      { queue: 'general', priority: 1 },
    ],
    ['no rule matches', { supportNumber: '19995550000', text: 'hi' }, { queue: 'general', priority: 1 }],
  ])('%s', (_name, input, expected) => {
    expect(classify(rules, input)).toEqual(expected);
  });

  it('an empty match matches everything', () => {
    const r = parse({ defaultQueue: 'd', rules: [{ match: {}, queue: 'catch-all', name: 'all' }] });
    expect(classify(r, { supportNumber: '1', text: '' })).toEqual({ queue: 'catch-all', priority: 0, rule: 'all' });
  });

  it('a rule language tag covers its regional variants, not the other way round', () => {
    const r = parse({
      defaultQueue: 'd',
      rules: [
        { match: { language: 'en-US' }, queue: 'us' },
        { match: { language: 'en' }, queue: 'en' },
      ],
    });
    expect(classify(r, { supportNumber: '1', text: '', language: 'en-us' }).queue).toBe('us');
    expect(classify(r, { supportNumber: '1', text: '', language: 'en-GB' }).queue).toBe('en');
    expect(classify(r, { supportNumber: '1', text: '', language: 'en' }).queue).toBe('en');
    expect(classify(r, { supportNumber: '1', text: '', language: 'eng' }).queue).toBe('d');
  });
});

describe('routingRulesSchema', () => {
  it('defaults defaultPriority to 0 and rules to none', () => {
    expect(parse({ defaultQueue: 'general' })).toEqual({ defaultQueue: 'general', defaultPriority: 0, rules: [] });
  });

  it.each<[string, unknown]>([
    ['missing defaultQueue', { rules: [] }],
    ['empty defaultQueue', { defaultQueue: '' }],
    ['non-integer priority', { defaultQueue: 'q', defaultPriority: 1.5 }],
    ['rule without queue', { defaultQueue: 'q', rules: [{ match: {} }] }],
    ['rule without match', { defaultQueue: 'q', rules: [{ queue: 'x' }] }],
    ['misspelt condition', { defaultQueue: 'q', rules: [{ match: { keywords: 'bill' }, queue: 'x' }] }],
    ['unknown rule field', { defaultQueue: 'q', rules: [{ match: {}, queue: 'x', prio: 1 }] }],
    ['support number with +', { defaultQueue: 'q', rules: [{ match: { supportNumber: '+14252306549' }, queue: 'x' }] }],
    [
      'support number with spaces',
      { defaultQueue: 'q', rules: [{ match: { supportNumber: '1 425 230 6549' }, queue: 'x' }] },
    ],
    ['empty support number list', { defaultQueue: 'q', rules: [{ match: { supportNumber: [] }, queue: 'x' }] }],
    ['bad language', { defaultQueue: 'q', rules: [{ match: { language: 'english!' }, queue: 'x' }] }],
    ['regex that does not compile', { defaultQueue: 'q', rules: [{ match: { keyword: '(bill' }, queue: 'x' }] }],
    ['empty regex', { defaultQueue: 'q', rules: [{ match: { keyword: '' }, queue: 'x' }] }],
    ['regex too long', { defaultQueue: 'q', rules: [{ match: { keyword: 'a'.repeat(201) }, queue: 'x' }] }],
    ['catastrophic regex', { defaultQueue: 'q', rules: [{ match: { keyword: '^(a+)+$' }, queue: 'x' }] }],
  ])('rejects %s', (_name, value) => {
    expect(routingRulesSchema.safeParse(value).success).toBe(false);
  });

  it('accepts a pattern of exactly 200 characters', () => {
    expect(
      routingRulesSchema.safeParse({ defaultQueue: 'q', rules: [{ match: { keyword: 'a'.repeat(200) }, queue: 'x' }] })
        .success,
    ).toBe(true);
  });

  it('says what is wrong with a bad pattern', () => {
    const result = routingRulesSchema.safeParse({
      defaultQueue: 'q',
      rules: [{ match: { keyword: '(bill' }, queue: 'x' }],
    });
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(result.error.issues[0].path).toEqual(['rules', 0, 'match', 'keyword']);
      expect(result.error.issues[0].message).toMatch(/does not compile/);
    }
  });
});

describe('keywordPatternProblem', () => {
  it.each(['\\b(bill|invoice)\\b', '(ab)+', 'a+b*', '\\(a+\\)+', '[(a+)]+', '(?:refund|return)s?', 'x{2,5}', '(a)?b+'])(
    'accepts %j',
    (source) => {
      expect(keywordPatternProblem(source)).toBeUndefined();
    },
  );

  it.each(['(a+)+', '(\\w*)*', '(?:x+y)+', '((a+))+', '(a|b+){2,}', '([a-z]+\\s?)*$'])(
    'refuses nested quantifier %j',
    (source) => {
      expect(keywordPatternProblem(source)).toMatch(/exponential/);
    },
  );

  it('names the length and the limit', () => {
    expect(keywordPatternProblem('x'.repeat(250))).toBe('keyword pattern is 250 characters; the limit is 200');
  });
});
