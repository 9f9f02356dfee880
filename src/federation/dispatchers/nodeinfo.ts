import type { Federation } from "@fedify/fedify";
import type { AppContext } from "../../context.ts";
import { SOFTWARE_VERSION } from "../../shared/version.ts";

/** NodeInfo 2.1: the software, its version, and how many people, bodies and posts. */
export function registerNodeInfo(federation: Federation<AppContext>): void {
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
    const posts = await db
      .selectFrom("objects")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("local_id", "is not", null)
      .executeTakeFirst();
    return {
      software: { name: "folkmoot", version: SOFTWARE_VERSION },
      protocols: ["activitypub"],
      openRegistrations: false,
      usage: { users: { total: await count("person") }, localPosts: Number(posts?.n ?? 0), localComments: 0 },
      metadata: { nodeName: ctx.data.config.instanceName, bodies: await count("body"), upstream: { name: "mastodon" } },
    };
  });
}
