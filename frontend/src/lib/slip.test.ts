import { describe, expect, it } from 'vitest';

import { formatDecimal, profitCents, toCents } from './odds';
import { grade, resultCents } from './rulebook';
import { pickMaths, slipTotals, stakeProblem } from './slip';

const RULES = { min: '1', max: '5', step: '0.5' };

describe('slip maths', () => {
  // The worked examples of docs/grading.md, "What a pick pays".
  it.each([
    [150, '1', '1.50'],
    [150, '5', '7.50'],
    [-110, '1', '0.91'],
    [-110, '5', '4.55'],
    [-105, '2', '1.90'],
    [100, '1', '1.00'],
    [-200, '5', '2.50'],
    [-115, '2.5', '2.17'],
    [333, '1.5', '5.00'],
  ])('a win at %i for %s units pays %s, rounded once and half up', (price, stake, expected) => {
    const maths = pickMaths({ price, stake });
    expect(maths).toEqual({ riskCents: toCents(stake), winCents: toCents(expected) });
  });

  it('totals the risk and the potential win of every pick with a valid stake', () => {
    // GIVEN -110 for 5, +150 for 2 and a pick whose stake is still empty
    const totals = slipTotals([
      { price: -110, stake: '5' },
      { price: 150, stake: '2' },
      { price: -120, stake: '' },
    ]);
    // THEN the slip risks 7.00 to win 4.55 + 3.00
    expect(totals).toEqual({ riskCents: 700, winCents: 755 });
  });

  it('refuses stakes outside the range or off the steps the API sets', () => {
    expect(stakeProblem('2.5', RULES)).toBeNull();
    expect(stakeProblem('0.5', RULES)).toMatch(/1\.00–5\.00/);
    expect(stakeProblem('5.5', RULES)).toMatch(/1\.00–5\.00/);
    expect(stakeProblem('1.25', RULES)).toMatch(/steps of 0\.50/);
    expect(stakeProblem('abc', RULES)).toMatch(/Enter a stake/);
    expect(stakeProblem('1.234', RULES)).toMatch(/Enter a stake/);
  });

  it('never treats prices between -100 and +100 as odds', () => {
    expect(() => profitCents(50, 100)).toThrow(RangeError);
  });

  it('shows decimal odds with the stake included', () => {
    expect(formatDecimal(150)).toBe('2.50');
    expect(formatDecimal(-110)).toBe('1.91');
    expect(formatDecimal(100)).toBe('2.00');
  });
});

describe('rulebook', () => {
  // docs/grading.md, spread examples on a 110-107 final.
  it.each([
    ['home', -2.5, 'won'],
    ['away', 2.5, 'lost'],
    ['home', -3, 'push'],
    ['away', 3, 'push'],
    ['home', -3.5, 'lost'],
    ['away', 3.5, 'won'],
  ] as const)('spread %s %d on 110-107 is %s', (selection, point, result) => {
    expect(grade({ market: 'spreads', selection, point }, { home: 110, away: 107 })).toBe(result);
  });

  it('pushes a total that lands on the number and pays nothing for it', () => {
    expect(grade({ market: 'totals', selection: 'over', point: 221 }, { home: 111, away: 110 })).toBe('push');
    expect(resultCents('push', -110, 500)).toBe(0);
    expect(resultCents('lost', -110, 500)).toBe(-500);
  });
});
