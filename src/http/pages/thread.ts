import { createHash } from "node:crypto";
import type { ThreadNode } from "../../community/posts.ts";
import { timeOf, type PersonView, type TimeView } from "./format.ts";

/** A post and its replies for the replies partial; `content` is stored, already safe HTML. */
export interface PostView {
  /** The post's address, for a reply to it. */
  uri: string;
  /** A short id unique on the page, for the reply form's fields. */
  key: string;
  author: PersonView;
  at: TimeView | null;
  content: string;
  replies: PostView[];
}

export function threadAuthors(node: ThreadNode, into: string[] = []): string[] {
  into.push(node.attributedTo);
  for (const r of node.replies) threadAuthors(r, into);
  return into;
}

export function threadView(node: ThreadNode, name: (uri: string) => PersonView): PostView {
  return {
    uri: node.uri,
    key: createHash("sha256").update(node.uri).digest("hex").slice(0, 10),
    author: name(node.attributedTo),
    at: timeOf(node.published),
    content: node.content,
    replies: node.replies.map((r) => threadView(r, name)),
  };
}
