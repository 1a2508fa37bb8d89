// What the app shows when the API refuses: a pick after tip-off, a moved line, an expired session.
import { afterEach, describe, expect, it } from 'vitest';

import {
  type Browser,
  control,
  expectAccessible,
  expectCleanConsole,
  openBrowser,
  signInAsPlayer,
  type StackGame,
  stack,
} from './helpers';

let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

describe('refusals', () => {
  it('shows the refusal next to a pick placed after tip-off', async () => {
    // GIVEN a player whose clock runs ten minutes slow, so the app still shows the game open after tip-off
    browser = await openBrowser({ clockSkewMs: -10 * 60_000 });
    const { page } = browser;
    await signInAsPlayer(page);
    const { games } = await control<{ games: StackGame[] }>('/games', {
      count: 1,
      tip_in_seconds: 15,
      duration_seconds: 600,
    });
    const game = games[0] as StackGame;
    await page.goto('/');
    const card = page.locator(`[data-game-id="${game.id}"]`);
    await card
      .getByRole('button', { name: new RegExp(`moneyline at`) })
      .first()
      .click();
    // WHEN the game tips off by the server's clock and the player places the pick
    await control('/started', { game_ids: [game.id] });
    await page.locator('#slip').getByRole('button', { name: 'Place 1 pick' }).click();
    // THEN the slip shows the API's refusal beside the pick and keeps it
    const item = page.locator('#slip li');
    await expect.poll(() => item.textContent()).toContain('The game has started; picks on it are closed.');
    await expectAccessible(page, 'a refused slip');
    expectCleanConsole(browser, { expectedStatuses: [409] });
  });

  it('offers the new line when it moved, places the pick at it, and keeps the slip through an expired session', async () => {
    // GIVEN a signed-in player with a spread on the slip
    browser = await openBrowser();
    const { page } = browser;
    await signInAsPlayer(page);
    await expectAccessible(page, 'the board');
    const { games } = await control<{ games: StackGame[] }>('/games', {
      count: 1,
      tip_in_seconds: 1800,
      duration_seconds: 60,
    });
    const game = games[0] as StackGame;
    await page.goto('/');
    const card = page.locator(`[data-game-id="${game.id}"]`);
    await card
      .getByRole('button', {
        name: new RegExp(`^${game.home_team.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\S+ spread at`),
      })
      .click();
    const [taken] = await page.evaluate(
      () => JSON.parse(localStorage.getItem('pickvs.slip') ?? '[]') as { price: number; point: string }[],
    );
    // WHEN the line moves before the player places the pick
    const moved = await control<{ price: number; point: string }>('/move-line', {
      game_id: game.id,
      market: 'spreads',
      selection: 'home',
      price: taken?.price,
      point: taken?.point,
    });
    const slipBox = page.locator('#slip');
    await slipBox.getByRole('button', { name: 'Place 1 pick' }).click();
    // THEN the slip says so and offers the new line
    const alert = slipBox.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('The line has moved');
    await expectAccessible(page, 'a slip with a moved line');
    // WHEN the player accepts it and places the pick again
    await alert.getByRole('button', { name: /^Accept / }).click();
    await slipBox.getByRole('button', { name: 'Place 1 pick' }).click();
    // THEN the pick is stored at the new line
    await expect.poll(() => slipBox.getByRole('status').textContent()).toContain('1 pick placed.');
    const token = await page.evaluate(
      () => JSON.parse(sessionStorage.getItem('pickvs.session') ?? '{}').token as string,
    );
    const mine = (await (
      await fetch(`${stack().app}/api/picks/me`, { headers: { Authorization: `Bearer ${token}` } })
    ).json()) as {
      picks: { price: number; point: string }[];
    };
    expect(mine.picks.map((p) => [p.price, Number(p.point)])).toEqual([[moved.price, Number(moved.point)]]);

    // WHEN, with another pick on the slip, the player's token is no longer accepted
    await card
      .getByRole('button', { name: /moneyline at/ })
      .first()
      .click();
    await page.evaluate(() => {
      const session = JSON.parse(sessionStorage.getItem('pickvs.session') ?? '{}');
      sessionStorage.setItem('pickvs.session', JSON.stringify({ ...session, token: `${session.token}tampered` }));
    });
    await page.goto('/my-picks');
    // THEN the app asks them to sign in again and the slip is still there
    await expect.poll(() => new URL(page.url()).pathname).toBe('/signin');
    await expect.poll(() => page.getByText('Your session has expired').count()).toBe(1);
    expect(await page.evaluate(() => JSON.parse(localStorage.getItem('pickvs.slip') ?? '[]').length)).toBe(1);
    await expectAccessible(page, 'sign in');
    expectCleanConsole(browser, { expectedStatuses: [409, 401] });
  });
});
