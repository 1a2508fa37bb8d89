// Invite codes: 16 URL-safe characters (the API's pattern), found on their own or at the end of a join link.
const CODE = /^[A-Za-z0-9_-]{16}$/;

/** The invite code in what a player pasted (a code, or a link ending in /join/<code>); null when there is none. */
export function inviteCodeFrom(text: string): string | null {
  const trimmed = text.trim().replace(/\/+$/, '');
  const last = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  return CODE.test(last) ? last : null;
}

/** The join link of a code, on this app's origin. */
export function joinLink(code: string, origin: string = window.location.origin): string {
  return `${origin}/join/${code}`;
}
