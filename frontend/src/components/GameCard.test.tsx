import { act, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { Game } from '../api/client';
import { setOddsFormat } from '../lib/preferences';
import { renderWithApp } from '../test/render';
import { GameCard } from './GameCard';

const START = new Date('2026-11-26T18:00:00Z').getTime();

function game(commence: number): Game {
  return {
    id: 3,
    sport_key: 'basketball_nba',
    sport_title: 'NBA',
    home_team: 'Boston Celtics',
    away_team: 'New York Knicks',
    commence_time: new Date(commence).toISOString(),
    status: 'scheduled',
    started: false,
    home_score: null,
    away_score: null,
    completed_at: null,
    void_reason: null,
    odds_taken_at: null,
    markets: [
      {
        market: 'h2h',
        bookmaker: 'draftkings',
        bookmaker_count: 6,
        outcomes: [
          { selection: 'home', price: -150, point: null },
          { selection: 'away', price: 130, point: null },
        ],
      },
    ],
  };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(START);
});
afterEach(() => vi.useRealTimers());

describe('countdown lock', () => {
  it('counts down to tip-off and locks the game when it starts, without a reload', () => {
    // GIVEN a game tipping off in 5 seconds
    renderWithApp(<GameCard game={game(START + 5_000)} defaultStake="1" />);
    const celtics = screen.getByRole('button', { name: 'Boston Celtics moneyline at -150' });
    expect(screen.getByText('0:05')).toBeInTheDocument();
    expect(celtics).toBeEnabled();
    // WHEN 4 seconds pass
    act(() => vi.advanceTimersByTime(4_000));
    // THEN the countdown shows the last second and the game is still open
    expect(screen.getByText('0:01')).toBeInTheDocument();
    expect(celtics).toBeEnabled();
    // WHEN tip-off passes
    act(() => vi.advanceTimersByTime(1_000));
    // THEN the card says it is locked and its buttons no longer take picks
    expect(screen.getByText('Locked: game started')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Boston Celtics moneyline at -150' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'New York Knicks moneyline at +130' })).toBeDisabled();
  });

  it('shows a game already past tip-off as locked from the start', () => {
    renderWithApp(<GameCard game={game(START - 1_000)} defaultStake="1" />);
    expect(screen.getByText('Locked: game started')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Boston Celtics moneyline at -150' })).toBeDisabled();
  });
});

describe('odds format', () => {
  it('shows decimal odds, stake included, once the player chooses them', () => {
    // GIVEN a player who prefers decimal odds
    setOddsFormat('decimal');
    // WHEN a game at -150 / +130 is shown
    renderWithApp(<GameCard game={game(START + 60_000)} defaultStake="1" />);
    // THEN -150 reads 1.67 (1 + 100/150) and +130 reads 2.30
    expect(screen.getByRole('button', { name: 'Boston Celtics moneyline at 1.67' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'New York Knicks moneyline at 2.30' })).toBeInTheDocument();
  });
});
