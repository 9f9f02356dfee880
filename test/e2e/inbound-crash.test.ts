import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { draftProposal, tableProposal } from "../../src/decisions/index.ts";
import { sendAct } from "../../src/federation/acts.ts";
import { tableConfederalProposal } from "../../src/federation/outbox/tabling.ts";
import { confederationBylaws, createBody, createPeople, decide, electDelegate, quickBylaws, ratify, settle, type People } from "../support/confederation.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { eventually, startTestInstance, type TestInstance } from "../support/instance.ts";
import { startMastodonPeer, type MastodonPeer } from "../support/mastodon-peer.ts";
import { REPO_ROOT, waitForHttp } from "../support/process.ts";

// An inbound activity is claimed and applied in one transaction: a worker killed
// (SIGKILL) between the claim and the commit of the effect loses nothing. For each kind
// of activity, X (the instance under test) is swapped for a server process that kills
// itself at that point (test/support/fault-main.ts); then X starts again on the same
// database, the queue redelivers the activity once its lease has run out, and the effect
// must be there exactly once.
//
// X: riverside (an open assembly; the Mastodon-style peer joins it and votes; fay on Y
// acts on its proposal) and council (a confederation hillside on Y is a member of).
// Y: hillside (elects delegates, ratifies, recalls) and region (a confederation
// riverside on X is a member of).

const X_HOST = "127.0.0.61";
const X_PORT = 22_000 + (process.pid % 1000);
const X_ORIGIN = `http://${X_HOST}:${X_PORT}`;
const AS = "https://www.w3.org/ns/activitystreams";

let dataDir: string;
let database: TestDatabase | undefined;
let x: TestInstance | undefined;
let y: TestInstance;
let peer: MastodonPeer;
let px: People;
let py: People;
const bodies: Record<string, string> = {};
const localId = (uri: string) => uri.split("/").at(-1)!;
const env = (): Record<string, string> => ({ QUEUE_LEASE_SECONDS: "2" });

/** X on its database, in this process (set-up and checks). */
async function startX(): Promise<TestInstance> {
  x = await startTestInstance({ host: X_HOST, port: X_PORT, dataDir, ...(database ? { database } : {}), env: env() });
  return x;
}

/**
 * Stops X here and runs it as a server process that dies at the first `type` it takes
 * in; `trigger` makes some server send it. Resolves once the process died that way;
 * then X runs here again.
 */
async function crashOn(type: string, trigger: () => Promise<void>): Promise<void> {
  await x!.close();
  x = undefined;
  const child = spawn(process.execPath, ["test/support/fault-main.ts"], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: String(X_PORT),
      HOST: X_HOST,
      PUBLIC_ORIGIN: X_ORIGIN,
      DATA_DIR: dataDir,
      ALLOW_PRIVATE_ADDRESS: "true",
      LOG_LEVEL: "warn",
      QUEUE_WORKERS: "2",
      ...env(),
      ...(database ? { DATABASE_URL: database.url } : {}),
      FOLKMOOT_TEST_KILL_AT: type,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<string | number>((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code ?? -1)));
  const guard = setTimeout(() => child.kill("SIGTERM"), 90_000);
  try {
    await waitForHttp(`${X_ORIGIN}/healthz`, 60_000);
    await trigger();
    expect(await exited, output).toBe("SIGKILL");
    expect(output).toMatch(new RegExp(`SIGKILL at inbound-before-commit for ${type} `));
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- the server's output ---\n${output.slice(-4000)}`);
  } finally {
    clearTimeout(guard);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    await startX();
  }
}

/** How many events of `type` the record of X's body `handle` holds. */
async function eventsOf(handle: string, type: string): Promise<{ event: string }[]> {
  return x!.app.db
    .selectFrom("governance_events")
    .innerJoin("actors", "actors.id", "governance_events.body_id")
    .select("governance_events.event")
    .where("actors.handle", "=", handle)
    .where("governance_events.type", "=", type)
    .execute();
}

