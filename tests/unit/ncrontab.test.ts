import { parseSchedule } from '../../local/ncrontab';

const next = (expression: string, after: string) => parseSchedule(expression).next(new Date(after)).toISOString();

describe('NCRONTAB schedules, as the local host reads timer triggers', () => {
  it('run the hourly auto-close at the top of each hour, UTC', () => {
    expect(next('0 0 * * * *', '2026-06-01T12:00:00.000Z')).toBe('2026-06-01T13:00:00.000Z');
    expect(next('0 0 * * * *', '2026-06-01T12:59:59.999Z')).toBe('2026-06-01T13:00:00.000Z');
    expect(next('0 0 * * * *', '2026-12-31T23:30:00.000Z')).toBe('2027-01-01T00:00:00.000Z');
  });

  it('read steps, ranges and lists', () => {
    expect(next('*/15 * * * * *', '2026-06-01T12:00:07.000Z')).toBe('2026-06-01T12:00:15.000Z');
    expect(next('0 30 9-17 * * *', '2026-06-01T17:30:00.000Z')).toBe('2026-06-02T09:30:00.000Z');
    expect(next('0 0 8,20 * * *', '2026-06-01T08:00:00.000Z')).toBe('2026-06-01T20:00:00.000Z');
    expect(next('0 5/20 * * * *', '2026-06-01T12:26:00.000Z')).toBe('2026-06-01T12:45:00.000Z');
  });

  it('match the day of the month or of the week, either one when both are given', () => {
    // 2026-06-01 is a Monday.
    expect(next('0 0 9 * * 5', '2026-06-01T00:00:00.000Z')).toBe('2026-06-05T09:00:00.000Z');
    expect(next('0 0 0 1 * *', '2026-06-01T00:00:00.000Z')).toBe('2026-07-01T00:00:00.000Z');
    expect(next('0 0 0 15 * 3', '2026-06-01T00:00:00.000Z')).toBe('2026-06-03T00:00:00.000Z');
    expect(next('0 0 0 29 2 *', '2026-03-01T00:00:00.000Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('0 30 9 * Jan Mon', '2026-06-01T00:00:00.000Z')).toBe('2027-01-04T09:30:00.000Z');
    expect(next('0 0 12 * * mon-fri', '2026-06-06T00:00:00.000Z')).toBe('2026-06-08T12:00:00.000Z');
  });

  it.each([
    ['0 0 * * *', /6 fields/],
    ['0 60 * * * *', /minute field "60"/],
    ['0 0 * * * 7', /day-of-week field "7"/],
    ['0 0 5-1 * * *', /hour field "5-1"/],
    ['0 0 * * * Monday', /day-of-week field "Monday"/],
    ['00:05:00', /6 fields/],
  ])('refuse %s, naming what is wrong', (expression, message) => {
    expect(() => parseSchedule(expression)).toThrow(message);
  });

  it('refuse a schedule that never occurs', () => {
    expect(() => parseSchedule('0 0 0 31 2 *').next(new Date('2026-01-01T00:00:00Z'))).toThrow(/never occurs/);
  });
});
