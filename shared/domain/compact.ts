/**
 * A copy without the properties that are undefined: stored rows and JSON answers leave an absent value out
 * rather than spell it `undefined` (which the Tables SDK refuses).
 */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
