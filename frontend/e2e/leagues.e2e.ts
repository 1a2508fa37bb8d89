// Leagues end to end: one player starts a league, a friend joins by its link (signing up on the way), both pick, the
// games are graded, and the league's leaderboard and feed show both with the units the rulebook gives.
import { afterAll, describe, expect, it } from 'vitest';

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
  game_id: number;
  market: Market;
  selection: Selection;
  point: string | null;
  price: number;
  stake: string;
}

type Final = { id: number; home_score: number; away_score: number };

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const browsers: Browser[] = [];
afterAll(async () => {
  await Promise.all(browsers.map((b) => b.close()));
});

async function signUp(browser: Browser, player: ReturnType<typeof newPlayer>) {
  const { page } = browser;
  await page.getByLabel('Email').fill(player.email);
  await page.getByLabel('Username').fill(player.username);
  await page.getByLabel('Password').fill(player.password);
  await page.getByRole('button', { name: 'Sign up' }).click();
}

/** The player's picks as the API stores them (the line and price they were taken at). */
async function storedPicks(browser: Browser): Promise<StoredPick[]> {
  const token = await browser.page.evaluate(
    () => JSON.parse(sessionStorage.getItem('pickvs.session') ?? '{}').token as string,
  );
  const response = await fetch(`${stack().app}/api/picks/me`, { headers: { Authorization: `Bearer ${token}` } });
  return ((await response.json()) as { picks: StoredPick[] }).picks;
}

/** The units the rulebook gives a player's picks on these final scores, in hundredths. */
function rulebookCents(picks: StoredPick[], finals: Final[]): number {
  let total = 0;
  for (const pick of picks) {
    const final = finals.find((f) => f.id === pick.game_id);
    expect(final).toBeDefined();
    const result = grade(
      { market: pick.market, selection: pick.selection, point: pick.point === null ? null : Number(pick.point) },
      { home: final?.home_score ?? 0, away: final?.away_score ?? 0 },
    );
    total += resultCents(result, pick.price, Math.round(Number(pick.stake) * 100));
  }
  return total;
}

