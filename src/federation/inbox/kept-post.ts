// How a post from another server becomes its row in `objects`: one mapping for every way a
// post is taken in (the one statement of a member's public post, the transaction of the rest).
import type { Article, Create, Note, Page, Question } from "@fedify/vocab";
import type { PostToKeep } from "../../community/inbound-post.ts";
import { htmlToText, sanitizeRemoteHtml } from "../../shared/text.ts";
import { fromInstant } from "../../shared/time.ts";

type Post = Note | Article | Page | Question;

/**
 * The row of `post` (which has an id): its type, its HTML sanitised, its plain text (for a
 * reply's notice), link, date and the document as text. `raw` is the document as received
 * when the caller has it ({@link receivedJsonOf}); otherwise Fedify writes the post out again.
 */
export async function postToKeep(post: Post, by: { attributedTo: string; audience: string | null; raw?: string }): Promise<PostToKeep> {
  const content = sanitizeRemoteHtml(post.content?.toString() ?? "");
  return {
    uri: post.id!.href,
    type: (post.constructor as { name?: string }).name ?? "Object",
    attributedTo: by.attributedTo,
    audience: by.audience,
    inReplyTo: post.replyTargetId?.href ?? null,
    content,
    text: plainTextOf(content),
    url: post.url instanceof URL ? post.url.href : null,
    published: fromInstant(post.published) ?? new Date(),
    raw: by.raw ?? JSON.stringify(await post.toJsonLd()),
  };
}

/**
 * A post as its server sent it, embedded in `create`: Fedify keeps the JSON it read, so
 * the post need not be written out again (about 1 ms). A post not embedded as itself is
 * written from what Fedify read.
 */
export async function receivedJsonOf(create: Create, post: Post): Promise<string> {
  const received = (await create.toJsonLd()) as Record<string, unknown>;
  const embedded = received.object as Record<string, unknown> | undefined;
  if (embedded !== null && typeof embedded === "object" && !Array.isArray(embedded) && embedded.id === post.id?.href) {
    return JSON.stringify({ "@context": received["@context"], ...embedded });
  }
  return JSON.stringify(await post.toJsonLd());
}

/** Plain text of sanitised HTML (the page escapes it again): the entities the sanitiser writes are undone. */
function plainTextOf(sanitised: string): string {
  return htmlToText(sanitised)
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}
