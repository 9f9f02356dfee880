import type { Federation } from "@fedify/fedify";
import { Activity } from "@fedify/vocab";
import type { AppContext } from "../../context.ts";
import { FOLLOWERS_PATH, FOLLOWING_PATH, OUTBOX_PATH } from "../../shared/uris.ts";

// Each actor's followers, following and outbox collections.

const PAGE_SIZE = 20;

/** The followers, following and outbox dispatchers. */
export function registerCollections(federation: Federation<AppContext>): void {
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
}
