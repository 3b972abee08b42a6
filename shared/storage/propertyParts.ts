/**
 * A string property holds at most 32,768 UTF-16 units (64 KiB); a longer one is a permanent 400
 * (`PropertyValueTooLarge`). A value that can be longer (a JSON column, a raw body) is cut into parts of
 * `PROPERTY_PART` units, never between the two halves of a surrogate pair, so each part is a string of its own.
 * An entity holds at most 1 MiB and 252 properties of its own, far more than any value we keep.
 */
export const PROPERTY_MAX = 32_768;
export const PROPERTY_PART = 30_000;

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/** The value's parts, in order; an empty value is one empty part. */
export function partsOf(value: string, size = PROPERTY_PART): string[] {
  const parts: string[] = [];
  let start = 0;
  do {
    let end = Math.min(value.length, start + size);
    if (end < value.length && isHighSurrogate(value.charCodeAt(end - 1))) end--;
    parts.push(value.slice(start, end));
    start = end;
  } while (start < value.length);
  return parts;
}

/**
 * A column that may outgrow one property: `name` holds the value, or its first part with `name1`, `name2`… after
 * it and their count in `nameParts`. A value that fits is written as before, so rows written earlier read the same.
 */
export function splitColumn(name: string, value: string | undefined): Record<string, string | number> {
  if (value === undefined) return {};
  const parts = partsOf(value);
  if (parts.length === 1) return { [name]: value };
  const columns: Record<string, string | number> = { [`${name}Parts`]: parts.length };
  parts.forEach((part, i) => (columns[i === 0 ? name : `${name}${i}`] = part));
  return columns;
}

/** The value `splitColumn` wrote, or undefined when the row has no such column. */
export function joinColumn(row: Record<string, unknown>, name: string): string | undefined {
  const first = row[name];
  if (typeof first !== 'string') return undefined;
  const count = row[`${name}Parts`];
  if (typeof count !== 'number' || count <= 1) return first;
  let value = first;
  for (let i = 1; i < count; i++) value += String(row[`${name}${i}`] ?? '');
  return value;
}
