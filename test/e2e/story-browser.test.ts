import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { listReferrals } from "../../src/decisions/confederation/members.ts";
import { readProposal, runDueDeadlines, vote } from "../../src/decisions/index.ts";
import { focusedElement, launchChromium, tabUntil } from "../support/browser.ts";
import { confederationBylaws, createBody, createPeople, decide, membersOf, ratificationFor } from "../support/confederation.ts";
import { eventually, startTestInstance, type TestInstance } from "../support/instance.ts";
import { StoryPerson } from "../support/story-browser.ts";

// A person's whole story in real Chromium, through the real forms only (clicks and
// typing): signing up by invitation, founding an assembly from the trial template, a
// second person joining, a proposal tabled, discussed, voted on with reasons and decided,
// then the register; a graduated-consensus proposal through an objection, an advocate, an
// amendment and the final vote; a delegate elected with a mandate and recalled; a member
// leaving; a confederation's referral with each body's verdict. Set up outside the browser
// only what the issue allows: the invitations (the CLI) and, on a second instance, the
// confederation with its other member body. Deadlines are moved on with runDueDeadlines
// and an instant past them (no waiting for the trial's five minutes). Every page a person
// lands on is checked with axe-core and at 390 px for sideways scrolling.

let a: TestInstance;
/** The second instance, with the confederation. */
let b: TestInstance;
let browser: Browser;
const problems: string[] = [];
const visited = new Map<string, number>();
const people: Record<string, StoryPerson> = {};
/** The latest instant the deadlines were run at: the story's clock only moves forward. */
let clock = Date.now();
/** The assembly's page, once founded. */
let maple: string;

const PASSWORD = "a long story password";

/** Runs what falls due once the proposal's next deadline has passed (and any other deadline before it). */
async function pastNextDeadline(body: string, id: string): Promise<void> {
  const read = await readProposal(a.app, null, body, id);
  if (!read.ok) throw new Error(read.error.message);
  const next = read.value.nextDeadline;
  if (next === null) throw new Error(`${body}/${id} (${read.value.view.status}) has no deadline`);
  clock = Math.max(clock, Date.now(), Date.parse(next) + 1_000);
  await runDueDeadlines(a.app, new Date(clock));
}

async function statusOf(body: string, id: string): Promise<string> {
  const read = await readProposal(a.app, null, body, id);
  if (!read.ok) throw new Error(read.error.message);
  return read.value.view.status;
}

