import { Announce, Create, type Note } from "@fedify/vocab";
import { getDocumentLoader } from "@fedify/vocab-runtime";
import jsonld from "@fedify/vocab-runtime/jsonld";
import { describe, expect, it } from "vitest";
import { announcesOf } from "../../src/community/announce.ts";
import { sanitizeRemoteHtml } from "../../src/shared/text.ts";

// A body's two Announces are written without the JSON-LD algorithm: the post by Fedify
// without its HTML, the sanitised HTML put back by hand, the Create and the Announce around
// it by hand (community/announce.ts). Each must mean exactly what the full compaction of the
// same sanitised post means: both are expanded and compared, for the shapes real servers
// send (Mastodon, Hollo, snac) and for shapes that must take the slow path.

const origin = new URL("http://127.0.0.1:9/");
const body = "http://127.0.0.1:9/ap/actors/b";
const AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const loader = getDocumentLoader();

const mastodonContext = [
  "https://www.w3.org/ns/activitystreams",
  {
    ostatus: "http://ostatus.org#",
    atomUri: "ostatus:atomUri",
    sensitive: "as:sensitive",
    toot: "http://joinmastodon.org/ns#",
    Emoji: "toot:Emoji",
    Hashtag: "as:Hashtag",
  },
];

/** A Create as Mastodon sends it (its `signature` detached, as Fedify reads it), or with `create` over it. */
function createOf(note: Record<string, unknown>, create: Record<string, unknown> = {}): Promise<Create> {
  return Create.fromJsonLd(
    {
      "@context": mastodonContext,
      id: `${note.id}/activity`,
      type: "Create",
      actor: note.attributedTo,
      published: note.published ?? "2026-12-04T10:00:00Z",
      to: [AS_PUBLIC],
      cc: [body],
      object: note,
      ...create,
    },
    { documentLoader: loader, contextLoader: loader },
  );
}

/** The Announce as it was written before: the whole tree compacted by the JSON-LD algorithm. */
async function slowly(create: Create, id: URL): Promise<unknown> {
  const post = (await create.getObject({ crossOrigin: "trust" })) as Note;
  const summary = post.summary?.toString();
  const sanitised = post.clone({ content: sanitizeRemoteHtml(post.content?.toString() ?? ""), summary: summary === undefined ? null : sanitizeRemoteHtml(summary), source: null });
  return new Announce({ id, actor: new URL(body), to: new URL(AS_PUBLIC), cc: new URL(`${body}/followers`), object: create.clone({ object: sanitised }) }).toJsonLd({
    contextLoader: loader,
  });
}

const expand = (doc: unknown) => jsonld.expand(doc as object, { documentLoader: loader });

const notes: Record<string, Record<string, unknown>> = {
  "a plain post": {
    id: "http://127.0.0.5/users/zoe/statuses/1",
    type: "Note",
    attributedTo: "http://127.0.0.5/users/zoe",
    content: "<p>Fix the bridge?</p>",
    to: [AS_PUBLIC],
    cc: [body],
    published: "2026-12-04T10:00:00Z",
  },
  "a Mastodon post with a script, a content warning, tags, an emoji, an image and a language": {
    id: "http://127.0.0.5/users/zoe/statuses/2",
    type: "Note",
    attributedTo: "http://127.0.0.5/users/zoe",
    summary: "<b>bridge</b><script>x()</script>",
    content: '<p>Hi <a href="http://127.0.0.1:9/@b">@b</a> <a href="javascript:alert(1)">x</a><script>alert(1)</script><iframe src="x"></iframe> #bridge :wave:</p>',
    contentMap: { en: '<p>Hi <a href="http://127.0.0.1:9/@b">@b</a><script>alert(1)</script></p>' },
    sensitive: true,
    inReplyTo: "http://127.0.0.5/users/zoe/statuses/1",
    to: [AS_PUBLIC],
    cc: [body, "http://127.0.0.5/users/zoe/followers"],
    published: "2026-12-04T10:05:00Z",
    url: "http://127.0.0.5/@zoe/2",
    tag: [
      { type: "Mention", href: body, name: "@b@127.0.0.1:9" },
      { type: "Hashtag", href: "http://127.0.0.5/tags/bridge", name: "#bridge" },
      { type: "Emoji", id: "http://127.0.0.5/emojis/1", name: ":wave:", icon: { type: "Image", mediaType: "image/png", url: "http://127.0.0.5/wave.png" } },
    ],
    attachment: [{ type: "Document", mediaType: "image/jpeg", url: "http://127.0.0.5/bridge.jpg", name: "The old bridge at dusk" }],
  },
  "a Hollo post (Fedify's own writing: compact public address, a quote, the language map only)": {
    id: "http://127.0.0.6/@hollo/0193a1b2-0000-7000-8000-000000000001",
    type: "Note",
    attributedTo: "http://127.0.0.6/@hollo",
    contentMap: { en: "<p>Bridge <em>now</em></p>" },
    content: "<p>Bridge <em>now</em></p>",
    to: "as:Public",
    cc: ["http://127.0.0.6/@hollo/followers", body],
    published: "2026-12-04T10:07:00.123Z",
    url: "http://127.0.0.6/@hollo/0193a1b2-0000-7000-8000-000000000001",
    sensitive: false,
    quoteUrl: "http://127.0.0.5/users/zoe/statuses/1",
    tag: [{ type: "Mention", href: body, name: "@b@127.0.0.1:9" }],
  },
  "a snac post (no language, a Mention without a name, an attachment with a blurhash)": {
    id: "http://127.0.0.7/snac/p/1733300000.123456",
    type: "Note",
    attributedTo: "http://127.0.0.7/snac",
    content: "<p>bridge?<br>yes</p>",
    inReplyTo: null,
    to: [AS_PUBLIC],
    cc: [body, "http://127.0.0.7/snac/followers"],
    published: "2026-12-04T10:08:00Z",
    tag: [{ type: "Mention", href: body }],
    attachment: [{ type: "Image", mediaType: "image/png", url: "http://127.0.0.7/s/a.png", name: "", blurhash: "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH" }],
  },
  "a post with a title (name)": {
    id: "http://127.0.0.5/users/zoe/statuses/3",
    type: "Note",
    name: "Bridge",
    attributedTo: "http://127.0.0.5/users/zoe",
    content: "<p>About the bridge</p>",
    to: [AS_PUBLIC],
    cc: [body],
  },
};