describe('a league among friends', () => {
  it('is started by one player, joined by link by another, and ranks both once their picks are graded', async () => {
    // GIVEN ann, who signs up and starts an NBA league
    const ann = newPlayer('ann');
    const a = await openBrowser();
    browsers.push(a);
    await a.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack().app });
    await a.page.goto('/signup?next=/leagues');
    await signUp(a, ann);
    await expect.poll(() => new URL(a.page.url()).pathname).toBe('/leagues');
    await expect.poll(() => a.page.getByText('You are in no league yet.', { exact: false }).count()).toBe(1);
    await expectAccessible(a.page, 'the leagues page');
    await a.page.getByLabel('Name').fill('Friday Five');
    await a.page.getByLabel('Description (optional)').fill('Loser buys the wings.');
    await a.page.getByLabel('Sport').selectOption('basketball_nba');
    await a.page.getByRole('button', { name: 'Create league' }).click();
    await expect.poll(() => new URL(a.page.url()).pathname).toMatch(/^\/leagues\/\d+$/);
    const leaguePath = new URL(a.page.url()).pathname;

    // AND she copies the league's join link
    const link = await a.page.getByLabel('Join link').inputValue();
    expect(link).toMatch(new RegExp(`^${escape(stack().app)}/join/[A-Za-z0-9_-]{16}$`));
    await a.page.getByRole('button', { name: 'Copy link' }).click();
    await expect.poll(() => a.page.getByText('Link copied.').count()).toBe(1);
    expect(await a.page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    await expectAccessible(a.page, 'a new league');

    // WHEN bob, who has no account, opens the link in his own browser, signs up from there, and lands in the league
    const bob = newPlayer('bob');
    const b = await openBrowser();
    browsers.push(b);
    await b.page.goto(link);
    await expectAccessible(b.page, 'the join page, signed out');
    await b.page.getByRole('link', { name: 'Sign up to join' }).click();
    await expect.poll(() => new URL(b.page.url()).pathname).toBe('/signup');
    await signUp(b, bob);
    await expect.poll(() => new URL(b.page.url()).pathname).toBe(leaguePath);
    await expect.poll(() => b.page.getByText('You joined Friday Five.', { exact: false }).count()).toBe(1);

    // AND two games tip off in 40 seconds, and each picks on the board
    const { games } = await control<{ games: StackGame[] }>('/games', {
      count: 2,
      tip_in_seconds: 40,
      duration_seconds: 8,
    });
    const [first, second] = games as [StackGame, StackGame];
    // (ann: the first game's home spread for 2 units)
    await a.page.goto('/');
    const annCard = a.page.locator(`[data-game-id="${first.id}"]`);
    await annCard.getByRole('button', { name: new RegExp(`^${escape(first.home_team)} \\S+ spread at`) }).click();
    await a.page.locator('#slip').getByLabel('Stake (units)').fill('2');
    await a.page.locator('#slip').getByRole('button', { name: 'Place 1 pick' }).click();
    await expect.poll(() => a.page.getByRole('status').filter({ hasText: '1 pick placed.' }).count()).toBe(1);
    // (bob: the first game's away moneyline for 1.5 and the second game's over for 3)
    await b.page.goto('/');
    await b.page
      .locator(`[data-game-id="${first.id}"]`)
      .getByRole('button', { name: new RegExp(`^${escape(first.away_team)} moneyline at`) })
      .click();
    await b.page
      .locator(`[data-game-id="${second.id}"]`)
      .getByRole('button', { name: /^Over \S+ total at/ })
      .click();
    const stakes = b.page.locator('#slip').getByLabel('Stake (units)');
    await stakes.nth(0).fill('1.5');
    await stakes.nth(1).fill('3');
    await b.page.locator('#slip').getByRole('button', { name: 'Place 2 picks' }).click();
    await expect.poll(() => b.page.getByRole('status').filter({ hasText: '2 picks placed.' }).count()).toBe(1);

    // THEN before tip-off ann's league feed shows nothing of bob's picks
    await a.page.goto(leaguePath);
    await expect.poll(() => a.page.getByText('No member has a pick on a game that has started yet.').count()).toBe(1);

    // WHEN the games finish and are graded
    const { games: finals } = await control<{ games: Final[] }>('/finish', { game_ids: [first.id, second.id] });

    // THEN the league's leaderboard ranks both with the units the rulebook gives their picks on the final scores
    const annCents = rulebookCents(await storedPicks(a), finals);
    const bobCents = rulebookCents(await storedPicks(b), finals);
    await a.page.goto(leaguePath);
    const ranking = a.page.locator('table.ranking');
    const annRow = ranking.getByRole('row', { name: new RegExp(`\\b${ann.username}\\b`) });
    const bobRow = ranking.getByRole('row', { name: new RegExp(`\\b${bob.username}\\b`) });
    await expect.poll(() => annRow.textContent()).toContain(formatCents(annCents, { signed: true }));
    await expect.poll(() => bobRow.textContent()).toContain(formatCents(bobCents, { signed: true }));
    expect(await ranking.locator('tbody tr').count()).toBe(2);
    expect(await annRow.getAttribute('aria-current')).toBe('true');
    // AND the higher units rank first (a tie goes to ann, who staked less)
    const order = await ranking.locator('tbody th a').allTextContents();
    expect(order).toEqual(annCents >= bobCents ? [ann.username, bob.username] : [bob.username, ann.username]);

    // AND the feed shows both games with their picks, and how the league split on the first
    const firstGame = a.page.locator(`[data-feed-game="${first.id}"]`);
    await expect.poll(() => firstGame.locator('.feed-pick').count()).toBe(2);
    await expect.poll(() => a.page.locator(`[data-feed-game="${second.id}"] .feed-pick`).count()).toBe(1);
    expect(await firstGame.getByRole('meter').count()).toBeGreaterThan(0);
    await expectAccessible(a.page, 'a league page');
    await screenshots(a.page, 'league');

    // AND the new player sees the league among his leagues
    await b.page.goto('/leagues');
    await expect.poll(() => b.page.getByRole('link', { name: 'Friday Five' }).count()).toBe(1);

    // AND nothing went wrong in either browser
    expectCleanConsole(a);
    expectCleanConsole(b);
  });
});
