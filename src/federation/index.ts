import { createFederation, type Federation, type KvStore, type MessageQueue, type RetryPolicy } from "@fedify/fedify";
import {
  Accept,
  Activity,
  Add,
  Announce,
  Application,
  Create,
  Delete,
  Endpoints,
  Follow,
  Group,
  Invite,
  Join,
  Leave,
  Note,
  Offer,
  Person,
  PropertyValue,
  Reject,
  Remove,
  Undo,
  Update,
} from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import type { Config } from "../config.ts";
import { textToHtml } from "../shared/text.ts";
import type { AppContext } from "../context.ts";
import { loadActorKeyPairs } from "../community/keys.ts";
import { onJoin } from "./join.ts";
import { receiveLeave } from "./inbox/confederation/leave.ts";
import { receiveConfederalProposal } from "./inbox/confederation/offer.ts";
import { receiveReferral } from "./inbox/confederation/referral.ts";
import { receiveRevocation } from "./inbox/confederation/revocation.ts";
import { receiveVerdict } from "./inbox/confederation/verdict.ts";
import { onAccept, onAnnounce, onCreate, onDelete, onFollow, onOtherActivity, onReject, onUndo, onUpdate } from "./inbox.ts";
import { ACTIVITY_PATH, ACTOR_PATH, FOLLOWERS_PATH, FOLLOWING_PATH, INBOX_PATH, INSTANCE_ACTOR_ID, NOTE_PATH, OUTBOX_PATH, SHARED_INBOX_PATH, profileUrl } from "../shared/uris.ts";
import { toInstant } from "../shared/time.ts";
import { SOFTWARE_VERSION } from "../shared/version.ts";

const PAGE_SIZE = 20;

/**
 * Retries a failed delivery with exponential backoff up to one hour between
 * tries, for `hours` in all, so a peer that is down for a day still gets
 * everything. (Fedify's default gives up after about half an hour.)
 */
export function deliveryRetryPolicy(hours: number): RetryPolicy {
  const limitMs = hours * 3_600_000;
  return ({ elapsedTime, attempts }) => {
    if (elapsedTime.total({ unit: "millisecond" }) >= limitMs) return null;
    const seconds = Math.min(3600, 2 ** Math.min(attempts, 12)) * (0.8 + Math.random() * 0.4);
    return Temporal.Duration.from({ milliseconds: Math.round(seconds * 1000) }) as unknown as globalThis.Temporal.Duration;
  };
}

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

