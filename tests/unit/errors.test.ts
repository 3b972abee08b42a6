import { type ErrorCode, isTransient } from '../../shared/errors';
import { httpStatusOf } from '../../shared/http/toHttp';

describe('isTransient', () => {
  it('is true exactly for the codes answered 503 (retry later)', () => {
    for (const code of Object.keys(httpStatusOf) as ErrorCode[]) {
      expect([code, isTransient(code)]).toEqual([code, httpStatusOf[code] === 503]);
    }
  });
});
