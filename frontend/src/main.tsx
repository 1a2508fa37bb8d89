import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router';

import { ApiError } from './api/client';
import { Layout } from './components/Layout';
import { BoardPage } from './pages/Board';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      // A refusal (4xx) will not change on retry; a network blip or a 5xx may.
      retry: (count, error) => count < 2 && !(error instanceof ApiError && error.status < 500),
    },
  },
});

// The board is the landing page and ships in the first bundle; every other page loads when first opened.
const router = createBrowserRouter([
  {
    path: '/',
    Component: Layout,
    // Shown while the first page's code loads when the app is opened on a lazy route (e.g. /leaderboard).
    HydrateFallback: () => <p role="status">Loading PickVs…</p>,
    children: [
      { index: true, Component: BoardPage },
      { path: 'signin', lazy: async () => ({ Component: (await import('./pages/Auth')).SignInPage }) },
      { path: 'signup', lazy: async () => ({ Component: (await import('./pages/Auth')).SignUpPage }) },
      { path: 'my-picks', lazy: async () => ({ Component: (await import('./pages/MyPicks')).MyPicksPage }) },
      { path: 'leaderboard', lazy: async () => ({ Component: (await import('./pages/Leaderboard')).LeaderboardPage }) },
      { path: 'players/:username', lazy: async () => ({ Component: (await import('./pages/Profile')).ProfilePage }) },
      { path: 'games/:id', lazy: async () => ({ Component: (await import('./pages/Game')).GamePage }) },
      { path: 'leagues', lazy: async () => ({ Component: (await import('./pages/Leagues')).LeaguesPage }) },
      { path: 'leagues/:id', lazy: async () => ({ Component: (await import('./pages/League')).LeaguePage }) },
      { path: 'join/:code', lazy: async () => ({ Component: (await import('./pages/Join')).JoinPage }) },
      { path: '*', lazy: async () => ({ Component: (await import('./pages/NotFound')).NotFoundPage }) },
    ],
  },
]);

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
