// Votes per second accepted through the inbox: many voters on a Mastodon-style
// server vote on one proposal as Mastodon sends votes (signed Create(Note) with
// the option's name), and the body counts each one on the roll.
// Usage: npm run bench:votes   (BENCH_VOTERS=500, BENCH_CONCURRENCY=16; BENCH_DATABASE_URL adds PostgreSQL)
import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import { draftProposal, foundBodyRecord, tableProposal } from "../src/decisions/index.ts";
import { operations } from "../src/cli/operations.ts";
import { defaultBylaws, fraction } from "../src/governance/index.ts";
import { signRequestCavage } from "../test/support/mastodon-peer.ts";
import { backends, cpuSeconds, fmt, pool, prepareTarget, spawnServer, waitForHttp, withApp } from "./support.ts";

const VOTERS = Number(process.env.BENCH_VOTERS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const AS = "https://www.w3.org/ns/activitystreams";

/** A server with many voters sharing one RSA key (each with its own key id), enough for Fedify to verify. */
async function startVoters(host: string) {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const server = createServer((req, res) => {
    const m = /^\/users\/(u\d+)$/.exec(req.url ?? "");
    if (req.method === "GET" && m) {
      const id = `${origin}/users/${m[1]}`;
      res.writeHead(200, { "content-type": "application/activity+json" }).end(
        JSON.stringify({
          "@context": [AS, "https://w3id.org/security/v1"],
          id,
          type: "Person",
          preferredUsername: m[1],
          inbox: `${id}/inbox`,
          publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem },
        }),
      );
      return;
    }
    req.resume();
    res.writeHead(req.method === "POST" ? 202 : 404).end();
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  const origin = `http://${host}:${(server.address() as { port: number }).port}`;
  return { origin, privateKeyPem, actor: (i: number) => `${origin}/users/u${i}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

for (const backend of backends()) {
  const voters = await startVoters("127.0.0.31");
  const target = await prepareTarget(backend, "127.0.0.32", 23_300);
  try {
    const { proposalUri, proposalId } = await withApp(target, async (app) => {
      const alice = await operations["account.create"](app, { handle: "alice", password: "alice-password" });
      const body = await operations["body.create"](app, { handle: "bench", kind: "assembly" });
      await operations["member.add"](app, { body: "bench", member: "alice" });
      // Members written directly (the roll is what is measured, not admission).
      const rows = Array.from({ length: VOTERS }, (_, i) => voters.actor(i));
      await app.db
        .insertInto("remote_actors")
        .values(rows.map((uri) => ({ uri, type: "Person", inbox: `${uri}/inbox`, handle: null, name: null, shared_inbox: null, url: null })))
        .execute();
      await app.db
        .insertInto("memberships")
        .values(rows.map((uri) => ({ body_id: body.id.split("/").at(-1)!, member_uri: uri, admitted_by: "bench" })))
        .execute();
      const founded = await foundBodyRecord(app, "bench", {
        bylaws: { ...defaultBylaws("assembly"), quorum: { kind: "share", share: fraction(1, 10) }, deliberationPeriod: "PT2S", votingPeriod: "PT1H" },
      });
      if (!founded.ok) throw new Error(founded.error.message);
      const d = await draftProposal(app, alice.id, "bench", { kind: "policy", title: "Bench", text: "…" });
      if (!d.ok) throw new Error(d.error.message);
      const t = await tableProposal(app, alice.id, "bench", d.value.id);
      if (!t.ok) throw new Error(t.error.message);
      return { proposalUri: d.value.uri, proposalId: d.value.id };
    });
    const inbox = `${target.origin}/ap/inbox`;
    const requests = Array.from({ length: VOTERS }, (_, i) => {
      const actor = voters.actor(i);
      const body = JSON.stringify({
        "@context": AS,
        id: `${actor}#votes/1/activity`,
        type: "Create",
        actor,
        to: [target.origin],
        object: { id: `${actor}#votes/1`, type: "Note", name: i % 3 === 2 ? "Disagree" : "Agree", attributedTo: actor, inReplyTo: proposalUri, to: [target.origin] },
      });
      const headers = signRequestCavage({
        method: "POST",
        url: inbox,
        keyId: `${actor}#main-key`,
        privateKeyPem: voters.privateKeyPem,
        body,
        headers: { "content-type": "application/activity+json" },
      });
      delete headers.host;
      return { body, headers };
    });

    const server = spawnServer({ ...target.env, QUESTION_UPDATE_SECONDS: "5" });
    await waitForHttp(`${target.origin}/healthz`);
    const voted = async () => {
      const res = await fetch(`${target.origin}/api/folkmoot/v1/proposals/${proposalId}`);
      const json = (await res.json()) as { status?: string; view?: { status: string }; rounds?: { voters: number }[] };
      return { status: json.view?.status ?? json.status, voters: json.rounds?.[0]?.voters ?? 0 };
    };
    while ((await voted()).status !== "voting") await new Promise((r) => setTimeout(r, 200));

    const cpu0 = cpuSeconds(server.pid);
    const t0 = performance.now();
    let accepted = 0;
    await pool(requests, CONCURRENCY, async (r) => {
      const res = await fetch(inbox, { method: "POST", headers: r.headers, body: r.body });
      await res.arrayBuffer();
      if (res.status === 202) accepted++;
    });
    const acceptMs = performance.now() - t0;
    const deadline = Date.now() + 600_000;
    let counted = 0;
    while ((counted = (await voted()).voters) < VOTERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const doneMs = performance.now() - t0;
    const cpu = cpuSeconds(server.pid) - cpu0;
    await server.stop();
    console.log(
      `[${backend}] ${VOTERS} Mastodon-style votes from ${VOTERS} members, concurrency ${CONCURRENCY}: accepted (202) ${accepted} at ${fmt((accepted / acceptMs) * 1000, 0)}/s; ` +
        `counted ${counted} at ${fmt((counted / doneMs) * 1000, 0)}/s end to end (${fmt(counted / cpu, 0)} per server CPU-second)`,
    );
  } finally {
    await voters.close();
    await target.cleanup();
  }
}
