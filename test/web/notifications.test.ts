import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postToBody } from "../../src/community/posts.ts";
import * as d from "../../src/decisions/index.ts";
import { bodyWithMembers, hourBylaws, pastDeadline, unwrap } from "../decisions/support.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { signedInAs } from "../support/web-client.ts";

// In-app notifications: a vote opened for me, a decision taken in my body, a reply to me;
// the unread count in the menu, and marking them read.

let a: TestInstance;
let m: string[];

const signedIn = (handle: string) => signedInAs(a.origin, handle);

const idOf = (uri: string) => decodeURIComponent(uri.slice(uri.lastIndexOf("/") + 1));

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.84" });
  m = await bodyWithMembers(a.app, "yard", ["ada", "bo"], hourBylaws({ kind: "simple-majority" }));
});
afterAll(async () => {
  await a?.stop();
});

describe("notifications", () => {
  it("tells me a vote opened, someone replied to my proposal, and the decision, with links", async () => {
    const bo = await signedIn("bo");
    expect((await bo.get("/notifications")).html).toContain("Nothing yet.");
    const p = unwrap(await d.draftProposal(a.app, m[1]!, "yard", { kind: "policy", title: "Compost bins", text: "Two bins." }));
    unwrap(await d.tableProposal(a.app, m[1]!, "yard", p.id));
    unwrap(await postToBody(a.app, idOf(m[0]!), "yard", { text: "Where would they go?", inReplyTo: p.uri }));
    await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, "yard", p.id)));
    unwrap(await d.vote(a.app, m[0]!, "yard", p.id, { choice: "agree" }));
    await pastDeadline(a.app, unwrap(await d.readProposal(a.app, null, "yard", p.id)));

    const page = await bo.get("/notifications");
    expect(page.html).toContain("Notifications (3 new)");
    expect(page.html).toContain("A vote is open: Compost bins");
    expect(page.html).toContain("@ada replied to you");
    expect(page.html).toContain("Decided: Compost bins");
    expect(page.html).toContain("It passed.");
    expect(page.html).toContain(`href="/@yard/proposals/${p.id}"`);

    // Ada gets the vote and the outcome, not her own reply.
    const ada = await signedIn("ada");
    const hers = await ada.get("/notifications");
    expect(hers.html).toContain("Notifications (2 new)");
    expect(hers.html).not.toContain("replied to you");

    expect((await bo.post("/notifications/read", {}, { csrfFrom: "/notifications" })).status).toBe(303);
    const read = await bo.get("/notifications");
    expect(read.html).not.toContain("new)");
    expect(read.html).toContain("A vote is open: Compost bins");
  });
});
