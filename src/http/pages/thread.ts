import type { ThreadNode } from "../../community/posts.ts";
import { timeOf, type PersonView, type TimeView } from "./format.ts";

/** A post and its replies for the replies partial; `content` is stored, already safe HTML. */
export interface PostView {
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
  return { author: name(node.attributedTo), at: timeOf(node.published), content: node.content, replies: node.replies.map((r) => threadView(r, name)) };
}