async function exactlyOne(handle: string, type: string, label: string, match: (event: string) => boolean = () => true): Promise<void> {
  await eventually(async () => (await eventsOf(handle, type)).some((e) => match(e.event)), 30_000, label);
  // Later redeliveries (the queue's, Fedify's retries) must not add a second one.
  await new Promise((r) => setTimeout(r, 2_500));
  expect((await eventsOf(handle, type)).filter((e) => match(e.event))).toHaveLength(1);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "folkmoot-inbound-crash-"));
  database = process.env.TEST_DATABASE_URL ? await createTestDatabase() : undefined;
  [, y, peer] = await Promise.all([startX(), startTestInstance({ host: "127.0.0.62" }), startMastodonPeer({ host: "127.0.0.63" })]);
  px = await createPeople(x!, ["alice", "bob"]);
  py = await createPeople(y, ["fay", "gus", "hal"]);
  bodies.riverside = await createBody(x!, {
    handle: "riverside",
    kind: "assembly",
    members: ["alice", "bob", py.fay!],
    admission: "open",
    bylaws: quickBylaws("assembly", { admission: "open" }),
  });
  bodies.council = await createBody(x!, { handle: "council", kind: "confederation", bylaws: confederationBylaws({ kind: "majority" }, { voting: "PT3M" }) });
  bodies.hillside = await createBody(y, { handle: "hillside", kind: "assembly", members: ["fay", "gus", "hal"] });
  bodies.region = await createBody(y, { handle: "region", kind: "confederation", bylaws: confederationBylaws({ kind: "majority" }, { voting: "PT3M" }) });
  // riverside joins region; hillside joins council and elects a delegate to each.
  const yes = (who: string[]) => Object.fromEntries(who.map((w) => [w, "agree" as const]));
  const start = new Date(Date.now() - 60_000).toISOString();
  const end = new Date(Date.now() + 30 * 86_400_000).toISOString();
  const joined = await Promise.all([
    decide(x!, null, {
      body: "riverside",
      author: px.alice!,
      kind: "join",
      title: "Riverside joins the region",
      payload: { confederation: bodies.region },
      votes: yes([px.alice!, px.bob!]),
    }),
    decide(y, null, {
      body: "hillside",
      author: py.fay!,
      kind: "join",
      title: "Hillside joins the council",
      payload: { confederation: bodies.council },
      votes: yes([py.fay!, py.gus!]),
    }),
    decide(y, null, {
      body: "hillside",
      author: py.gus!,
      kind: "join",
      title: "Hillside joins the region",
      payload: { confederation: bodies.region },
      votes: yes([py.fay!, py.gus!]),
    }),
  ]);
  expect(joined.map((j) => j.outcome)).toEqual(["passed", "passed", "passed"]);
  const delegate = (who: string, confederation: string) =>
    electDelegate(y, null, {
      body: "hillside",
      author: py.fay!,
      delegate: who,
      confederation,
      title: `${localId(who)} to ${localId(confederation)}`,
      scope: "Table our proposals",
      instructions: "Report back",
      covers: ["confederal"],
      start,
      end,
      votes: yes([py.fay!, py.gus!, py.hal!]),
    });
  const [toCouncil, toRegion] = await Promise.all([delegate(py.gus!, bodies.council!), delegate(py.hal!, bodies.region!)]);
  expect([toCouncil.outcome, toRegion.outcome]).toEqual(["passed", "passed"]);
  mandates.council = toCouncil.mandate;
  mandates.region = toRegion.mandate;
  await eventually(
    async () => {
      const council = await x!.app.db.selectFrom("memberships").select("member_uri").where("body_id", "=", localId(bodies.council!)).execute();
      const region = await y.app.db.selectFrom("memberships").select("member_uri").where("body_id", "=", localId(bodies.region!)).execute();
      return council.length === 1 && region.length === 2;
    },
    30_000,
    "both confederations admitted their member body",
  );
}, 180_000);

const mandates: Record<string, string> = {};

