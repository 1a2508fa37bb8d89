// Odds and payout maths, exactly as docs/grading.md states the rulebook. Amounts are integer hundredths of a unit
// ("cents"): no floating point touches money.

export type OddsFormat = 'american' | 'decimal';

/** Parse a units string ("2.5", "-1.10") into integer hundredths; null when it is not a number with ≤ 2 decimals. */
export function toCents(units: string): number | null {
  const match = /^\s*(-)?(\d+)(?:\.(\d{1,2}))?\s*$/.exec(units);
  if (!match) return null;
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] ? -cents : cents;
}

/** Format hundredths as units with two decimals ("2.50"); `signed` adds "+" to gains. */
export function formatCents(cents: number, { signed = false } = {}): string {
  const sign = cents < 0 ? '-' : signed && cents > 0 ? '+' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Format a units string from the API ("1.6400" or "-2") as "+1.64" / "-2.00". */
export function formatUnits(units: string | null | undefined, { signed = true } = {}): string {
  if (units == null) return '—';
  const [whole = '0', fraction = ''] = units.replace(/^[-+]/, '').split('.');
  const cents = Number(whole) * 100 + Number(fraction.slice(0, 2).padEnd(2, '0'));
  return formatCents(units.startsWith('-') ? -cents : cents, { signed });
}

// Round a non-negative exact fraction n/d to the nearest hundredth, an exact half up (ROUND_HALF_UP on a gain).
function roundHalfUp(numerator: number, denominator: number): number {
  return Math.floor((2 * numerator + denominator) / (2 * denominator));
}

/** Profit on a win, in hundredths: stake × price ÷ 100 (plus price) or stake × 100 ÷ |price| (minus price). */
export function profitCents(price: number, stakeCents: number): number {
  if (!Number.isInteger(price) || (price > -100 && price < 100)) throw new RangeError(`not American odds: ${price}`);
  // stakeCents × price is already in hundredths × 100, so both branches divide exact integers once.
  return price > 0 ? roundHalfUp(stakeCents * price, 100) : roundHalfUp(stakeCents * 100, -price);
}

/** Format American odds with their sign ("+150", "-110"). */
export function formatAmerican(price: number): string {
  return price > 0 ? `+${price}` : String(price);
}

/** Decimal odds (stake included) to two places: +150 → "2.50", -110 → "1.91". */
export function formatDecimal(price: number): string {
  const hundredths = 100 + profitCents(price, 100);
  return formatCents(hundredths);
}

export function formatPrice(price: number, format: OddsFormat): string {
  return format === 'decimal' ? formatDecimal(price) : formatAmerican(price);
}

/** A spread point with its sign ("-3.5", "+3", "PK" for 0). */
export function formatSpread(point: string | number): string {
  const value = Number(point);
  if (value === 0) return 'PK';
  return value > 0 ? `+${trimPoint(point)}` : trimPoint(point);
}

/** A point without trailing zeros ("221.50" → "221.5"). */
export function trimPoint(point: string | number): string {
  return String(Number(point));
}

/** The implied probability of American odds, for showing closing-line value. */
export function impliedProbability(price: number): number {
  return price > 0 ? 100 / (price + 100) : -price / (-price + 100);
}

/** The CSS tone of a units amount: gains green, losses red, nothing neutral. */
export function unitsTone(units: string | null | undefined): string {
  const value = Number(units ?? 0);
  return value > 0 ? 'positive' : value < 0 ? 'negative' : '';
}
