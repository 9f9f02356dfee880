import { Announce, Create, type Note } from "@fedify/vocab";
import { getDocumentLoader } from "@fedify/vocab-runtime";
import jsonld from "@fedify/vocab-runtime/jsonld";
import { describe, expect, it } from "vitest";
import { announcesOf } from "../../src/community/announce.ts";
import { sanitizeRemoteHtml } from "../../src/shared/text.ts";

// A body's Announce(Create(Note)) is written without the JSON-LD algorithm, the sanitised
// HTML put back by hand (community/announce.ts). It must mean exactly what the full
// compaction of the same sanitised post means: both are expanded and compared.

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

function createOf(note: Record<string, unknown>): Promise<Create> {
  return Create.fromJsonLd(
    { "@context": mastodonContext, id: `${note.id}/activity`, type: "Create", actor: note.attributedTo, to: [AS_PUBLIC], cc: [body], object: note },
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

describe("a body's Announce of a remote post", () => {
  for (const [what, note] of Object.entries(notes)) {
    it(`means what the full compaction means: ${what}`, async () => {
      const create = await createOf(note);
      const [wrapped] = await announcesOf(origin, "b", create, new URL(note.id as string));
      const payload = wrapped!.payload ?? (await wrapped!.activity.toJsonLd({ contextLoader: loader }));
      const reference = await slowly(create, wrapped!.activity.id!);
      expect(await expand(payload)).toEqual(await expand(reference));
      const text = JSON.stringify(payload);
      expect(text).not.toMatch(/<script|<iframe|javascript:/);
    });
  }

  it("writes the Announce itself (the payload is given)", async () => {
    for (const what of Object.keys(notes)) {
      const [wrapped] = await announcesOf(origin, "b", await createOf(notes[what]!), new URL(notes[what]!.id as string));
      expect(wrapped!.payload, what).toBeDefined();
    }
  });
});
