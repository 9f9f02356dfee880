import sanitizeHtml from "sanitize-html";
import type { VoteChoice } from "../../governance/index.ts";

// The hashtag grammar: how a plain fediverse post (a reply to a proposal, or a post that
// mentions a body) carries an act of the process, e.g. `#object #cost #dealbreaker too dear`.
// Pure: text and tags in, an act or a refusal out; nothing is looked up here.
// docs/federation.md ("Acts by hashtag") is the reference; docs/governance.md explains it to members.

/** A tag as ActivityPub servers send it (`Hashtag` or `Mention`), or as a local client gives it. */
export interface PostTag {
  type: "Hashtag" | "Mention";
  /** `#object` for a hashtag, `@ada@example.org` for a mention. */
  name?: string | null;
  href?: string | null;
}

export interface Post {
  /** The post's content: HTML (as servers send it) or plain text. */
  content: string;
  tags?: readonly PostTag[];
  /** Actors whose mention is only the address of the post (the body): never a candidate. */
  addressed?: readonly string[];
}

export type HashtagAct =
  | { act: "vote"; choice: VoteChoice; reason?: string; amendment?: number }
  | { act: "objection"; category: string; dealBreaker: boolean; text: string }
  | { act: "advocate-vote"; category: string; candidate: string }
  | { act: "grievance-agreement"; category: string; shares: boolean }
  | { act: "amendment"; text: string; category?: string }
  | { act: "second" }
  | { act: "propose"; title: string; text: string };

/** What a post says: an act, a refusal in plain words, or nothing (an ordinary reply). */
export type Reading = { ok: true; act: HashtagAct } | { ok: false; refusal: string } | null;

/** Posts longer than this are not read as acts (a proposal's text is limited well below it). */
export const MAX_ACT_CONTENT = 60_000;
/** At most this many hashtags are looked at, from the tags and from the text. */
export const MAX_HASHTAGS = 32;

const VOTE_WORDS: Record<string, VoteChoice> = { agree: "agree", disagree: "disagree", abstain: "abstain", standaside: "abstain", block: "block" };
const ACT_WORDS = new Set(["object", "objection", "advocate", "grievance", "amend", "second", "propose"]);
const MODIFIERS = new Set(["dealbreaker", "notmine", "amendment", "policy"]);
/** Kinds of proposal whose details a post cannot carry. */
const STRUCTURED_KINDS = new Set(["bylaws", "membership", "delegation", "recall", "join", "leave", "adopt", "confederal"]);

