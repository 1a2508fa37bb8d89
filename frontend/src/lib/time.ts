import { useSyncExternalStore } from 'react';

// One ticking clock for the whole page: every countdown reads the same instant, and only one timer runs.
const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === undefined) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      listeners.forEach((l) => l());
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** The current time in ms, re-rendering every second while mounted. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, () => (timer === undefined ? Date.now() : now));
}

/** "2d 4h", "1h 05m", "4:07" — time left until `target`, or null once it has passed. */
export function countdown(target: number, at: number): string | null {
  const seconds = Math.ceil((target - at) / 1000);
  if (seconds <= 0) return null;
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const secs = seconds % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  return `${minutes}:${String(secs).padStart(2, '0')}`;
}

/** Tip-off in the player's own time zone: "7:30 PM EST". */
export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }).format(
    new Date(iso),
  );
}

/** A date and time in the player's time zone: "Thu, Nov 26, 7:30 PM". */
export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat(undefined, {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  }).format(new Date(iso));
}

/** The player's local calendar day of an instant, as YYYY-MM-DD (for grouping). */
export function localDay(iso: string | number): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** "Today", "Tomorrow" or "Saturday, November 28" for a local day. */
export function dayHeading(day: string, at: number): string {
  if (day === localDay(at)) return 'Today';
  if (day === localDay(at + 86_400_000)) return 'Tomorrow';
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' }).format(
    new Date(y, m - 1, d),
  );
}

/** A UTC calendar day (YYYY-MM-DD from the API) as people read it: "Nov 26, 2026". */
export function formatUtcDay(day: string): string {
  return new Intl.DateTimeFormat(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${day}T00:00:00Z`));
}

/** Today's UTC calendar day as YYYY-MM-DD (a league's default start). */
export function utcToday(at: number = Date.now()): string {
  return new Date(at).toISOString().slice(0, 10);
}
