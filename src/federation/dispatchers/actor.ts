import type { Federation } from "@fedify/fedify";
import { Application, Endpoints, Group, Person, PropertyValue } from "@fedify/vocab";
import type { Config } from "../../config.ts";
import { textToHtml } from "../../shared/text.ts";
import type { AppContext } from "../../context.ts";
import { loadActorKeyPairs } from "../../community/keys.ts";
import { ACTOR_PATH, INSTANCE_ACTOR_ID, profileUrl } from "../../shared/uris.ts";
import { toInstant } from "../../shared/time.ts";

// Actors (people, bodies, the instance actor), their key pairs, and how handles and the
// origin URL (FEP-d556) map to them.

/**
 * Imported key pairs by actor id. Fedify asks for them on every signature and
 * importing a JWK costs more than the signature itself; keys never change.
 */
class KeyPairCache {
  #entries = new Map<string, Promise<CryptoKeyPair[]>>();
  readonly capacity = 1000;
  get(id: string, load: () => Promise<CryptoKeyPair[]>): Promise<CryptoKeyPair[]> {
    let entry = this.#entries.get(id);
    if (!entry) {
      entry = load().then((pairs) => {
        if (pairs.length === 0) this.#entries.delete(id); // not (yet) an actor: do not remember
        return pairs;
      });
      entry.catch(() => this.#entries.delete(id));
      this.#entries.set(id, entry);
      if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
    }
    return entry;
  }
}

/**
 * A body's actor whose JSON-LD is computed once. A body's actor has a `name`, so Fedify
 * cannot take its fast path and runs the whole JSON-LD compaction (about 6 ms) each time
 * it is served; every key look-up of a signed verdict, mandate or referral fetches it.
 * The object is built from exactly what the document says (see {@link ServedActors}), so
 * the same inputs give the same document.
 */
class ServedGroup extends Group {
  #jsonLd: Promise<unknown> | null = null;
  override toJsonLd(options?: Parameters<Group["toJsonLd"]>[0]): Promise<unknown> {
    // Only the default form is kept; any other (expanded, another context) is computed.
    if (options?.format != null || options?.context != null) return super.toJsonLd(options);
    this.#jsonLd ??= super.toJsonLd(options);
    // A copy each time: whoever serves it may change what it gets.
    return this.#jsonLd.then((json) => structuredClone(json));
  }
}

/**
 * The bodies' actors as last served, by actor id, with what they were built from: served
 * again as long as the row, the keys and the member count are the same.
 */
class ServedActors {
  #entries = new Map<string, { fingerprint: string; actor: ServedGroup }>();
  readonly capacity = 2000;
  get(id: string, fingerprint: string, build: () => ServedGroup): ServedGroup {
    const hit = this.#entries.get(id);
    if (hit?.fingerprint === fingerprint) return hit.actor;
    const actor = build();
    this.#entries.delete(id);
    this.#entries.set(id, { fingerprint, actor });
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
    return actor;
  }
}

/** The actor, key pair, handle and alias dispatchers. */
export function registerActorDispatchers(federation: Federation<AppContext>, config: Config): void {
  const keyCache = new KeyPairCache();
  const served = new ServedActors();
  federation
    .setActorDispatcher(ACTOR_PATH, async (ctx, identifier) => {
      const app = ctx.data;
      const actor = await app.db.selectFrom("actors").selectAll().where("id", "=", identifier).executeTakeFirst();
      if (!actor) return null;
      const keys = await ctx.getActorKeyPairs(identifier);
      const common = {
        id: ctx.getActorUri(identifier),
        preferredUsername: actor.handle,
        name: actor.name,
        summary: actor.summary ? textToHtml(actor.summary) : null,
        inbox: ctx.getInboxUri(identifier),
        outbox: ctx.getOutboxUri(identifier),
        followers: ctx.getFollowersUri(identifier),
        following: ctx.getFollowingUri(identifier),
        endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
        manuallyApprovesFollowers: actor.manually_approves_followers,
        discoverable: true,
        indexable: true,
        published: toInstant(actor.created_at),
        url: profileUrl(config.publicOrigin, actor.handle),
        publicKey: keys[0]?.cryptographicKey ?? null,
        assertionMethods: keys.map((k) => k.multikey),
      };
      if (actor.kind === "person") return new Person(common);
      if (actor.kind === "instance") return new Application(common);
      // The kind shows on Mastodon as a profile field; Folkmoot peers read it too. A
      // confederation reads "Members" as the body's weight (double majority, weighted).
      // A confederation weighs the people of its member bodies, as they advertised them.
      const members = await app.db
        .selectFrom("memberships")
        .select((eb) =>
          (actor.kind === "confederation" ? eb.fn.coalesce(eb.fn.sum<string>(eb.fn.coalesce("member_count", eb.lit(1))), eb.lit(0)) : eb.fn.countAll<string>()).as("n"),
        )
        .where("body_id", "=", identifier)
        .executeTakeFirst();
      const count = String(Number(members?.n ?? 0));
      // Everything the document is built from: the row's fields used above, the keys, the count.
      const fingerprint = JSON.stringify([
        actor.handle,
        actor.name,
        actor.summary,
        actor.kind,
        actor.admission,
        actor.manually_approves_followers,
        actor.created_at.getTime(),
        keys.map((k) => k.keyId.href),
        count,
      ]);
      return served.get(
        identifier,
        fingerprint,
        () =>
          new ServedGroup({
            ...common,
            attachments: [
              new PropertyValue({ name: "Kind", value: actor.kind }),
              new PropertyValue({ name: "Admission", value: actor.admission }),
              new PropertyValue({ name: "Members", value: count }),
            ],
          }),
      );
    })
    .setKeyPairsDispatcher((ctx, identifier) => keyCache.get(identifier, () => loadActorKeyPairs(ctx.data.db, identifier)))
    .mapHandle(async (ctx, username) => {
      const row = await ctx.data.db.selectFrom("actors").select("id").where("handle", "=", username.toLowerCase()).executeTakeFirst();
      return row?.id ?? null;
    })
    // FEP-d556: the server's own actor is found by WebFinger on the origin URL.
    .mapAlias((_ctx, resource) => {
      if (resource.protocol === "http:" || resource.protocol === "https:") {
        if (resource.origin === config.publicOrigin.origin && (resource.pathname === "/" || resource.pathname === "")) {
          return { identifier: INSTANCE_ACTOR_ID };
        }
      }
      return null;
    });
}
