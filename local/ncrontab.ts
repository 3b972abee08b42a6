/**
 * The timer trigger's schedule format, NCRONTAB: six fields, `{second} {minute} {hour} {day} {month}
 * {day-of-week}`, each `*`, a number (months and days of the week also by name: `Jan`, `Mon`), a range `a-b`, a step
 * `*\/n` or `a-b/n`, or a list of those. Times are UTC, as on Azure unless WEBSITE_TIME_ZONE says otherwise.
 * Enough for the local host to run timers when Azure would.
 */
export interface Schedule {
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
}

const fields = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day-of-week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
] as const;

/** Far enough for any expression that occurs at all: the next 29 February can be 8 years away. */
const SEARCH_YEARS = 30;

function parseField(text: string, field: (typeof fields)[number], expression: string): Set<number> {
  const { name, min, max } = field;
  const names: readonly string[] = 'names' in field ? field.names : [];
  const values = new Set<number>();
  const invalid = () => new Error(`timer schedule "${expression}": ${name} field "${text}" is not valid`);
  const numbered = text.replace(/[a-z]+/gi, (word) => {
    const i = names.indexOf(word.toLowerCase());
    return i < 0 ? word : String(i + min);
  });
  for (const part of numbered.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) throw invalid();
    const from = match[1] === '*' ? min : Number(match[2]);
    const to = match[1] === '*' ? max : match[3] !== undefined ? Number(match[3]) : match[4] ? max : from;
    const step = match[4] !== undefined ? Number(match[4]) : 1;
    if (from < min || to > max || from > to || step < 1) throw invalid();
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

export function parseSchedule(expression: string): Schedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== fields.length)
    throw new Error(`timer schedule "${expression}" is not an NCRONTAB expression of ${fields.length} fields`);
  const [seconds, minutes, hours, days, months, weekdays] = parts.map((p, i) => parseField(p, fields[i], expression));
  // As in cron: when both the day and the day of the week are restricted, either one matching is enough.
  const dayRestricted = parts[3] !== '*';
  const weekdayRestricted = parts[5] !== '*';
  const dayMatches = (d: Date) => {
    const byDay = days.has(d.getUTCDate());
    const byWeekday = weekdays.has(d.getUTCDay());
    return dayRestricted && weekdayRestricted ? byDay || byWeekday : byDay && byWeekday;
  };

  return {
    next(after) {
      const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
      const limit = after.getTime() + SEARCH_YEARS * 366 * 24 * 3600 * 1000;
      while (t.getTime() <= limit) {
        if (!months.has(t.getUTCMonth() + 1)) {
          t.setUTCMonth(t.getUTCMonth() + 1, 1);
          t.setUTCHours(0, 0, 0);
        } else if (!dayMatches(t)) {
          t.setUTCDate(t.getUTCDate() + 1);
          t.setUTCHours(0, 0, 0);
        } else if (!hours.has(t.getUTCHours())) {
          t.setUTCHours(t.getUTCHours() + 1, 0, 0);
        } else if (!minutes.has(t.getUTCMinutes())) {
          t.setUTCMinutes(t.getUTCMinutes() + 1, 0);
        } else if (!seconds.has(t.getUTCSeconds())) {
          t.setUTCSeconds(t.getUTCSeconds() + 1);
        } else {
          return t;
        }
      }
      throw new Error(`timer schedule "${expression}" never occurs`);
    },
  };
}
