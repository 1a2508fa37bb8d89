// The main flow: sign up, pick two games, the simulator finishes them, the grader grades them, and My picks and the
// leaderboard show the results the rulebook gives. Every page visited is checked with axe and photographed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formatCents } from '../src/lib/odds';
import { grade, resultCents, type Market, type Selection } from '../src/lib/rulebook';
import {
  type Browser,
  control,
  expectAccessible,
  expectCleanConsole,
  newPlayer,
  openBrowser,
  screenshots,
  type StackGame,
  stack,
} from './helpers';

interface StoredPick {
  id: number;
  game_id: number;
  market: Market;
  selection: Selection;
  point: string | null;
  price: number;
  stake: string;
  status: string;
  result_units: string | null;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let browser: Browser;
beforeAll(async () => {
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('a season in a minute', () => {
  it('signs up, picks two games, and sees them graded on My picks and the leaderboard', async () => {
    const { page } = browser;
    // GIVEN a new player who signs up with a strong passphrase
    const player = newPlayer('rookie');
    await page.goto('/signup');
    await expectAccessible(page, 'sign up');
    await page.getByLabel('Email').fill(player.email);
    await page.getByLabel('Username').fill(player.username);
    await page.getByLabel('Password').fill(player.password);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/');
    await expect.poll(() => page.getByRole('link', { name: player.username }).count()).toBe(1);

    // AND two games on the board tipping off in 30 seconds
    const { games } = await control<{ games: StackGame[] }>('/games', {
      count: 2,
      tip_in_seconds: 30,
      duration_seconds: 8,
    });
    const [first, second] = games as [StackGame, StackGame];
    await page.goto('/');
    const firstCard = page.locator(`[data-game-id="${first.id}"]`);
    const secondCard = page.locator(`[data-game-id="${second.id}"]`);
    await expect.poll(() => firstCard.getByText('starts in').count()).toBe(1);

    // WHEN the player takes the first game's home spread for 2.5 units and the second game's over for 1.5
    await firstCard.getByRole('button', { name: new RegExp(`^${escape(first.home_team)} \\S+ spread at`) }).click();
    // (the second by keyboard: focus the button and press Space, as a player without a mouse would)
    await secondCard.getByRole('button', { name: /^Over \S+ total at/ }).focus();
    await page.keyboard.press('Space');
    const stakes = page.locator('#slip').getByLabel('Stake (units)');
    await stakes.nth(0).fill('2.5');
    await stakes.nth(1).fill('1.5');
    await expect
      .poll(() => page.locator('#slip').getByRole('button', { name: 'Place 2 picks' }).isEnabled())
      .toBe(true);
    await expectAccessible(page, 'the board with a filled slip');
    await screenshots(page, 'board');
    await screenshots(page, 'bet-slip', '#slip');
    await page.locator('#slip').getByRole('button', { name: 'Place 2 picks' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: '2 picks placed.' }).count()).toBe(1);

    // AND the games finish and are graded
    const { games: finals } = await control<{ games: { id: number; home_score: number; away_score: number }[] }>(
      '/finish',
      { game_ids: [first.id, second.id] },
    );

    // THEN My picks shows each pick graded with the units the rulebook gives for its final score
    const token = await page.evaluate(
      () => JSON.parse(sessionStorage.getItem('pickvs.session') ?? '{}').token as string,
    );
    const mine = (await (
      await fetch(`${stack().app}/api/picks/me`, { headers: { Authorization: `Bearer ${token}` } })
    ).json()) as { picks: StoredPick[] };
    expect(mine.picks).toHaveLength(2);
    await page.goto('/my-picks');
    let total = 0;
    const record = { won: 0, lost: 0, push: 0 };
    for (const pick of mine.picks) {
      const final = finals.find((f) => f.id === pick.game_id);
      expect(final).toBeDefined();
      const result = grade(
        { market: pick.market, selection: pick.selection, point: pick.point === null ? null : Number(pick.point) },
        { home: final?.home_score ?? 0, away: final?.away_score ?? 0 },
      );
      const stakeCents = Math.round(Number(pick.stake) * 100);
      const units = resultCents(result, pick.price, stakeCents);
      total += units;
      record[result] += 1;
      const row = page.locator(`[data-pick-id="${pick.id}"]`);
      await expect.poll(() => row.textContent()).toContain(formatCents(units, { signed: true }));
      await expect.poll(() => row.textContent()).toContain({ won: 'Won', lost: 'Lost', push: 'Push' }[result]);
      await expect.poll(() => row.textContent()).toContain(`${final?.home_score}`);
    }
    await expect
      .poll(() => page.getByLabel('My record').textContent())
      .toContain(`${record.won}-${record.lost}-${record.push}`);
    await expectAccessible(page, 'my picks');
    await screenshots(page, 'my-picks');

    // AND the leaderboard ranks the player with those units, their row highlighted
    await page.goto('/leaderboard');
    const row = page.getByRole('row', { name: new RegExp(`\\b${player.username}\\b`) });
    await expect.poll(() => row.first().textContent()).toContain(formatCents(total, { signed: true }));
    expect(await row.first().getAttribute('aria-current')).toBe('true');
    await expectAccessible(page, 'the leaderboard');
    await screenshots(page, 'leaderboard');

    // AND the controls live in the URL, and the player's own row shows even on a page that does not hold it
    const rank = Number(await row.first().locator('td').first().textContent());
    await page.goto(`/leaderboard?window=week&sort=units&offset=${rank}`);
    await expect.poll(() => page.getByRole('row', { name: new RegExp(`\\b${player.username}\\b`) }).count()).toBe(1);
    expect(await page.getByLabel('Window').inputValue()).toBe('week');

    // AND a profile shows a player's record, chart and graded picks
    await page.goto('/leaderboard');
    await page.getByRole('row').nth(1).getByRole('link').click();
    await expect.poll(() => page.getByRole('img', { name: /^Units over time/ }).count()).toBe(1);
    await expectAccessible(page, 'a profile');
    await screenshots(page, 'profile');

    // AND the game page shows the final score and how players picked
    await page.goto(`/games/${first.id}`);
    const final = finals.find((f) => f.id === first.id);
    await expect
      .poll(() => page.locator('.game-status').textContent())
      .toContain(`${first.home_team} ${final?.home_score}`);
    await expect.poll(() => page.getByRole('meter').count()).toBeGreaterThan(0);
    await expectAccessible(page, 'a game page');

    // AND nothing went wrong in the browser along the way
    expectCleanConsole(browser);
  });
});
