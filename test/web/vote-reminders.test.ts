import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import * as d from "../../src/decisions/index.ts";
import { bodyWithMembers, hourBylaws, pastDeadline, unwrap } from "../decisions/support.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { type MastodonPeer, startMastodonPeer } from "../support/mastodon-peer.ts";
import { signedInAs } from "../support/web-client.ts";
import { tokenFor } from "../mastodon/support.ts";

// A day before a vote closes, the members on its roll who have not voted are reminded,
// once: in the app (and the Mastodon API's notifications), and a remote member by a
// direct mention from the body. A short vote gets no reminder.

let a: TestInstance;
let peer: MastodonPeer;
let m: string[];

beforeAll(async () => {
  peer = await startMastodonPeer({ host: "127.0.0.116" });
  a = await startTestInstance({ host: "127.0.0.115" });
  m = await bodyWithMembers(a.app, "yard", ["ada", "bo"], hourBylaws({ kind: "simple-majority" }, { votingPeriod: "P3D", admission: "open" }));
  await operations["member.add"](a.app, { body: "yard", member: peer.actorId });
});
afterAll(async () => {
  await a?.stop();
  await peer?.close();
});

describe("reminders of votes closing soon", () => {
  it("reminds those who have not voted, once, a day before the vote closes", async () => {
    const p = unwrap(await d.draftProposal(a.app, m[1]!, "yard", { kind: "policy", title: "Rain barrels", text: "Four of them." }));
    unwrap(await d.tableProposal(a.app, m[1]!, "yard", p.id));
    await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, "yard", p.id)));
    unwrap(await d.vote(a.app, m[0]!, "yard", p.id, { choice: "agree" }));
    const closes = new Date(unwrap(await d.readProposal(a.app, null, "yard", p.id)).nextDeadline!);

    // Two days before: too early.
    expect(await d.remindOfClosingVotes(a.app, new Date(closes.getTime() - 48 * 3600_000))).toBe(0);
    // A day before: bo (here) and the remote member; not ada, who voted.
    const soon = new Date(closes.getTime() - 23 * 3600_000);
    expect(await d.remindOfClosingVotes(a.app, soon)).toBe(2);
    expect(await d.remindOfClosingVotes(a.app, new Date(soon.getTime() + 60_000))).toBe(0);

    const bo = await signedInAs(a.origin, "bo");
    const page = await bo.get("/notifications");
    expect(page.html).toContain("A vote closes soon and you have not voted: Rain barrels");
    expect(page.html).toContain(`${closes.toISOString().slice(0, 16).replace("T", " ")} UTC`);
    // In a Mastodon app: a mention from the body, in plain words.
    const token = await tokenFor(a.origin, "bo");
    const notes = (await (await fetch(new URL("/api/v1/notifications", a.origin), { headers: { authorization: `Bearer ${token}` } })).json()) as {
      type: string;
      status: { content: string };
    }[];
    expect(notes.find((n) => n.status.content.includes("A vote closes soon and you have not voted"))?.type).toBe("mention");
    const ada = await signedInAs(a.origin, "ada");
    expect((await ada.get("/notifications")).html).not.toContain("closes soon");

    const mention = await a.app.db
      .selectFrom("activities")
      .select(["payload", "public"])
      .where("type", "=", "Create")
      .where("payload", "like", "%you have not voted yet%")
      .execute();
    expect(mention).toHaveLength(1);
    const note = (JSON.parse(mention[0]!.payload) as { object: { to: string; tag: { type: string; href: string; name: string }[] } }).object;
    expect(mention[0]!.public).toBe(false);
    expect(note.to).toBe(peer.actorId);
    expect(note.tag).toEqual([expect.objectContaining({ type: "Mention", href: peer.actorId, name: expect.stringMatching(/^@.+@/) })]);
  });

  it("does not remind of a vote shorter than two days", async () => {
    const q = await bodyWithMembers(a.app, "quick2", ["cy", "di"], hourBylaws({ kind: "simple-majority" }, { votingPeriod: "PT20H" }));
    const p = unwrap(await d.draftProposal(a.app, q[0]!, "quick2", { kind: "policy", title: "Short one", text: "Fast." }));
    unwrap(await d.tableProposal(a.app, q[0]!, "quick2", p.id));
    await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, "quick2", p.id)));
    const closes = new Date(unwrap(await d.readProposal(a.app, null, "quick2", p.id)).nextDeadline!);
    expect(await d.remindOfClosingVotes(a.app, new Date(closes.getTime() - 3600_000))).toBe(0);
  });
});
