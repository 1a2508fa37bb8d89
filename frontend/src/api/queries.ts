// TanStack Query hooks over the typed client: one per API read the pages use.
import { keepPreviousData, useQuery } from '@tanstack/react-query';

import { api, unwrap } from './client';
import { useSession } from './session';

export type SortKey = 'units' | 'roi' | 'win_rate' | 'rating';
export type LeaderboardWindow = 'all' | 'season' | 'month' | 'week';

export function useRules() {
  return useQuery({
    queryKey: ['rules'],
    queryFn: async () => unwrap(await api.GET('/api/rules')),
    staleTime: 5 * 60_000,
  });
}

export function useBoard() {
  return useQuery({
    queryKey: ['board'],
    queryFn: async () => unwrap(await api.GET('/api/games/upcoming', { params: { query: { limit: 100 } } })),
    // The server keeps a board at most 30 s; asking every 30 s costs a 304 when nothing changed.
    refetchInterval: 30_000,
  });
}

export function useGame(gameId: number) {
  return useQuery({
    queryKey: ['game', gameId],
    queryFn: async () => unwrap(await api.GET('/api/games/{game_id}', { params: { path: { game_id: gameId } } })),
    refetchInterval: 30_000,
  });
}

export function useConsensus(gameId: number) {
  return useQuery({
    queryKey: ['consensus', gameId],
    queryFn: async () =>
      unwrap(await api.GET('/api/games/{game_id}/consensus', { params: { path: { game_id: gameId } } })),
  });
}

export function useMe() {
  const session = useSession();
  return useQuery({
    queryKey: ['me', session?.userId],
    queryFn: async () => unwrap(await api.GET('/api/me')),
    enabled: session !== null,
  });
}

export function useMyPicks() {
  const session = useSession();
  return useQuery({
    queryKey: ['my-picks', session?.userId],
    queryFn: async () => unwrap(await api.GET('/api/picks/me', { params: { query: { limit: 200 } } })),
    enabled: session !== null,
    refetchInterval: 30_000,
  });
}

export interface LeaderboardControls {
  window: LeaderboardWindow;
  sport: string | null;
  sort: SortKey;
  offset: number;
}

export const LEADERBOARD_PAGE = 50;

export function useLeaderboard(controls: LeaderboardControls) {
  return useQuery({
    queryKey: ['leaderboard', controls],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/leaderboard', {
          params: {
            query: {
              window: controls.window,
              sort: controls.sort,
              limit: LEADERBOARD_PAGE,
              offset: controls.offset,
              ...(controls.sport ? { sport: controls.sport } : {}),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useMyStanding(controls: LeaderboardControls) {
  const session = useSession();
  return useQuery({
    queryKey: ['leaderboard-me', session?.userId, controls.window, controls.sport, controls.sort],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/leaderboard/me', {
          params: {
            query: {
              window: controls.window,
              sort: controls.sort,
              ...(controls.sport ? { sport: controls.sport } : {}),
            },
          },
        }),
      ),
    enabled: session !== null,
  });
}

export const PROFILE_PAGE = 25;

export function useProfile(username: string, offset: number) {
  const session = useSession();
  return useQuery({
    queryKey: ['profile', username, offset, session?.userId],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/users/{username}', {
          params: { path: { username }, query: { limit: PROFILE_PAGE, offset } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useMyLeagues() {
  const session = useSession();
  return useQuery({
    queryKey: ['leagues', session?.userId],
    queryFn: async () => unwrap(await api.GET('/api/leagues')),
    enabled: session !== null,
  });
}

export function useLeague(leagueId: number) {
  const session = useSession();
  return useQuery({
    queryKey: ['league', leagueId, session?.userId],
    queryFn: async () =>
      unwrap(await api.GET('/api/leagues/{league_id}', { params: { path: { league_id: leagueId } } })),
    enabled: session !== null,
  });
}

export function useLeagueMembers(leagueId: number) {
  const session = useSession();
  return useQuery({
    queryKey: ['league-members', leagueId, session?.userId],
    queryFn: async () =>
      unwrap(await api.GET('/api/leagues/{league_id}/members', { params: { path: { league_id: leagueId } } })),
    enabled: session !== null,
  });
}

export function useLeagueLeaderboard(leagueId: number, controls: LeaderboardControls) {
  const session = useSession();
  return useQuery({
    queryKey: ['league-leaderboard', leagueId, session?.userId, controls],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/leagues/{league_id}/leaderboard', {
          params: {
            path: { league_id: leagueId },
            query: {
              window: controls.window,
              sort: controls.sort,
              limit: LEADERBOARD_PAGE,
              offset: controls.offset,
              ...(controls.sport ? { sport: controls.sport } : {}),
            },
          },
        }),
      ),
    enabled: session !== null,
    placeholderData: keepPreviousData,
    // Graded picks move the board; nothing announces it to a private answer, so look again now and then.
    refetchInterval: 30_000,
  });
}

export function useLeagueStanding(leagueId: number, controls: LeaderboardControls) {
  const session = useSession();
  return useQuery({
    queryKey: ['league-standing', leagueId, session?.userId, controls.window, controls.sport, controls.sort],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/leagues/{league_id}/leaderboard/me', {
          params: {
            path: { league_id: leagueId },
            query: {
              window: controls.window,
              sort: controls.sort,
              ...(controls.sport ? { sport: controls.sport } : {}),
            },
          },
        }),
      ),
    enabled: session !== null,
    refetchInterval: 30_000,
  });
}

export const FEED_PAGE = 10;

export function useLeagueFeed(leagueId: number, offset: number) {
  const session = useSession();
  return useQuery({
    queryKey: ['league-feed', leagueId, session?.userId, offset],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/leagues/{league_id}/feed', {
          params: { path: { league_id: leagueId }, query: { limit: FEED_PAGE, offset } },
        }),
      ),
    enabled: session !== null,
    placeholderData: keepPreviousData,
    // Picks appear at tip-off and results at grading: a feed left open keeps up.
    refetchInterval: 30_000,
  });
}
