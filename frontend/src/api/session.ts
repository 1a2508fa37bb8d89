// The signed-in player's token, kept for the browser session (sessionStorage) and sent on every API call.
import { useSyncExternalStore } from 'react';

export interface Session {
  token: string;
  username: string;
  userId: number;
  expiresAt: number;
}

const KEY = 'pickvs.session';
const listeners = new Set<() => void>();
let current: Session | null = read();
// Set when the API refused our token (expired or revoked): the layout sends the player to sign in again.
let expired = false;

function read(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    const session = raw ? (JSON.parse(raw) as Session) : null;
    return session && session.expiresAt > Date.now() ? session : null;
  } catch {
    return null;
  }
}

function emit(): void {
  listeners.forEach((l) => l());
}

export function getSession(): Session | null {
  return current;
}

export function signIn(session: Session): void {
  current = session;
  expired = false;
  sessionStorage.setItem(KEY, JSON.stringify(session));
  emit();
}

export function signOut(): void {
  current = null;
  sessionStorage.removeItem(KEY);
  emit();
}

/** The API answered 401 to our token: forget it and remember why, so sign-in can say so. */
export function expireSession(): void {
  if (current === null) return;
  current = null;
  expired = true;
  sessionStorage.removeItem(KEY);
  emit();
}

export function sessionExpired(): boolean {
  return expired;
}

/** The player has been sent to sign in once; browsing on signed out must not send them there again. */
export function acknowledgeExpiry(): void {
  expired = false;
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): Session | null {
  return useSyncExternalStore(subscribeSession, getSession);
}

/** Test hook: forget everything, as a fresh page load would. */
export function resetSession(): void {
  current = read();
  expired = false;
}
