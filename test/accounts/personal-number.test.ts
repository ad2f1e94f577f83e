import { maskPersonalNumber, parsePersonalNumber } from '../../src/accounts/personal-number.js';

const TODAY = new Date('2026-12-02T12:00:00Z');
const parse = (input: string) => parsePersonalNumber(input, TODAY);

describe('Swedish personal identity numbers', () => {
  test.each([
    ['811218-9876', '198112189876'],
    ['8112189876', '198112189876'],
    ['19811218-9876', '198112189876'],
    ['198112189876', '198112189876'],
    [' 811218-9876 ', '198112189876'],
    ['121212+1212', '191212121212'],
    ['121212-1212', '201212121212'],
    ['701063-2391', '197010632391'],
  ])('%s is valid and normalised to %s', (input, value) => {
    expect(parse(input)).toEqual({ ok: true, value });
  });

  test.each([
    ['811218-9875', 'check_digit'],
    ['811318-9876', 'date'],
    ['810230-9876', 'date'],
    ['19000229-0005', 'date'],
    ['20811218-9876', 'date'],
    ['81121-89876', 'format'],
    ['19811218+9876', 'format'],
    ['81121898765', 'format'],
    ['abcdefghij', 'format'],
    ['', 'format'],
  ])('%s is refused (%s)', (input, reason) => {
    expect(parse(input)).toEqual({ ok: false, reason });
  });

  test('a leap day is a real date in a leap year only; the coordination number (day + 60) follows the same calendar', () => {
    expect(parse('20000229-0005')).toEqual({ ok: true, value: '200002290005' });
    expect(parse('000289-0002')).toEqual({ ok: true, value: '200002890002' });
    expect(parse('010229-1234')).toEqual({ ok: false, reason: 'date' });
  });

  test('masking shows the date only', () => {
    expect(maskPersonalNumber('198112189876')).toBe('19811218-****');
  });
});