/** Creates that carry more than the hand-written Create writes: the slow path, the same meaning. */
const unusualCreates: Record<string, [Record<string, unknown>, Record<string, unknown>]> = {
  "a Create with a summary of its own": [notes["a plain post"]!, { summary: "<p>about</p>" }],
  "a Create addressed with bto": [notes["a plain post"]!, { bto: ["http://127.0.0.5/users/yan"] }],
  "a Create whose context redefines cc": [notes["a plain post"]!, { "@context": ["https://www.w3.org/ns/activitystreams", { cc: { "@id": "as:bcc", "@type": "@id" } }] }],
  "a Create with a default vocabulary": [notes["a plain post"]!, { "@context": ["https://www.w3.org/ns/activitystreams", { "@vocab": "http://example.com/ns#" }], mood: "fine" }],
  "a Create in a context not known here": [
    notes["a plain post"]!,
    { "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1", "https://gotosocial.org/ns"] },
  ],
  "a Create of two actors": [notes["a plain post"]!, { actor: [notes["a plain post"]!.attributedTo, "http://127.0.0.5/users/yan"] }],
  "a Create whose actor is embedded": [notes["a plain post"]!, { actor: { id: notes["a plain post"]!.attributedTo, type: "Person", name: "Zoe" } }],
};

/** The plain boost as it was written before: compacted by the JSON-LD algorithm. */
function boostSlowly(id: URL, noteId: string): Promise<unknown> {
  return new Announce({ id, actor: new URL(body), to: new URL(AS_PUBLIC), cc: new URL(`${body}/followers`), object: new URL(noteId) }).toJsonLd({ contextLoader: loader });
}

describe("a body's Announce of a remote post", () => {
  for (const [what, note] of Object.entries(notes)) {
    it(`means what the full compaction means: ${what}`, async () => {
      const create = await createOf(note);
      const [wrapped, boost] = await announcesOf(origin, "b", create, new URL(note.id as string));
      const payload = wrapped!.payload ?? (await wrapped!.activity.toJsonLd({ contextLoader: loader }));
      const reference = await slowly(create, wrapped!.activity.id!);
      expect(await expand(payload)).toEqual(await expand(reference));
      const text = JSON.stringify(payload);
      expect(text).not.toMatch(/<script|<iframe|javascript:/);
      expect(await expand(boost!.payload)).toEqual(await expand(await boostSlowly(boost!.activity.id!, note.id as string)));
    });
  }

  for (const [what, [note, create]] of Object.entries(unusualCreates)) {
    it(`means what the full compaction means: ${what}`, async () => {
      const received = await createOf(note, create);
      const [wrapped] = await announcesOf(origin, "b", received, new URL(note.id as string));
      const payload = wrapped!.payload ?? (await wrapped!.activity.toJsonLd({ contextLoader: loader }));
      expect(await expand(payload)).toEqual(await expand(await slowly(received, wrapped!.activity.id!)));
      // Only a Create of two actors is still plain enough to be written by hand.
      expect(wrapped!.payload === undefined, "written the slow way").toBe(what !== "a Create of two actors");
    });
  }

  it("writes both Announces itself for the shapes real servers send (the payloads are given)", async () => {
    for (const [what, note] of Object.entries(notes)) {
      const [wrapped, boost] = await announcesOf(origin, "b", await createOf(note), new URL(note.id as string));
      expect(wrapped!.payload, what).toBeDefined();
      expect(boost!.payload, what).toBeDefined();
    }
  });
});
