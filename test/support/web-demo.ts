import type { AppContext } from "../../src/context.ts";
import { postToBody } from "../../src/community/posts.ts";
import { draftProposal, tableProposal, vote } from "../../src/decisions/index.ts";
import { createBody, createPeople, decide, quickBylaws, settle } from "../../src/demo/steps.ts";

// A little demonstration data for the pages, shared by the browser test
// (test/e2e/browser.test.ts) and the screenshots (scripts/screenshots.ts): a neighbourhood
// assembly with four members, one decision already taken, one proposal in its vote with
// reasons, and a post with a reply. No vitest here: the screenshot script imports it too.

export const DEMO_PASSWORD_SUFFIX = "-password-long";

export interface WebDemo {
  /** handle → actor URI; each person's password is `${handle}${DEMO_PASSWORD_SUFFIX}`. */
  people: Record<string, string>;
  body: string;
  /** Paths of pages with something on them. */
  paths: { body: string; proposals: string; proposal: string; decided: string; decisions: string; note: string };
}

export async function seedWebDemo(inst: { app: AppContext }): Promise<WebDemo> {
  const people = await createPeople(inst, ["ada", "bo", "cy", "dee"]);
  const ada = people.ada!;
  const bo = people.bo!;
  const cy = people.cy!;
  // Ada runs the instance: the operator pages are hers.
  await inst.app.db.updateTable("accounts").set({ is_admin: true }).where("actor_id", "=", idOf(ada)).execute();
  const body = "riverside";
  // Short minimum periods so that a first decision is taken in seconds; the open proposal asks for a week of voting.
  await createBody(inst, {
    handle: body,
    kind: "assembly",
    name: "Riverside Assembly",
    members: Object.values(people),
    bylaws: quickBylaws("assembly", { deliberationPeriod: "PT1S", votingPeriod: "PT2S" }),
  });

  const decided = await decide(inst, null, {
    body,
    author: ada,
    kind: "policy",
    title: "Open the community garden on Sundays",
    votes: { [ada]: "agree", [bo]: "agree", [cy]: "disagree" },
  });

  const drafted = await draftProposal(inst.app, bo, body, {
    kind: "policy",
    title: "Build a bicycle shelter by the library",
    text: "A covered shelter for twenty bicycles on the library's east side, paid from this year's neighbourhood budget.",
    votingPeriod: "P7D",
  });
  if (!drafted.ok) throw new Error(`draft: ${drafted.error.message}`);
  const id = drafted.value.id;
  const tabled = await tableProposal(inst.app, bo, body, id);
  if (!tabled.ok) throw new Error(`table: ${tabled.error.message}`);
  await settle(inst, body, id, (s) => s === "voting", "voting on the shelter");
  for (const [who, choice, reason] of [
    [ada, "agree", "Half the racks in the street are always full."],
    [cy, "abstain", "I would rather see the cost first."],
  ] as const) {
    const v = await vote(inst.app, who, body, id, { choice, reason });
    if (!v.ok) throw new Error(`vote: ${v.error.message}`);
  }

  const post = await postToBody(inst.app, idOf(ada), body, { text: "The garden keys are with the caretaker from Saturday evening." });
  if (!post.ok) throw new Error(`post: ${post.error.message}`);
  const reply = await postToBody(inst.app, idOf(bo), body, { text: "Thank you! I will pick them up.", inReplyTo: post.value.uri });
  if (!reply.ok) throw new Error(`reply: ${reply.error.message}`);

  return {
    people,
    body,
    paths: {
      body: `/@${body}`,
      proposals: `/@${body}/proposals`,
      proposal: new URL(drafted.value.url).pathname,
      decided: `/@${body}/proposals/${encodeURIComponent(decided.id)}`,
      decisions: `/@${body}/decisions`,
      note: `/notes/${idOf(post.value.uri)}`,
    },
  };
}

/** A local actor's id: the last segment of its URI. */
function idOf(uri: string): string {
  return new URL(uri).pathname.split("/").at(-1)!;
}
