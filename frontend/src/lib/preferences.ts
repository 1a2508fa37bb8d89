// The player's display preferences, kept in localStorage.
import { useSyncExternalStore } from 'react';

import type { OddsFormat } from './odds';

const KEY = 'pickvs.oddsFormat';
const listeners = new Set<() => void>();

function read(): OddsFormat {
  return localStorage.getItem(KEY) === 'decimal' ? 'decimal' : 'american';
}

export function setOddsFormat(format: OddsFormat): void {
  localStorage.setItem(KEY, format);
  listeners.forEach((l) => l());
}

export function useOddsFormat(): OddsFormat {
  return useSyncExternalStore((l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  }, read);
}
