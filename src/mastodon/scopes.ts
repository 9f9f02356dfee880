// OAuth scopes as Mastodon has them: `read`, `write`, `follow`, `push`, `profile`, and the
// granular `read:accounts`, `write:follows`, … A top-level scope grants its granular ones;
// `follow` (deprecated by Mastodon, still sent by apps) grants the follow-related ones.

export const TOP_SCOPES = ["read", "write", "follow", "push", "profile"] as const;

const GRANULAR: Record<string, readonly string[]> = {
  read: ["accounts", "blocks", "bookmarks", "favourites", "filters", "follows", "lists", "mutes", "notifications", "search", "statuses"],
  write: ["accounts", "blocks", "bookmarks", "conversations", "favourites", "filters", "follows", "lists", "media", "mutes", "notifications", "reports", "statuses"],
  admin: [],
};

const FOLLOW_GRANTS = ["read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes"];

/** Every scope name an app may ask for. */
export function isKnownScope(scope: string): boolean {
  if ((TOP_SCOPES as readonly string[]).includes(scope)) return true;
  const [top, sub] = scope.split(":");
  return sub !== undefined && (GRANULAR[top!]?.includes(sub) ?? false);
}

/** A scope string (space- or plus-separated) as a list; `read` when none is given, as Mastodon. */
export function parseScopes(value: unknown, fallback = "read"): string[] {
  const s = typeof value === "string" && value.trim() ? value : Array.isArray(value) ? value.join(" ") : fallback;
  return [...new Set(s.split(/[\s+]+/).filter(Boolean))];
}

/** Whether `granted` allows a call that needs `needed` (e.g. `read:accounts`). */
export function allows(granted: readonly string[], needed: string): boolean {
  if (granted.includes(needed)) return true;
  const [top] = needed.split(":");
  if (granted.includes(top!)) return true;
  return granted.includes("follow") && FOLLOW_GRANTS.includes(needed);
}

/** Whether every one of `asked` lies within `registered` (an app cannot be granted more than it registered). */
export function withinScopes(asked: readonly string[], registered: readonly string[]): boolean {
  return asked.every((s) => registered.includes(s) || allows(registered, s));
}
