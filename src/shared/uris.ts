// The URL templates of every ActivityPub object Folkmoot serves. Fedify's
// dispatchers are registered with the same templates (federation/index.ts),
// so services can name objects without a Fedify context.

export const ACTOR_PATH = "/ap/actors/{identifier}";
export const INBOX_PATH = "/ap/actors/{identifier}/inbox";
export const OUTBOX_PATH = "/ap/actors/{identifier}/outbox";
export const FOLLOWERS_PATH = "/ap/actors/{identifier}/followers";
export const FOLLOWING_PATH = "/ap/actors/{identifier}/following";
export const SHARED_INBOX_PATH = "/ap/inbox";
export const NOTE_PATH = "/ap/notes/{id}";
export const ACTIVITY_PATH = "/ap/activities/{id}";

/** The instance actor's fixed identifier and handle (FEP-d556). */
export const INSTANCE_ACTOR_ID = "instance";

export function actorUri(origin: URL, id: string): URL {
  return new URL(`/ap/actors/${encodeURIComponent(id)}`, origin);
}
export function inboxUri(origin: URL, id: string): URL {
  return new URL(`/ap/actors/${encodeURIComponent(id)}/inbox`, origin);
}
export function followersUri(origin: URL, id: string): URL {
  return new URL(`/ap/actors/${encodeURIComponent(id)}/followers`, origin);
}
export function noteUri(origin: URL, id: string): URL {
  return new URL(`/ap/notes/${encodeURIComponent(id)}`, origin);
}
export function activityUri(origin: URL, id: string = crypto.randomUUID()): URL {
  return new URL(`/ap/activities/${encodeURIComponent(id)}`, origin);
}
/** A proposal of a local body, as an ActivityPub object (a `Question`). */
export function proposalUri(origin: URL, id: string): URL {
  return new URL(`/ap/proposals/${encodeURIComponent(id)}`, origin);
}
export function profileUrl(origin: URL, handle: string): URL {
  return new URL(`/@${handle}`, origin);
}

/** The local actor id named by `uri`, if `uri` is one of ours. */
export function localActorId(origin: URL, uri: URL | string): string | null {
  const u = typeof uri === "string" ? safeUrl(uri) : uri;
  if (!u || u.origin !== origin.origin) return null;
  const m = /^\/ap\/actors\/([^/]+)$/.exec(u.pathname);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

export function isLocal(origin: URL, uri: URL | string): boolean {
  const u = typeof uri === "string" ? safeUrl(uri) : uri;
  return u?.origin === origin.origin;
}

export function safeUrl(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

/** A new referral's URL (its id in the confederation's record). */
export function newReferralUri(origin: URL): URL {
  return new URL(`/ap/referrals/${crypto.randomUUID()}`, origin);
}

/** A mandate's URL: its id (`<proposal>#mandate:<delegate>`) made path-safe. */
export function mandateUrl(origin: URL, mandateId: string): URL {
  return new URL(`/ap/mandates/${Buffer.from(mandateId).toString("base64url")}`, origin);
}

/** A mandate's id from the path segment of its URL. */
export function mandateIdFromPath(segment: string): string | null {
  try {
    return Buffer.from(segment, "base64url").toString("utf8");
  } catch {
    return null;
  }
}
