import type { MastodonPeer, PeerActor } from "./mastodon-peer.ts";

// A status as Mastodon 4.x federates it (ActivityPub::NoteSerializer and the text
// formatter): HTML content where each mention is an h-card link and each hashtag a link to
// /tags/<name> with `#<span>name</span>`, `tag` listing the Mentions then the Hashtags,
// the `toot`/`ostatus` context terms, and a Create from the author.

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const CONTEXT = [
  "https://www.w3.org/ns/activitystreams",
  {
    ostatus: "http://ostatus.org#",
    atomUri: "ostatus:atomUri",
    inReplyToAtomUri: "ostatus:inReplyToAtomUri",
    conversation: "ostatus:conversation",
    sensitive: "as:sensitive",
    toot: "http://joinmastodon.org/ns#",
    votersCount: "toot:votersCount",
    Hashtag: "as:Hashtag",
  },
];

/** Someone mentioned: their actor id, their profile URL and `user@host`. */
export interface Mentioned {
  id: string;
  url?: string;
  acct: string;
}

export interface StatusInput {
  /** What the person typed, e.g. `@riverside@folk.example #object #cost Too dear.` (mentions written as `@acct`). */
  text: string;
  mentions: Mentioned[];
  inReplyTo?: string | null;
  /** `public` (default) or `direct`. */
  visibility?: "public" | "direct";
}

function escapeText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

let counter = 0;

/** A Create(Note) exactly as Mastodon 4.x sends a status written by `author` on `peer`. */
export function mastodonStatus(peer: MastodonPeer, author: PeerActor, input: StatusInput): { activity: Record<string, unknown>; noteId: string } {
  const n = `${Date.now()}${String(++counter).padStart(4, "0")}`;
  const noteId = `${author.actorId}/statuses/${n}`;
  const tags: Record<string, unknown>[] = [];
  const hashtags: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  const paragraphs = input.text
    .trim()
    .split(/\n{2,}/)
    .map((p) =>
      p
        .split("\n")
        .map((line) =>
          // Mastodon's formatter: mentions of known accounts and hashtags become links, the rest is escaped.
          line
            .split(/(\s+)/)
            .map((word) => {
              const mention = input.mentions.find((m) => word === `@${m.acct}` || word === `@${m.acct.split("@")[0]}`);
              if (mention) {
                const user = mention.acct.split("@")[0]!;
                return `<span class="h-card" translate="no"><a href="${escapeText(mention.url ?? mention.id)}" class="u-url mention">@<span>${escapeText(user)}</span></a></span>`;
              }
              const tag = /^#([\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*)([.,!?]?)$/u.exec(word);
              if (tag) {
                const name = tag[1]!;
                const href = `${peer.origin}/tags/${encodeURIComponent(name.toLowerCase())}`;
                if (!seen.has(name.toLowerCase())) {
                  seen.add(name.toLowerCase());
                  hashtags.push({ type: "Hashtag", href, name: `#${name}` });
                }
                return `<a href="${escapeText(href)}" class="mention hashtag" rel="tag">#<span>${escapeText(name)}</span></a>${escapeText(tag[2] ?? "")}`;
              }
              return escapeText(word);
            })
            .join(""),
        )
        .join("<br />"),
    )
    .map((p) => `<p>${p}</p>`)
    .join("");
  for (const m of input.mentions) tags.push({ type: "Mention", href: m.id, name: `@${m.acct}` });
  const direct = input.visibility === "direct";
  const to = direct ? input.mentions.map((m) => m.id) : [PUBLIC];
  const cc = direct ? [] : [`${author.actorId}/followers`, ...input.mentions.map((m) => m.id)];
  const published = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const note = {
    id: noteId,
    type: "Note",
    summary: null,
    inReplyTo: input.inReplyTo ?? null,
    published,
    url: `${peer.origin}/@${author.username}/${n}`,
    attributedTo: author.actorId,
    to,
    cc,
    sensitive: false,
    atomUri: noteId,
    inReplyToAtomUri: input.inReplyTo ?? null,
    conversation: `tag:${peer.host},${published.slice(0, 10)}:objectId=${n}:objectType=Conversation`,
    content: paragraphs,
    contentMap: { en: paragraphs },
    attachment: [],
    tag: [...tags, ...hashtags],
    replies: {
      id: `${noteId}/replies`,
      type: "Collection",
      first: { type: "CollectionPage", next: `${noteId}/replies?only_other_accounts=true&page=true`, partOf: `${noteId}/replies`, items: [] },
    },
  };
  const activity = { "@context": CONTEXT, id: `${noteId}/activity`, type: "Create", actor: author.actorId, published, to, cc, object: note };
  return { activity, noteId };
}
