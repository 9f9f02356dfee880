// Bench only: the bare-Fedify reference the inbox and delivery benchmarks measure
// Folkmoot against, in the same run. A bare Fastify + @fedify/fedify server with
// Fedify's in-memory key–value store and queue (two parallel workers, as Folkmoot's
// default QUEUE_WORKERS), one Group actor `bench` with the same two key pairs Folkmoot's
// actors have (RSA for HTTP and Linked Data signatures, Ed25519 for Object Integrity
// Proofs), signing draft-cavage first as Folkmoot does, and an inbox listener that only
// counts. Started by bench/support.ts `spawnReference` with HOST and PORT; loopback only.
//
//   GET  /bench/count        {"processed": n}: inbox activities the listener saw
//   POST /bench/followers    [{id, inbox}]: the followers of `bench`
//   POST /bench/posts?n=N    N posts, each announced twice to the followers (as a Folkmoot body does)
import { randomUUID } from "node:crypto";
import { createFederation, generateCryptoKeyPair, InProcessMessageQueue, MemoryKvStore, ParallelMessageQueue } from "@fedify/fedify";
import { Announce, Create, Endpoints, Group, Note, PUBLIC_COLLECTION } from "@fedify/vocab";
import Fastify from "fastify";

const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? 23_300);
const origin = `http://${host}:${port}`;

const keyPairs = [await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"), await generateCryptoKeyPair("Ed25519")];
let followers: { id: string; inbox: string }[] = [];
let processed = 0;

const federation = createFederation<void>({
  kv: new MemoryKvStore(),
  queue: new ParallelMessageQueue(new InProcessMessageQueue(), 2),
  origin,
  allowPrivateAddress: true,
  firstKnock: "draft-cavage-http-signatures-12",
  signatureTimeWindow: { hours: 1 },
});
federation
  .setActorDispatcher("/ap/actors/{identifier}", async (ctx, identifier) => {
    if (identifier !== "bench") return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Group({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      inbox: ctx.getInboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: keys[0]?.cryptographicKey ?? null,
      assertionMethods: keys.map((k) => k.multikey),
    });
  })
  .setKeyPairsDispatcher((_ctx, identifier) => (identifier === "bench" ? keyPairs : []));
federation.setFollowersDispatcher("/ap/actors/{identifier}/followers", (_ctx, identifier) =>
  identifier === "bench" ? { items: followers.map((f) => ({ id: new URL(f.id), inboxId: new URL(f.inbox), endpoints: null })) } : null,
);
federation.setInboxListeners("/ap/actors/{identifier}/inbox", "/ap/inbox").on(Create, async () => {
  processed++;
});

const app = Fastify({ bodyLimit: 1 << 20 });
app.removeAllContentTypeParsers();
app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
app.get("/bench/count", async () => ({ processed }));
app.post("/bench/followers", async (req) => {
  followers = JSON.parse(String(req.body)) as typeof followers;
  return { followers: followers.length };
});
app.post("/bench/posts", async (req) => {
  const n = Number((req.query as { n?: string }).n ?? 1);
  const ctx = federation.createContext(new URL(origin));
  const group = ctx.getActorUri("bench");
  for (let i = 0; i < n; i++) {
    const note = new Note({
      id: new URL(`/notes/${randomUUID()}`, origin),
      attribution: group,
      content: `<p>Announcement ${i}</p>`,
      to: PUBLIC_COLLECTION,
      cc: ctx.getFollowersUri("bench"),
    });
    const create = new Create({ id: new URL(`/activities/${randomUUID()}`, origin), actor: group, object: note, to: PUBLIC_COLLECTION });
    for (const object of [note, create]) {
      const announce = new Announce({ id: new URL(`/activities/${randomUUID()}`, origin), actor: group, object, to: PUBLIC_COLLECTION, cc: ctx.getFollowersUri("bench") });
      await ctx.sendActivity({ identifier: "bench" }, "followers", announce, { preferSharedInbox: true });
    }
  }
  return { posts: n };
});
app.all("/*", async (req, reply) => {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.raw.headers)) for (const x of [v ?? []].flat()) headers.append(k, x);
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : (req.body as Buffer | undefined);
  const res = await federation.fetch(new Request(new URL(req.url, origin), { method: req.method, headers, body, duplex: "half" } as RequestInit), { contextData: undefined });
  return reply.send(res);
});

// Without manuallyStartQueue, Fedify starts its in-memory workers on the first enqueue.
await app.listen({ host, port });
process.send?.("ready");
const stop = () => {
  void app.close().then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
