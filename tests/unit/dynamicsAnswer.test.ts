import { classifyFailure, findDynamicsCode, parseRetryAfter } from '../../shared/dynamics/answer';

const NOW = new Date('2026-03-01T12:00:00Z');
const problem = (status: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'https://tools.ietf.org/html/rfc9110', title: 'Bad Input', status, detail: 'x', ...extra });

describe('findDynamicsCode', () => {
  it.each([
    [problem(400, { errorCode: 30011 }), 30011],
    [problem(400, { code: '30016' }), 30016],
    [problem(400, { detail: 'Error 30005: the conversation ID is not valid' }), 30005],
    [JSON.stringify({ error: { innererror: { code: 30012 } } }), 30012],
    [JSON.stringify({ errors: [{ description: 'x' }, { errorCode: 30010 }] }), 30010],
    ['Bad request 30014 (not linked)', 30014],
    [problem(400), undefined],
    [JSON.stringify({ errorCode: 300111, detail: 'id 130011' }), undefined],
    ['', undefined],
  ])('finds the code in %s', (body, code) => {
    expect(findDynamicsCode(body)).toBe(code);
  });

  it('prefers a member named like a code to a number quoted in the text', () => {
    expect(findDynamicsCode(JSON.stringify({ detail: 'see 30001', errorCode: 30013 }))).toBe(30013);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['7', 7],
    [' 0 ', 0],
    ['Sun, 01 Mar 2026 12:00:30 GMT', 30],
    ['Sun, 01 Mar 2026 11:59:00 GMT', 0],
    ['soon', undefined],
    ['5.5', undefined],
    ['-3', undefined],
    ['', undefined],
    [null, undefined],
  ])('reads %j as %j seconds', (header, seconds) => {
    expect(parseRetryAfter(header, NOW)).toBe(seconds);
  });
});

describe('classifyFailure', () => {
  const headers = (h: Record<string, string> = {}) =>
    new Headers({ 'x-ms-correlation-id': '9a1f2b3c-0000-4000-8000-000000000001', ...h });

  it('429 is rate limited with its Retry-After', () => {
    const e = classifyFailure('activity', 429, headers({ 'retry-after': '12' }), problem(429), NOW);
    expect(e).toMatchObject({ kind: 'rate_limited', httpStatus: 429, retryAfterSeconds: 12 });
  });

  it.each([500, 502, 503, 504])('%d is unavailable', (status) => {
    expect(classifyFailure('create', status, headers(), '', NOW).kind).toBe('unavailable');
  });

  it('400 is rejected with its code and correlation id', () => {
    const e = classifyFailure('activity', 400, headers(), problem(400, { errorCode: 30011 }), NOW);
    expect(e).toMatchObject({
      kind: 'rejected',
      httpStatus: 400,
      dynamicsCode: 30011,
      correlationId: '9a1f2b3c-0000-4000-8000-000000000001',
    });
    expect(e.message).toBe('Dynamics answered 400 (code 30011) to posting an activity: refused.');
    expect(e.toLog()).toEqual({
      kind: 'rejected',
      httpStatus: 400,
      dynamicsCode: 30011,
      correlationId: '9a1f2b3c-0000-4000-8000-000000000001',
      retryAfterSeconds: undefined,
      outcomeUnknown: undefined,
    });
  });

  it('404 on an activity is the conversation gone; 404 30004 or on create is a configuration problem', () => {
    expect(classifyFailure('activity', 404, headers(), problem(404, { errorCode: 30013 }), NOW).kind).toBe('not_found');
    expect(classifyFailure('activity', 404, headers(), '', NOW).kind).toBe('not_found');
    expect(classifyFailure('activity', 404, headers(), problem(404, { errorCode: 30004 }), NOW).kind).toBe('rejected');
    expect(classifyFailure('create', 404, headers(), problem(404, { errorCode: 30004 }), NOW).kind).toBe('rejected');
  });

  it('401 and 403 are unauthorized', () => {
    expect(classifyFailure('create', 401, headers(), '', NOW).kind).toBe('unauthorized');
    expect(classifyFailure('create', 403, headers(), '', NOW).kind).toBe('unauthorized');
  });

  it('drops a correlation id that is not an id, rather than log what a proxy put there', () => {
    const e = classifyFailure(
      'create',
      400,
      new Headers({ 'x-ms-correlation-id': '<script>alert(1)</script>' }),
      '',
      NOW,
    );
    expect(e.correlationId).toBeUndefined();
  });
});