/** The proposal id in a proposal page's path. */
const proposalId = (path: string) => decodeURIComponent(path.split("/proposals/")[1]!.split(/[/?#]/)[0]!);

/** From a body's page: "Put a proposal forward", the kind, the form filled by `fill`, then tabled. */
async function propose(p: StoryPerson, body: string, kind: RegExp, step: string, fill: (page: Page) => Promise<void>): Promise<void> {
  await p.goto(body, "the body's page");
  await p.follow(p.page.getByRole("link", { name: /Put a proposal forward/ }).first(), "the kinds of proposal");
  await p.follow(p.page.getByRole("link", { name: kind }).first(), step);
  await fill(p.page);
  await p.follow(p.page.getByRole("button", { name: /Put it before the body/ }), `${step}: tabling`);
}

/** On a proposal's page, votes in the open round whose id starts with `round`, with a reason if given. */
async function voteIn(p: StoryPerson, path: string, round: string, choice: string, reason: string): Promise<void> {
  await p.goto(path, `the proposal, voting (${round})`);
  const form = p.page.locator(`main form:has(input[name=round][value^="${round}"])`).first();
  await form.locator(`input[name=choice][value=${choice}]`).check();
  if (reason) await form.locator("textarea[name=reason]").fill(reason);
  await p.follow(form.locator("button[type=submit]"), `voting (${round})`);
  if (reason) expect(await p.main()).toContain(reason);
}

beforeAll(async () => {
  [a, b, browser] = await Promise.all([startTestInstance({ host: "127.0.0.120", env: { SIGNUP: "invitation" } }), startTestInstance({ host: "127.0.0.121" }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  for (const p of Object.values(people)) await p.close();
  await browser?.close();
  await Promise.all([a?.stop(), b?.stop()]);
});

describe("a person's whole story, in Chromium", () => {
  it("signs up by invitation, twice", async () => {
    for (const [handle, name] of [
      ["ann", "Ann Archer"],
      ["ben", "Ben Baker"],
    ] as const) {
      const invitation = await operations["invitation.create"](a.app, { note: `for ${name}` });
      const p = (people[handle] = await StoryPerson.open(browser, handle, a.origin, problems, visited));
      await p.goto(new URL(invitation.url).pathname + new URL(invitation.url).search, "the invitation's link");
      expect(await p.page.inputValue("#f-invitation")).toBe(invitation.code);
      await p.page.fill("#f-handle", handle);
      await p.page.fill("#f-name", name);
      await p.page.fill("#f-password", PASSWORD);
      await p.follow(p.page.locator("main form button[type=submit]"), "signing up");
      expect(p.path()).toBe("/me");
    }
  }, 180_000);

  it("founds an assembly from the trial template", async () => {
    const ann = people.ann!;
    await ann.follow(ann.page.getByRole("link", { name: "Found a new body" }).first(), "the templates");
    await ann.follow(ann.page.getByRole("link", { name: /Trial run/ }), "the founding form");
    await ann.page.fill("#f-name", "Maple Street Assembly");
    await ann.page.fill("#f-handle", "maple");
    await ann.page.selectOption("#f-kind", "assembly");
    await ann.page.fill("#f-summary", "The neighbours of Maple Street.");
    await ann.follow(ann.page.locator("main form button[type=submit]"), "founding");
    maple = ann.path();
    expect(maple).toBe("/@maple");
    expect(await ann.main()).toContain("Maple Street Assembly");
  }, 180_000);

  it("a second person joins", async () => {
    const ben = people.ben!;
    await ben.goto(maple, "the body's page");
    await ben.follow(ben.page.getByRole("button", { name: "Join this body" }), "joining");
    expect(await ben.main()).toContain("Leave this body");
  }, 180_000);

  let garden: string;
  it("tables a proposal, it is discussed, both vote with reasons, and the outcome is on its page and in the register", async () => {
    const [ann, ben] = [people.ann!, people.ben!];
    await ann.goto(maple, "the body's page");
    await ann.follow(ann.page.getByRole("link", { name: /Put a proposal forward/ }).first(), "the kinds of proposal");
    await ann.follow(ann.page.getByRole("link", { name: /^A decision/ }).first(), "the proposal form");
    await ann.page.fill("#f-title", "Plant a community garden");
    await ann.page.fill("#f-text", "Beds for vegetables on the empty lot at the corner, shared by whoever wants one.");
    await ann.page.check("#f-implementation-no");
    await ann.follow(ann.page.getByRole("button", { name: /Put it before the body/ }), "tabling");
    garden = ann.path();
    const id = proposalId(garden);
    expect(await statusOf("maple", id)).toBe("deliberation");

    await ben.goto(garden, "the proposal");
    await ben.page.fill("#f-reply-text", "Who keeps the water butt filled in August?");
    await ben.follow(ben.page.getByRole("button", { name: /Post my reply/ }), "replying");
    expect(await ben.main()).toContain("Who keeps the water butt filled in August?");

    await pastNextDeadline("maple", id);
    expect(await statusOf("maple", id)).toBe("voting");
    for (const [p, choice, reason] of [
      [ann, "agree", "Fresh vegetables, and we meet the neighbours."],
      [ben, "agree", "If we take turns with the water."],
    ] as const) {
      await p.goto(garden, "the proposal in its vote");
      await p.page.check(`#f-vote-main-choice-${choice}`);
      await p.page.fill("#f-vote-main-reason", reason);
      await p.follow(p.page.getByRole("button", { name: /^Vote$/ }), "voting");
      expect(await p.main()).toContain(reason);
    }
    await pastNextDeadline("maple", id);
    expect(await statusOf("maple", id)).toBe("passed");
    await ann.goto(garden, "the decided proposal");
    const page = await ann.main();
    expect(page).toMatch(/passed|carried|adopted/i);
    expect(page).toContain("If we take turns with the water.");

    await ann.goto(maple, "the body's page");
    await ann.follow(ann.page.getByRole("link", { name: /Decisions|register/i }).first(), "the register");
    expect(await ann.main()).toContain("Plant a community garden");
  }, 180_000);

  let council: string;
  it("a graduated-consensus proposal goes through an objection, an advocate, an amendment and the final vote", async () => {
    const [ann, ben] = [people.ann!, people.ben!];
    // A council founded from the trial template, deciding by graduated consensus.
    await ann.goto("/bodies/new?template=trial", "the founding form");
    await ann.page.fill("#f-name", "Maple Street Council");
    await ann.page.fill("#f-handle", "maplecouncil");
    await ann.page.selectOption("#f-kind", "council");
    await ann.page.selectOption("#f-rule", "graduated-consensus");
    await ann.follow(ann.page.locator("main form button[type=submit]"), "founding a council");
    council = ann.path();
    await ben.goto(council, "the council's page");
    await ben.follow(ben.page.getByRole("button", { name: "Join this body" }), "joining the council");

    await propose(ann, council, /^A decision/, "the council's proposal form", async (page) => {
      await page.fill("#f-title", "Close the street to cars on Sundays");
      await page.fill("#f-text", "From nine to five, every Sunday, for play and markets.");
      await page.check("#f-implementation-no");
    });
    const path = ann.path();
    const id = proposalId(path);
    await pastNextDeadline("maplecouncil", id);
    expect(await statusOf("maplecouncil", id)).toBe("voting");
    await voteIn(ann, path, "temperature-1", "agree", "Quiet streets for the children.");
    await voteIn(ben, path, "temperature-1", "disagree", "The bakery needs its deliveries.");
    await pastNextDeadline("maplecouncil", id);
    expect(await statusOf("maplecouncil", id)).toBe("objections");

    await ben.goto(path, "the proposal, open to objections");
    await ben.page.fill("#f-obj-category", "deliveries");
    await ben.page.check("#f-obj-dealBreaker-no");
    await ben.page.fill("#f-obj-text", "Shops on the street need a van in the morning.");
    await ben.follow(ben.page.getByRole("button", { name: "Record my objection" }), "objecting");
    expect(await ben.main()).toContain("Shops on the street need a van in the morning.");
    await pastNextDeadline("maplecouncil", id);
    expect(await statusOf("maplecouncil", id)).toBe("grievances");

    await ben.goto(path, "the proposal, its grievances");
    await ben.page.selectOption("#f-adv-category", "deliveries");
    await ben.page.fill("#f-adv-candidate", "@ben");
    await ben.follow(ben.page.getByRole("button", { name: "Elect", exact: true }), "electing an advocate");
    // The objector offers the friendly amendment that would answer the objection.
    await ben.page.fill("#f-am-text", "Delivery vans may come in before ten.");
    await ben.page.selectOption("#f-am-category", "deliveries");
    await ben.follow(ben.page.getByRole("button", { name: "Offer the amendment" }), "offering an amendment");
    await ann.goto(path, "the proposal, its grievances");
    const withAdvocate = await ann.main();
    expect(withAdvocate).toContain("Delivery vans may come in before ten.");
    expect(withAdvocate).toMatch(/Ben Baker|@ben/);
    await pastNextDeadline("maplecouncil", id);

    // The amendment is voted on, then the second temperature check, then the final vote.
    for (const p of [ann, ben]) await voteIn(p, path, "amendment", "agree", "");
    await pastNextDeadline("maplecouncil", id);
    await voteIn(ann, path, "temperature-2", "agree", "");
    await voteIn(ben, path, "temperature-2", "disagree", "I want to see it on paper first.");
    await pastNextDeadline("maplecouncil", id);
    expect(await statusOf("maplecouncil", id)).toBe("voting");
    await voteIn(ann, path, "final", "agree", "With the vans, it works for everyone.");
    await voteIn(ben, path, "final", "agree", "The amendment answers my objection.");
    await pastNextDeadline("maplecouncil", id);
    await ann.goto(path, "the decided proposal");
    const decided = await ann.main();
    expect(decided).toContain("Delivery vans may come in before ten.");
    expect(decided).toContain("The amendment answers my objection.");
    expect(["passed", "contention", "implementing"]).toContain(await statusOf("maplecouncil", id));
  }, 180_000);

  it("elects a delegate with a mandate, checks the mandate, recalls the delegate and sees it revoked", async () => {
    const [ann, ben] = [people.ann!, people.ben!];
    const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    await propose(ann, maple, /^Elect delegates/, "the delegation form", async (page) => {
      await page.fill("#f-title", "Ben speaks for us at the parks committee");
      await page.fill("#f-delegates", "@ben");
      await page.fill("#f-scope", "The city's parks committee");
      await page.fill("#f-instructions", "Ask for a water tap by the garden.");
      await page.fill("#f-start", day(1));
      await page.fill("#f-end", day(90));
    });
    const path = ann.path();
    const id = proposalId(path);
    await pastNextDeadline("maple", id);
    for (const p of [ann, ben]) await voteIn(p, path, "main", "agree", "");
    await pastNextDeadline("maple", id);
    expect(await statusOf("maple", id)).toBe("passed");

    await ann.goto(path, "the delegation, decided");
    await ann.follow(ann.page.locator("main a[href*='/mandates/']").first(), "the mandate");
    const mandatePath = ann.path();
    const mandate = await ann.main();
    expect(mandate).toContain("The city's parks committee");
    expect(mandate).toContain("Ask for a water tap by the garden.");
    expect(mandate).toMatch(/Ben Baker|@ben/);

    await propose(ann, maple, /^Recall a delegate/, "the recall form", async (page) => {
      await page.fill("#f-title", "Recall Ben from the parks committee");
      await page.fill("#f-text", "Ben is moving away.");
    });
    const recall = ann.path();
    const recallId = proposalId(recall);
    await pastNextDeadline("maple", recallId);
    for (const p of [ann, ben]) await voteIn(p, recall, "main", "agree", "");
    await pastNextDeadline("maple", recallId);
    expect(await statusOf("maple", recallId)).toBe("passed");
    await ann.goto(mandatePath, "the mandate, recalled");
    expect(await ann.main()).toMatch(/revoked/i);
  }, 180_000);

  it("a member leaves", async () => {
    const ben = people.ben!;
    await ben.goto(council, "the council's page");
    await ben.page.locator("main .membership summary").click();
    await ben.follow(ben.page.locator("main .membership button.danger"), "leaving");
    expect(await ben.main()).toContain("Join this body");
  }, 180_000);

  it("a confederation's referral: the body joins, sends a proposal up, ratifies it, and each body's verdict is on the body's page and the referral's", async () => {
    const [ann, ben] = [people.ann!, people.ben!];
    // Set up outside the browser: the confederation on a second instance, and a second member body here.
    const valley = await createBody(b, { handle: "valley", kind: "confederation", name: "Valley Council", bylaws: confederationBylaws({ kind: "majority" }, { voting: "PT5M" }) });
    const dee = (await createPeople(a, ["dee"])).dee!;
    await createBody(a, { handle: "elm", kind: "assembly", name: "Elm Row Assembly", members: [dee] });
    const elmJoins = await decide(a, null, {
      body: "elm",
      author: dee,
      kind: "join",
      title: "Elm joins the valley council",
      payload: { confederation: valley },
      votes: { [dee]: "agree" },
    });
    expect(elmJoins.outcome).toBe("passed");

    // Maple asks to join, from the browser.
    await propose(ann, maple, /^Join a confederation/, "the joining form", async (page) => {
      await page.fill("#f-title", "Join the valley council");
      await page.fill("#f-confederation", valley);
      await page.fill("#f-text", "Together with the other streets of the valley.");
    });
    const join = ann.path();
    await pastNextDeadline("maple", proposalId(join));
    for (const p of [ann, ben]) await voteIn(p, join, "main", "agree", "");
    await pastNextDeadline("maple", proposalId(join));
    expect(await statusOf("maple", proposalId(join))).toBe("passed");
    await eventually(async () => ((await membersOf(b, "valley")).length === 2 ? true : null), 30_000, "two member bodies of the valley council");

    // Maple sends a proposal to the confederation.
    await propose(ann, maple, /^Send a proposal to our confederation/, "the confederal form", async (page) => {
      await page.fill("#f-title", "A shared tool library");
      await page.fill("#f-text", "Each assembly of the valley hosts one shelf of tools to lend.");
    });
    const up = ann.path();
    await pastNextDeadline("maple", proposalId(up));
    for (const p of [ann, ben]) await voteIn(p, up, "main", "agree", "");
    await pastNextDeadline("maple", proposalId(up));
    expect(await statusOf("maple", proposalId(up))).toBe("passed");
    const valleyId = new URL(valley).pathname.split("/").at(-1)!;
    const referral = (await eventually(async () => (await listReferrals(b.app, valleyId))[0], 30_000, "the referral opens")).uri;

    // Each member body decides whether to ratify: maple in the browser, elm outside it.
    const mapleRatification = await eventually(() => ratificationFor(a, "maple", referral), 30_000, "maple's ratification");
    const elmRatification = await eventually(() => ratificationFor(a, "elm", referral), 30_000, "elm's ratification");
    // Elm's periods are seconds long: it votes first.
    await pastNextDeadline("elm", elmRatification.id);
    const elmVote = await vote(a.app, dee, "elm", elmRatification.id, { choice: "disagree", reason: "We have no room for a shelf." });
    expect(elmVote.ok).toBe(true);
    await pastNextDeadline("maple", mapleRatification.id);
    await ann.goto("/me", "my bodies, a vote waiting");
    await ann.follow(ann.page.locator(`main a[href$="/proposals/${mapleRatification.id}"]`).first(), "the ratification");
    const ratifyPath = ann.path();
    await voteIn(ann, ratifyPath, "main", "agree", "A shelf of tools costs us little.");
    await voteIn(ben, ratifyPath, "main", "agree", "");
    await pastNextDeadline("maple", mapleRatification.id);
    expect(await statusOf("maple", mapleRatification.id)).toBe("passed");
    expect(await statusOf("elm", elmRatification.id)).toBe("rejected");
    await eventually(
      async () => ((await b.app.db.selectFrom("governance_events").select("event").where("type", "=", "verdict-received").execute()).length === 2 ? true : null),
      30_000,
      "both verdicts reach the confederation",
    );
    const deadline = (await listReferrals(b.app, valleyId))[0]!.deadline;
    await runDueDeadlines(b.app, new Date(Math.max(Date.now(), deadline.getTime()) + 1_000));

    // Maple's page lists its ratification; the ratification's page gives maple's verdict and
    // leads to the referral's page (on the confederation's instance), which gives every body's.
    await ann.goto(maple, "the body's page, in a confederation");
    expect(await ann.page.locator("#confederations").textContent()).toContain("@valley@");
    await ann.follow(ann.page.locator(`#confederations a[href$="/proposals/${mapleRatification.id}"]`).first(), "the ratification, decided");
    expect(await ann.main()).toMatch(/Verdict of this body: ratify/);
    await ann.follow(ann.page.locator(`#ratification a[href="${referral}"]`), "the referral's page");
    expect(new URL(ann.page.url()).origin).toBe(b.origin);
    const verdicts = (await ann.page.locator("#verdicts").textContent())!.replace(/\s+/g, " ");
    expect(verdicts).toMatch(/@maple@[^@]*ratif/);
    expect(verdicts).toMatch(/@elm@[^@]*reject/);
    expect((await ann.page.locator("#tally").textContent())!.replace(/\s+/g, " ")).toMatch(/Ratified by.*@maple@/);
  }, 180_000);
});

describe("the keyboard alone", () => {
  it("puts a proposal forward and votes on it with Tab, typing, Space and Enter, a focus ring at every stop", async () => {
    const ann = people.ann!;
    const page = ann.page;
    const keyboardStep = async (step: string) => {
      await page.waitForLoadState("load");
      await ann.check(step);
    };
    await ann.goto(maple, "the body's page, from the keyboard");
    // The skip link first, then on to the body's "Put a proposal forward".
    await page.keyboard.press("Tab");
    expect((await focusedElement(page)).cls).toBe("skip");
    await tabUntil(page, (f) => f.tag === "a" && f.text === "Put a proposal forward", "Put a proposal forward");
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
    await keyboardStep("the kinds, from the keyboard");
    await tabUntil(page, (f) => f.tag === "a" && f.text === "A decision", "A decision");
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
    await keyboardStep("the proposal form, from the keyboard");
    await tabUntil(page, (f) => f.id === "f-title", "the title");
    await page.keyboard.type("Benches along the canal");
    await tabUntil(page, (f) => f.id === "f-text", "the text");
    await page.keyboard.type("Six benches, one every hundred metres.");
    // Tab reaches the radio group at its checked button; an arrow key moves the choice.
    await tabUntil(page, (f) => f.id.startsWith("f-implementation-"), "whether it needs implementing");
    await page.keyboard.press("ArrowDown");
    expect(await page.isChecked("#f-implementation-no")).toBe(true);
    await tabUntil(page, (f) => f.tag === "button" && f.text === "Put it before the body", "the tabling button");
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
    await keyboardStep("the tabled proposal, from the keyboard");
    const path = ann.path();
    const id = proposalId(path);
    expect(await statusOf("maple", id)).toBe("deliberation");

    await pastNextDeadline("maple", id);
    await ann.goto(path, "the proposal in its vote, from the keyboard");
    await tabUntil(page, (f) => f.id.startsWith("f-vote-main-choice-"), "the vote's choices");
    // Tab reaches the group; the arrow keys move within it; Space chooses.
    for (let i = 0; i < 4 && (await focusedElement(page)).id !== "f-vote-main-choice-agree"; i++) await page.keyboard.press("ArrowUp");
    await page.keyboard.press("Space");
    expect(await page.isChecked("#f-vote-main-choice-agree")).toBe(true);
    await tabUntil(page, (f) => f.id === "f-vote-main-reason", "the reason");
    await page.keyboard.type("Somewhere to rest on the way to the market.");
    await tabUntil(page, (f) => f.tag === "button" && f.text === "Vote", "the Vote button");
    await Promise.all([page.waitForURL(/done=voted/), page.keyboard.press("Enter")]);
    await keyboardStep("voted, from the keyboard");
    expect(await ann.main()).toContain("Somewhere to rest on the way to the market.");
    const read = await readProposal(a.app, null, "maple", id);
    expect(read.ok && read.value.rounds[0]!.voters).toBe(1);
  }, 180_000);
});

describe("every page the story visited", () => {
  it("found no accessibility problem and no sideways scrolling on any page visited", () => {
    console.log(`Story pages checked: ${[...visited].map(([p, n]) => `${p} (${n})`).join(", ")}`);
    expect(problems, `\n${problems.join("\n\n")}\n`).toEqual([]);
  });
});