afterAll(async () => {
  await Promise.all([x?.close(), y?.stop(), peer?.close()]);
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("an inbound activity survives a worker killed between its claim and its commit", { timeout: 180_000 }, () => {
  it("a Join (open admission): admitted once, answered with Accept", async () => {
    await crashOn("Join", async () => {
      const res = await peer.post(`${bodies.riverside}/inbox`, { "@context": AS, id: peer.newId(), type: "Join", actor: peer.actorId, object: bodies.riverside });
      expect(res.status).toBe(202);
    });
    await exactlyOne("riverside", "member-joined", "the peer is a member", (e) => e.includes(peer.actorId));
    await peer.waitFor((r) => r.body?.type === "Accept" && r.signatureValid, 20_000);
  });

  let proposal: { id: string; uri: string };

  it("a Mastodon-style poll vote: counted once", async () => {
    const drafted = await draftProposal(x!.app, px.alice!, "riverside", { kind: "policy", title: "Plant an orchard", text: "By the river.", votingPeriod: "PT10M" });
    if (!drafted.ok) throw new Error(drafted.error.message);
    proposal = { id: drafted.value.id, uri: drafted.value.uri };
    expect((await tableProposal(x!.app, px.alice!, "riverside", proposal.id)).ok).toBe(true);
    await settle(x!, "riverside", proposal.id, (s) => s === "voting", "voting opens");
    await crashOn("Vote", async () => {
      const id = `${peer.actorId}#votes/orchard`;
      const res = await peer.post(`${X_ORIGIN}/ap/inbox`, {
        "@context": AS,
        id: `${id}/activity`,
        type: "Create",
        actor: peer.actorId,
        to: [bodies.riverside],
        object: { id, type: "Note", name: "Agree", attributedTo: peer.actorId, inReplyTo: proposal.uri, to: [bodies.riverside] },
      });
      expect(res.status).toBe(202);
    });
    await exactlyOne("riverside", "vote-cast", "the peer's vote", (e) => e.includes(peer.actorId));
  });

  it("an act from a member on another Folkmoot instance (a vote with a reason): taken in once", async () => {
    await crashOn("Act", async () => {
      const sent = await sendAct(y.app, localId(py.fay!), proposal.uri, { act: "vote", choice: "disagree", reason: "Too little sun there." });
      expect(sent.ok).toBe(true);
    });
    await exactlyOne("riverside", "vote-cast", "fay's vote", (e) => e.includes(py.fay!));
  });

  it("a referral (Invite): the member body puts one ratification before its members", async () => {
    await crashOn("Invite", async () => {
      const tabled = await tableConfederalProposal(y.app, localId(py.hal!), {
        confederation: bodies.region!,
        title: "A regional seed bank",
        text: "One shelf per assembly.",
        topic: "commons",
        mandate: mandates.region!,
      });
      expect(tabled).toMatchObject({ ok: true });
    });
    await exactlyOne("riverside", "proposal-drafted", "the ratification", (e) => e.includes('"kind":"ratification"'));
    const drafted = (await eventsOf("riverside", "proposal-drafted")).map((e) => JSON.parse(e.event) as { payload?: { referral?: string } });
    expect(drafted.find((e) => e.payload?.referral)?.payload?.referral).toMatch(/^http:\/\/127\.0\.0\.62/);
  });

  it("a verdict (Add): recorded once in the referral", async () => {
    await crashOn("Add", async () => {
      const tabled = await tableConfederalProposal(y.app, localId(py.gus!), {
        confederation: bodies.council!,
        title: "A shared tool library",
        text: "Each assembly hosts one shelf.",
        topic: "commons",
        mandate: mandates.council!,
      });
      expect(tabled).toMatchObject({ ok: true });
      // hillside ratifies on Y (its ratification names the council); its signed verdict is sent to the council on X.
      const r = await ratify(y, "hillside", bodies.council!, { [py.fay!]: "agree", [py.gus!]: "agree" });
      expect(r.outcome).toBe("passed");
    });
    await exactlyOne("council", "verdict-received", "hillside's verdict");
  });

  it("a recall (Remove): the council records the revocation once", async () => {
    await crashOn("Remove", async () => {
      const recalled = await decide(y, null, {
        body: "hillside",
        author: py.hal!,
        kind: "recall",
        title: "Recall Gus",
        payload: { delegate: py.gus },
        votes: { [py.fay!]: "agree", [py.hal!]: "agree" },
      });
      expect(recalled.outcome).toBe("passed");
    });
    await exactlyOne("council", "mandate-revocation-received", "the revocation");
  });
});