export function createFolkmootFederation(config: Config, kv: KvStore, queue: MessageQueue): Federation<AppContext> {
  const keyCache = new KeyPairCache();
  const federation = createFederation<AppContext>({
    kv,
    queue,
    manuallyStartQueue: true,
    origin: config.publicOrigin.origin,
    allowPrivateAddress: config.allowPrivateAddress,
    userAgent: { software: `Folkmoot/${SOFTWARE_VERSION}`, url: config.publicOrigin },
    outboxRetryPolicy: deliveryRetryPolicy(config.deliveryRetryHours),
    permanentFailureStatusCodes: [404, 410],
    signatureTimeWindow: { hours: 1 },
    onOutboxError: () => {
      // Logged by Fedify through LogTape (routed to pino); each attempt is retried by policy.
    },
  });

  // A follower whose inbox is gone for good (410, or 404) stops being delivered to.
  federation.setOutboxPermanentFailureHandler(async (ctx, { inbox, statusCode, reason }) => {
    const db = ctx.data.db;
    const gone = await db
      .selectFrom("remote_actors")
      .select("uri")
      .where((eb) => eb.or([eb("inbox", "=", inbox.href), eb("shared_inbox", "=", inbox.href)]))
      .execute();
    if (gone.length === 0) return;
    const removed = await db.deleteFrom("follows").where("follower_uri", "in", gone.map((g) => g.uri)).executeTakeFirst();
    ctx.data.log.info({ inbox: inbox.href, statusCode, reason, removed: Number(removed.numDeletedRows) }, "inbox gone for good; its followers removed");
  });

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
        .select((eb) => (actor.kind === "confederation" ? eb.fn.coalesce(eb.fn.sum<string>(eb.fn.coalesce("member_count", eb.lit(1))), eb.lit(0)) : eb.fn.countAll<string>()).as("n"))
        .where("body_id", "=", identifier)
        .executeTakeFirst();
      return new Group({
        ...common,
        attachments: [
          new PropertyValue({ name: "Kind", value: actor.kind }),
          new PropertyValue({ name: "Admission", value: actor.admission }),
          new PropertyValue({ name: "Members", value: String(Number(members?.n ?? 0)) }),
        ],
      });
    })
    .setKeyPairsDispatcher((ctx, identifier) => keyCache.get(identifier, () => loadActorKeyPairs(ctx.data.db, identifier)))
    .mapHandle(async (ctx, username) => {
      const row = await ctx.data.db.selectFrom("actors").select("id").where("handle", "=", username.toLowerCase()).executeTakeFirst();
      return row?.id ?? null;
    })
    // FEP-d556: the server's own actor is found by WebFinger on the origin URL.
    .mapAlias((ctx, resource) => {
      if (resource.protocol === "http:" || resource.protocol === "https:") {
        if (resource.origin === config.publicOrigin.origin && (resource.pathname === "/" || resource.pathname === "")) {
          return { identifier: INSTANCE_ACTOR_ID };
        }
      }
      return null;
    });

  federation
    .setFollowersDispatcher(FOLLOWERS_PATH, async (ctx, identifier, cursor) => {
      const db = ctx.data.db;
      const followee = ctx.getActorUri(identifier).href;
      let q = db
        .selectFrom("follows")
        .innerJoin("remote_actors", "remote_actors.uri", "follows.follower_uri")
        .select(["follows.id", "remote_actors.uri", "remote_actors.inbox", "remote_actors.shared_inbox"])
        .where("follows.followee_uri", "=", followee)
        .where("follows.state", "=", "accepted")
        .orderBy("follows.id");
      // cursor === null must return every follower: sendActivity(..., "followers") relies on it.
      if (cursor !== null) {
        q = q.limit(PAGE_SIZE + 1);
        if (cursor !== "") q = q.where("follows.id", ">", cursor);
      }
      const rows = await q.execute();
      const page = cursor === null ? rows : rows.slice(0, PAGE_SIZE);
      return {
        items: page.map((r) => ({
          id: new URL(r.uri),
          inboxId: new URL(r.inbox),
          endpoints: r.shared_inbox ? { sharedInbox: new URL(r.shared_inbox) } : null,
        })),
        nextCursor: cursor !== null && rows.length > PAGE_SIZE ? String(page.at(-1)!.id) : null,
      };
    })
    .setFirstCursor(() => "")
    .setCounter(async (ctx, identifier) => {
      const row = await ctx.data.db
        .selectFrom("follows")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("followee_uri", "=", ctx.getActorUri(identifier).href)
        .where("state", "=", "accepted")
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    });

  federation
    .setFollowingDispatcher(FOLLOWING_PATH, async (ctx, identifier, cursor) => {
      const rows = await ctx.data.db
        .selectFrom("follows")
        .select(["id", "followee_uri"])
        .where("follower_uri", "=", ctx.getActorUri(identifier).href)
        .where("state", "=", "accepted")
        .orderBy("id")
        .$if(cursor !== null && cursor !== "", (q) => q.where("id", ">", cursor!))
        .limit(cursor === null ? 10_000 : PAGE_SIZE + 1)
        .execute();
      const page = cursor === null ? rows : rows.slice(0, PAGE_SIZE);
      return {
        items: page.map((r) => new URL(r.followee_uri)),
        nextCursor: cursor !== null && rows.length > PAGE_SIZE ? String(page.at(-1)!.id) : null,
      };
    })
    .setFirstCursor(() => "");

  // The outbox is the actor's public record, newest first.
  federation
    .setOutboxDispatcher(OUTBOX_PATH, async (ctx, identifier, cursor) => {
      if (cursor === null) return null;
      const rows = await ctx.data.db
        .selectFrom("activities")
        .select(["seq", "payload"])
        .where("actor_id", "=", identifier)
        .where("public", "=", true)
        .$if(cursor !== "", (q) => q.where("seq", "<", cursor))
        .orderBy("seq", "desc")
        .limit(PAGE_SIZE + 1)
        .execute();
      const page = rows.slice(0, PAGE_SIZE);
      const items: Activity[] = [];
      for (const r of page) items.push(await Activity.fromJsonLd(JSON.parse(r.payload), { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader }));
      return { items, nextCursor: rows.length > PAGE_SIZE ? String(page.at(-1)!.seq) : null };
    })
    .setFirstCursor(() => "")
    .setCounter(async (ctx, identifier) => {
      const row = await ctx.data.db
        .selectFrom("activities")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("actor_id", "=", identifier)
        .where("public", "=", true)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    });

  federation.setObjectDispatcher(Note, NOTE_PATH, async (ctx, { id }) => {
    const row = await ctx.data.db.selectFrom("objects").selectAll().where("local_id", "=", id).executeTakeFirst();
    if (!row || row.deleted_at) return null;
    const activity = await ctx.data.db
      .selectFrom("activities")
      .select("payload")
      .where("object_uri", "=", row.uri)
      .where("type", "=", "Create")
      .executeTakeFirst();
    if (!activity) return null;
    const create = await Create.fromJsonLd(JSON.parse(activity.payload), { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
    const note = await create.getObject({ documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
    return note instanceof Note ? note : null;
  });

  // Activity ids resolve, so peers that re-fetch an embedded activity (FEP-fe34) find it.
  federation.setObjectDispatcher(Activity, ACTIVITY_PATH, async (ctx, { id }) => {
    const row = await ctx.data.db
      .selectFrom("activities")
      .select(["payload", "public"])
      .where("uri", "=", ctx.getObjectUri(Activity, { id }).href)
      .executeTakeFirst();
    if (!row || !row.public) return null;
    return Activity.fromJsonLd(JSON.parse(row.payload), { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
  });

  federation
    .setInboxListeners(INBOX_PATH, SHARED_INBOX_PATH)
    .on(Follow, onFollow)
    .on(Undo, onUndo)
    .on(Accept, onAccept)
    .on(Reject, onReject)
    .on(Create, onCreate)
    .on(Update, onUpdate)
    .on(Delete, onDelete)
    .on(Announce, onAnnounce)
    .on(Join, onJoin)
    .on(Leave, receiveLeave)
    .on(Invite, receiveReferral)
    .on(Add, receiveVerdict)
    .on(Remove, receiveRevocation)
    .on(Offer, receiveConfederalProposal)
    .on(Activity, onOtherActivity)
    .onError((ctx, error) => {
      ctx.data.log.error({ err: error }, "inbox listener failed; the activity will be retried");
    });

  federation.setNodeInfoDispatcher("/nodeinfo/2.1", async (ctx) => {
    const db = ctx.data.db;
    const count = async (kind: "person" | "body") => {
      const row = await db
        .selectFrom("actors")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .$if(kind === "person", (q) => q.where("kind", "=", "person"))
        .$if(kind === "body", (q) => q.where("kind", "in", ["assembly", "council", "committee", "confederation"]))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    };
    const posts = await db.selectFrom("objects").select((eb) => eb.fn.countAll<string>().as("n")).where("local_id", "is not", null).executeTakeFirst();
    return {
      software: { name: "folkmoot", version: SOFTWARE_VERSION },
      protocols: ["activitypub"],
      openRegistrations: false,
      usage: { users: { total: await count("person") }, localPosts: Number(posts?.n ?? 0), localComments: 0 },
      metadata: { nodeName: ctx.data.config.instanceName, bodies: await count("body") },
    };
  });

  return federation;
}
