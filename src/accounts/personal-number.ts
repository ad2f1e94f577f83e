/**
 * The Swedish personal identity number (personnummer), and the coordination number
 * (samordningsnummer, day + 60): 10 or 12 digits, with or without the separator (`-`, or `+`
 * for a person aged 100 or more), a real date not in the future, and the Luhn check digit.
 */
export type PersonalNumberResult = { ok: true; value: string } | { ok: false; reason: string };

const FORM = /^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{4})$/;

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Validates and normalises to 12 digits (YYYYMMDDNNNC). `today` decides the century of a 10-digit form. */
export function parsePersonalNumber(input: string, today: Date = new Date()): PersonalNumberResult {
  const match = FORM.exec(input.trim());
  if (!match) return { ok: false, reason: 'format' };
  const [, century, yy, mm, dd, separator, tail] = match as unknown as [string, string | undefined, string, string, string, string, string];
  const thisYear = today.getUTCFullYear();
  let year: number;
  if (century !== undefined) {
    if (separator === '+') return { ok: false, reason: 'format' };
    year = Number(century + yy);
  } else {
    // The latest year ending in yy that is not in the future; `+` says a hundred years earlier.
    year = thisYear - ((((thisYear - Number(yy)) % 100) + 100) % 100);
    if (separator === '+') year -= 100;
  }
  const month = Number(mm);
  const rawDay = Number(dd);
  const day = rawDay > 60 ? rawDay - 60 : rawDay;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || day < 1 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return { ok: false, reason: 'date' };
  if (date.getTime() > today.getTime()) return { ok: false, reason: 'date' };
  if (!luhnValid(`${yy}${mm}${dd}${tail}`)) return { ok: false, reason: 'check_digit' };
  return { ok: true, value: `${String(year).padStart(4, '0')}${mm}${dd}${tail}` };
}

/** What may be shown or logged: the date part only, e.g. `19811218-****`. */
export function maskPersonalNumber(normalized: string): string {
  return `${normalized.slice(0, 8)}-****`;
}