/** A hashtag's key: lower case, without `#`, underscores and dashes dropped (`#Deal_Breaker` is `dealbreaker`). */
function keyOf(tag: string): string {
  return tag.replace(/^#/, "").replace(/[_-]/g, "").toLowerCase();
}

/** A category from its hashtag: `#Public_Safety` is "Public Safety" (the core compares categories without case). */
function categoryOf(tag: string): string {
  return tag.replace(/^#/, "").replace(/_/g, " ").trim();
}

/** Plain text of HTML content: paragraphs and line breaks kept, every tag dropped, entities decoded once. */
export function plainText(html: string): string {
  const marked = html.replace(/<br\s*\/?>/gi, "\n").replace(/<\/p\s*>/gi, "\n\n");
  const text = sanitizeHtml(marked, { allowedTags: [], allowedAttributes: {}, nonTextTags: ["style", "script", "textarea", "option", "noscript"] });
  // sanitize-html escapes what it keeps; a reason is stored as text, and escaped where shown.
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\r\n?/g, "\n")
    .trim();
}

// A hashtag in text: `#` after the start or a space/punctuation (not inside a URL), then letters, digits, `_`, `-`.
const HASHTAG_IN_TEXT = /(^|[\s(,;:!?"'])#([\p{L}\p{N}_-]{1,100})/gu;
const MENTION_IN_TEXT = /(^|\s)@([\p{L}\p{N}_.-]+(?:@[\p{L}\p{N}.:-]+)?)/gu;

/** The hashtags of a post in the order written; tags the server listed but the text lacks come after. */
function hashtagsOf(text: string, tags: readonly PostTag[]): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(HASHTAG_IN_TEXT)) {
    if (out.length >= MAX_HASHTAGS) break;
    out.push(m[2]!);
  }
  const seen = new Set(out.map(keyOf));
  for (const tag of tags.slice(0, MAX_HASHTAGS * 4)) {
    if (out.length >= MAX_HASHTAGS) break;
    if (tag.type !== "Hashtag" || typeof tag.name !== "string") continue;
    const name = tag.name.replace(/^#/, "");
    if (!/^[\p{L}\p{N}_-]{1,100}$/u.test(name) || seen.has(keyOf(name))) continue;
    seen.add(keyOf(name));
    out.push(name);
  }
  return out;
}

/** Who is mentioned (tag hrefs first, then `@user@host` in the text), less the post's addressees. */
function candidatesOf(text: string, tags: readonly PostTag[], addressed: readonly string[], addressedNames: Set<string>): string[] {
  const out: string[] = [];
  for (const tag of tags.slice(0, MAX_HASHTAGS * 4)) {
    if (tag.type === "Mention" && typeof tag.href === "string" && !addressed.includes(tag.href)) out.push(tag.href);
  }
  // A server that lists mentions lists them all: the text is read only when it lists none.
  if (tags.some((t) => t.type === "Mention" && typeof t.href === "string")) return out;
  for (const m of text.matchAll(MENTION_IN_TEXT)) {
    if (!addressedNames.has(m[2]!.toLowerCase())) out.push(m[2]!);
  }
  return out;
}

/** The words of a post with its grammar hashtags and leading mentions taken out. */
function restOf(text: string, used: Set<string>): string {
  const withoutTags = text.replace(HASHTAG_IN_TEXT, (all, before: string, tag: string) => (used.has(tag.toLowerCase()) ? before : all));
  const lines = withoutTags.split("\n").map((l) => l.replace(/[ \t]+/g, " ").trim());
  // Leading mentions are the post's address (Mastodon puts `@body` first in a reply).
  const joined = lines.join("\n").replace(/^(\s*@[\p{L}\p{N}_.-]+(?:@[\p{L}\p{N}.:-]+)?)+/u, "");
  return joined.replace(/\n{3,}/g, "\n\n").trim();
}

/**
 * Reads a post as an act. `null` when it carries no act word (it stays deliberation);
 * a refusal when the words do not make one act, saying what to write instead.
 */
export function readHashtagAct(post: Post): Reading {
  if (post.content.length > MAX_ACT_CONTENT) {
    // Only refuse if it looks like an act at all: a long essay without act words is deliberation.
    const head = plainText(post.content.slice(0, 4000));
    const tags = hashtagsOf(head, post.tags ?? []).map(keyOf);
    if (!tags.some((t) => t in VOTE_WORDS || ACT_WORDS.has(t))) return null;
    return { ok: false, refusal: `this post is too long to be read as an act (at most ${MAX_ACT_CONTENT} characters)` };
  }
  const text = plainText(post.content);
  const tags = post.tags ?? [];
  const hashtags = hashtagsOf(text, tags);
  const keys = hashtags.map(keyOf);
  const acts = [...new Set(keys.filter((k) => k in VOTE_WORDS || ACT_WORDS.has(k)).map((k) => (k === "objection" ? "object" : k)))];
  const has = (k: string) => keys.includes(k);
  if (acts.length === 0) {
    if (has("dealbreaker")) return refuse("#dealbreaker goes with #object, e.g. “#object #cost #dealbreaker” and why");
    if (has("notmine")) return refuse("#notmine goes with #grievance and its category, e.g. “#grievance #cost #notmine”");
    if (has("amendment")) return refuse("to vote on an amendment, add #agree, #disagree, #abstain or #block");
    return null;
  }
  if (acts.length > 1) return refuse(`a post is one act, and this one has ${acts.map((a) => `#${a}`).join(" and ")}: send them as separate replies`);
  const act = acts[0]!;
  // The first hashtag that is no word of the grammar names the category (`#public_safety`).
  const categoryTag = hashtags.find((h) => {
    const k = keyOf(h);
    return !(k in VOTE_WORDS) && !ACT_WORDS.has(k) && !MODIFIERS.has(k) && !STRUCTURED_KINDS.has(k) && !/^\p{N}+$/u.test(h);
  });
  const used = new Set(hashtags.filter((h) => keyOf(h) in VOTE_WORDS || ACT_WORDS.has(keyOf(h)) || MODIFIERS.has(keyOf(h))).map((h) => h.toLowerCase()));
  const withCategory = () => {
    if (categoryTag !== undefined) used.add(categoryTag.toLowerCase());
    return categoryTag === undefined ? undefined : categoryOf(categoryTag);
  };
  const misplaced = (modifier: string, belongs: string) => (has(modifier) && act !== belongs ? `#${modifier} goes with #${belongs}, not with #${act}` : null);
  const wrong = misplaced("dealbreaker", "object") ?? misplaced("notmine", "grievance");
  if (wrong !== null) return refuse(wrong);
  if (has("amendment") && !(act in VOTE_WORDS))
    return refuse(`#amendment and its number are for a vote on an amendment (with #agree, #disagree, #abstain or #block), not for #${act}`);

  if (act in VOTE_WORDS) {
    let amendment: number | undefined;
    if (has("amendment")) {
      const i = keys.indexOf("amendment");
      const n = hashtags[i + 1];
      if (n === undefined || !/^\p{N}{1,4}$/u.test(n)) return refuse("say which amendment by its number, e.g. “#amendment #2 #agree”");
      amendment = Number(n);
      used.add(n.toLowerCase());
    }
    const reason = restOf(text, used);
    return ok({ act: "vote", choice: VOTE_WORDS[act]!, ...(reason ? { reason } : {}), ...(amendment !== undefined ? { amendment } : {}) });
  }
  switch (act) {
    case "object": {
      const category = withCategory();
      if (category === undefined) return refuse("an objection needs its category as a hashtag, e.g. “#object #cost” (add #dealbreaker if it is one)");
      return ok({ act: "objection", category, dealBreaker: has("dealbreaker"), text: restOf(text, used) });
    }
    case "advocate": {
      const category = withCategory();
      if (category === undefined) return refuse("say which category you elect an advocate for, e.g. “#advocate #cost @ada@example.org”");
      const addressedNames = new Set(
        tags.filter((t) => t.type === "Mention" && t.href && (post.addressed ?? []).includes(t.href) && t.name).map((t) => t.name!.replace(/^@/, "").toLowerCase()),
      );
      const candidates = [...new Set(candidatesOf(text, tags, post.addressed ?? [], addressedNames))];
      if (candidates.length === 0) return refuse("mention the person you elect as advocate, e.g. “#advocate #cost @ada@example.org”");
      if (candidates.length > 1) return refuse("mention only the one person you elect as advocate");
      return ok({ act: "advocate-vote", category, candidate: candidates[0]! });
    }
    case "grievance": {
      const category = withCategory();
      if (category === undefined) return refuse("say which grievance by its category, e.g. “#grievance #cost” (or “#grievance #cost #notmine”)");
      return ok({ act: "grievance-agreement", category, shares: !has("notmine") });
    }
    case "amend": {
      const category = withCategory();
      const rest = restOf(text, used);
      if (!rest) return refuse("an amendment needs its text after #amend");
      return ok({ act: "amendment", text: rest, ...(category !== undefined ? { category } : {}) });
    }
    case "second":
      return ok({ act: "second" });
    case "propose": {
      const structured = keys.find((k) => STRUCTURED_KINDS.has(k));
      if (structured !== undefined) {
        return refuse(`a ${structured} proposal has details a post cannot carry: draft it in the web app; a post tables policy proposals only`);
      }
      const rest = restOf(text, used);
      const [first, ...others] = rest.split("\n");
      const title = (first ?? "").trim();
      if (!title) return refuse("put the proposal's title on the first line after #propose, and its text below");
      return ok({ act: "propose", title, text: others.join("\n").trim() });
    }
  }
  return null;
}

function ok(act: HashtagAct): Reading {
  return { ok: true, act };
}

function refuse(refusal: string): Reading {
  return { ok: false, refusal };
}
