import type { AppContext } from "../context.ts";
import { localActorId, profileUrl } from "../shared/uris.ts";
import { accountEntity, visibleActor } from "./accounts.ts";
import { remoteAccountId } from "./ids.ts";

// Accounts on other servers as Mastodon accounts, from what `remote_actors` remembers of
// them (or, for one never remembered, from its URI alone): apps show their posts and
// follows, and search finds them.

/** How long a look-up on another server may take in a request (search, lookup). */
export const RESOLVE_MS = 5_000;

/** `p` within `ms`, else null (the look-up goes on unseen, its result is then dropped). */
export function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

type RemoteRow = { uri: string; handle: string | null; type: string; name: string | null; url: string | null; fetched_at: Date };

export function remoteAccountEntity(app: Pick<AppContext, "config">, row: RemoteRow) {
  const url = new URL(row.uri);
  const acct = row.handle?.replace(/^@/, "") ?? `${decodeURIComponent(url.pathname.split("/").filter(Boolean).at(-1) ?? "")}@${url.host}`;
  const username = acct.split("@")[0] ?? acct;
  const avatar = `${app.config.publicOrigin.origin}/avatars/original/missing.png`;
  return {
    id: remoteAccountId(row.uri),
    username,
    acct,
    display_name: row.name ?? username,
    locked: false,
    bot: row.type === "Service" || row.type === "Application",
    discoverable: true,
    indexable: false,
    group: row.type === "Group",
    created_at: new Date(row.fetched_at).toISOString(),
    note: "",
    url: row.url ?? row.uri,
    uri: row.uri,
    avatar,
    avatar_static: avatar,
    header: `${app.config.publicOrigin.origin}/headers/original/missing.png`,
    header_static: `${app.config.publicOrigin.origin}/headers/original/missing.png`,
    followers_count: 0,
    following_count: 0,
    statuses_count: 0,
    last_status_at: null,
    hide_collections: true,
    noindex: false,
    emojis: [],
    roles: [],
    fields: [],
  };
}

export type AccountEntity = Awaited<ReturnType<typeof accountEntity>> | ReturnType<typeof remoteAccountEntity>;

/** The account an actor URI names, here or elsewhere; null for a deleted or hidden local one. */
export async function accountForUri(app: AppContext, uri: string): Promise<AccountEntity | null> {
  const localId = localActorId(app.config.publicOrigin, uri);
  if (localId) {
    const actor = await visibleActor(app, localId);
    return actor ? accountEntity(app, actor) : null;
  }
  const row = await app.db.selectFrom("remote_actors").select(["uri", "handle", "type", "name", "url", "fetched_at"]).where("uri", "=", uri).executeTakeFirst();
  if (row) return remoteAccountEntity(app, row);
  if (!/^https?:\/\//.test(uri)) return null;
  return remoteAccountEntity(app, { uri, handle: null, type: "Person", name: null, url: null, fetched_at: new Date(0) });
}

/** Accounts for many URIs, each looked up once. */
export function accountCache(app: AppContext, known: ReadonlyMap<string, AccountEntity> = new Map()) {
  // Accounts already read (a page's local authors, read at once) are not read again.
  const seen = new Map<string, Promise<AccountEntity | null>>([...known].map(([uri, entity]) => [uri, Promise.resolve(entity)]));
  return (uri: string) => {
    let p = seen.get(uri);
    if (!p) {
      p = accountForUri(app, uri);
      seen.set(uri, p);
    }
    return p;
  };
}

/** What a status's `mentions` need of an account, without the counts an account entity reads. */
export type MentionEntity = { id: string; username: string; acct: string; url: string };

export function mentionCache(app: AppContext) {
  const seen = new Map<string, Promise<MentionEntity | null>>();
  const lookUp = async (uri: string): Promise<MentionEntity | null> => {
    const localId = localActorId(app.config.publicOrigin, uri);
    if (localId) {
      const actor = await visibleActor(app, localId);
      return actor ? { id: actor.id, username: actor.handle, acct: actor.handle, url: profileUrl(app.config.publicOrigin, actor.handle).href } : null;
    }
    const remote = await accountForUri(app, uri);
    return remote ? { id: remote.id, username: remote.username, acct: remote.acct, url: remote.url } : null;
  };
  return (uri: string) => {
    let p = seen.get(uri);
    if (!p) {
      p = lookUp(uri);
      seen.set(uri, p);
    }
    return p;
  };
}
