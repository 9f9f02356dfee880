import { describe, expect, it } from "vitest";
import { MAX_ACT_CONTENT, MAX_HASHTAGS, plainText, readHashtagAct, type PostTag } from "../../src/decisions/hashtags/grammar.ts";

// The hashtag grammar, read from posts shaped as Mastodon 4.x sends them (HTML with linked
// hashtags and an h-card mention of the body first) and as plain text.

const BODY = "https://folk.example/ap/actors/riverside";
const ADA = "https://social.example/users/ada";

/** A status as Mastodon 4.x renders it: `@body` first, each hashtag linked to /tags/… . */
function mastodon(text: string, extraMentions: { href: string; name: string }[] = []): { content: string; tags: PostTag[]; addressed: string[] } {
  const tags: PostTag[] = [{ type: "Mention", href: BODY, name: "@riverside@folk.example" }, ...extraMentions.map((m) => ({ type: "Mention" as const, ...m }))];
  const html = text
    .split("\n")
    .map((line) =>
      line
        .replace(/&/g, "&amp;")
        .replace(/</g, "&lt;")
        .replace(/>/g, "&gt;")
        .replace(/#(\w+)/g, (_all, tag: string) => {
          tags.push({ type: "Hashtag", href: `https://social.example/tags/${tag.toLowerCase()}`, name: `#${tag.toLowerCase()}` });
          return `<a href="https://social.example/tags/${tag.toLowerCase()}" class="mention hashtag" rel="tag">#<span>${tag}</span></a>`;
        })
        .replace(
          /@(\w+)@([\w.]+)/g,
          (_all, user: string, host: string) => `<span class="h-card" translate="no"><a href="https://${host}/@${user}" class="u-url mention">@<span>${user}</span></a></span>`,
        ),
    )
    .join("<br />");
  const mention = `<span class="h-card" translate="no"><a href="${BODY}" class="u-url mention">@<span>riverside</span></a></span>`;
  return { content: `<p>${mention} ${html}</p>`, tags, addressed: [BODY] };
}

