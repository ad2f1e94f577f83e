/** Data as JSON gives it: objects, arrays, strings, numbers, booleans and null. */

/** Freezes a value and everything in it, so that a record shared by every reader stays as stored. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const nested of Object.values(value)) deepFreeze(nested);
  }
  return value;
}

/**
 * A deep copy of JSON data (what JSON.parse(JSON.stringify(value)) gives, without the text in
 * between). A key named `__proto__` stays an own property, as JSON.parse makes it.
 */
export function copyOf<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyOf) as T;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const nested = copyOf((value as Record<string, unknown>)[key]);
    if (key === '__proto__') Object.defineProperty(copy, key, { value: nested, enumerable: true, writable: true, configurable: true });
    else copy[key] = nested;
  }
  return copy as T;
}
