import { copyOf, deepFreeze } from '../../src/storage/plain-data.js';

describe('copies of JSON data (remembered tokens hand out one per lookup)', () => {
  const sample = () =>
    JSON.parse(
      '{"iat":1,"exp":2,"scope":"openid email","extra":{"tenant":"acme","roles":["a","b"]},"resource":["https://api.example"],"claims":null,"flag":false,"__proto__":{"polluted":true}}',
    ) as Record<string, unknown>;

  test('are what a JSON round trip gives, sharing nothing with the original', () => {
    const original = sample();
    const copy = copyOf(original);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(original));
    expect(copy).toEqual(original);
    expect(copy.extra).not.toBe(original.extra);
    expect((copy.extra as { roles: string[] }).roles).not.toBe((original.extra as { roles: string[] }).roles);
    (copy.extra as { roles: string[] }).roles.push('c');
    expect((original.extra as { roles: string[] }).roles).toEqual(['a', 'b']);
  });

  test('keep a key named __proto__ an own property, as JSON.parse does, never the prototype', () => {
    const copy = copyOf(sample());
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toContain('__proto__');
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  test('of a frozen record can be changed freely, and the record cannot', () => {
    const kept = deepFreeze(sample());
    const copy = copyOf(kept);
    (copy.extra as Record<string, unknown>).tenant = 'other';
    expect((kept.extra as Record<string, unknown>).tenant).toBe('acme');
    expect(() => {
      'use strict';
      (kept.extra as Record<string, unknown>).tenant = 'other';
    }).toThrow(TypeError);
  });
});