describe("the hashtag grammar", () => {
  it("reads an objection with its category and deal-breaker, the rest as its text", () => {
    expect(readHashtagAct(mastodon("#object #cost #dealbreaker The roof alone costs more than our budget."))).toEqual({
      ok: true,
      act: { act: "objection", category: "cost", dealBreaker: true, text: "The roof alone costs more than our budget." },
    });
    expect(readHashtagAct(mastodon("#Objection #Public_Safety no lights on the path"))).toEqual({
      ok: true,
      act: { act: "objection", category: "Public Safety", dealBreaker: false, text: "no lights on the path" },
    });
  });

  it("reads votes with and without a reason, and votes on an amendment by its number", () => {
    expect(readHashtagAct(mastodon("#agree"))).toEqual({ ok: true, act: { act: "vote", choice: "agree" } });
    expect(readHashtagAct(mastodon("#disagree\nThe planks are fine for another year."))).toEqual({
      ok: true,
      act: { act: "vote", choice: "disagree", reason: "The planks are fine for another year." },
    });
    expect(readHashtagAct(mastodon("#stand_aside not my street"))).toEqual({ ok: true, act: { act: "vote", choice: "abstain", reason: "not my street" } });
    // Mastodon does not link `#2` (a hashtag needs a letter): the number is read from the text.
    expect(readHashtagAct({ content: "<p>#amendment #2 #block too early</p>" })).toEqual({ ok: true, act: { act: "vote", choice: "block", reason: "too early", amendment: 2 } });
    expect(readHashtagAct({ content: "#amendment #agree" })).toEqual({ ok: false, refusal: expect.stringMatching(/which amendment by its number/) });
  });

  it("reads advocate, grievance, amendment, second and propose", () => {
    expect(readHashtagAct(mastodon("#advocate #cost @ada@social.example", [{ href: ADA, name: "@ada@social.example" }]))).toEqual({
      ok: true,
      act: { act: "advocate-vote", category: "cost", candidate: ADA },
    });
    // Without a Mention tag, the handle in the text names the candidate.
    expect(readHashtagAct({ content: "#advocate #cost @ada@social.example" })).toEqual({
      ok: true,
      act: { act: "advocate-vote", category: "cost", candidate: "ada@social.example" },
    });
    expect(readHashtagAct(mastodon("#grievance #cost"))).toEqual({ ok: true, act: { act: "grievance-agreement", category: "cost", shares: true } });
    expect(readHashtagAct(mastodon("#grievance #cost #not_mine"))).toEqual({ ok: true, act: { act: "grievance-agreement", category: "cost", shares: false } });
    expect(readHashtagAct(mastodon("#amend Use reclaimed timber."))).toEqual({ ok: true, act: { act: "amendment", text: "Use reclaimed timber." } });
    expect(readHashtagAct(mastodon("#amend #cost Use reclaimed timber."))).toEqual({ ok: true, act: { act: "amendment", category: "cost", text: "Use reclaimed timber." } });
    expect(readHashtagAct(mastodon("#second"))).toEqual({ ok: true, act: { act: "second" } });
    expect(readHashtagAct(mastodon("#propose Plant an orchard\nOn the old car park.\n\nTen trees to start."))).toEqual({
      ok: true,
      act: { act: "propose", title: "Plant an orchard", text: "On the old car park.\n\nTen trees to start." },
    });
  });

  it("leaves a reply without an act word as deliberation, and ignores hashtags it does not know", () => {
    expect(readHashtagAct(mastodon("I think we should wait for the survey. #bridges #winter"))).toBeNull();
    expect(readHashtagAct(mastodon("#agree #bridges"))).toEqual({ ok: true, act: { act: "vote", choice: "agree", reason: "#bridges" } });
    // A `#` inside a link is no hashtag.
    expect(readHashtagAct({ content: '<p>see <a href="https://x.example/page#agree">https://x.example/page#agree</a></p>' })).toBeNull();
  });

  it("refuses two acts in one post, and act words that do not go together", () => {
    expect(readHashtagAct(mastodon("#agree #object #cost"))).toEqual({ ok: false, refusal: expect.stringMatching(/one act.*#agree and #object/) });
    expect(readHashtagAct(mastodon("#dealbreaker too dear"))).toEqual({ ok: false, refusal: expect.stringMatching(/#dealbreaker goes with #object/) });
    expect(readHashtagAct(mastodon("#grievance #dealbreaker #cost"))).toEqual({ ok: false, refusal: expect.stringMatching(/#dealbreaker goes with #object/) });
    expect(readHashtagAct(mastodon("#object too dear"))).toEqual({ ok: false, refusal: expect.stringMatching(/needs its category/) });
    expect(readHashtagAct(mastodon("#propose #bylaws New bylaws"))).toEqual({ ok: false, refusal: expect.stringMatching(/bylaws proposal has details a post cannot carry/) });
    expect(readHashtagAct(mastodon("#advocate #cost"))).toEqual({ ok: false, refusal: expect.stringMatching(/mention the person/) });
    expect(readHashtagAct(mastodon("#amend"))).toEqual({ ok: false, refusal: expect.stringMatching(/needs its text/) });
  });

  it("keeps HTML in a reason as text, never as markup, and drops scripts", () => {
    const read = readHashtagAct({
      content: '<p>#disagree &lt;img src=x onerror=alert(1)&gt; <script>alert("x")</script><b>bold</b> &amp;amp; <a href="javascript:alert(1)">link</a></p>',
    });
    expect(read).toEqual({ ok: true, act: { act: "vote", choice: "disagree", reason: "<img src=x onerror=alert(1)> bold &amp; link" } });
    expect(plainText("<p>a</p><p>b<br>c</p>")).toBe("a\n\nb\nc");
  });

  it("is bounded: huge content is refused, and only the first hashtags and tags are read", () => {
    const huge = `#object #cost ${"x".repeat(MAX_ACT_CONTENT + 10)}`;
    expect(readHashtagAct({ content: huge })).toEqual({ ok: false, refusal: expect.stringMatching(/too long/) });
    expect(readHashtagAct({ content: `just a long essay ${"y ".repeat(MAX_ACT_CONTENT)}` })).toBeNull();
    const tags: PostTag[] = Array.from({ length: 10_000 }, (_, i) => ({ type: "Hashtag", name: `#t${i}` }));
    // The act word comes after the tags read: only the first ones count, so this is no act.
    expect(readHashtagAct({ content: "hello", tags: [...tags, { type: "Hashtag", name: "#agree" }] })).toBeNull();
    expect(readHashtagAct({ content: "#agree", tags })).toEqual({ ok: true, act: { act: "vote", choice: "agree" } });
    const many = Array.from({ length: 5000 }, (_, i) => `#w${i}`).join(" ");
    expect(readHashtagAct({ content: `#object #cost ${many}` })).toMatchObject({ ok: true, act: { act: "objection", category: "cost" } });
    // Only the first MAX_HASHTAGS hashtags of the text are read.
    expect(readHashtagAct({ content: `${Array.from({ length: MAX_HASHTAGS }, (_, i) => `#w${i}`).join(" ")} #agree` })).toBeNull();
  });
});
