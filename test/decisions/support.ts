import { expect } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import type { Result } from "../../src/shared/result.ts";
import type { AppContext } from "../../src/context.ts";
import { foundBodyRecord, runDueDeadlines, type ProposalDetail } from "../../src/decisions/index.ts";
import { actorUri } from "../../src/shared/uris.ts";
import { defaultBylaws, type Bylaws, type DecisionRule } from "../../src/governance/index.ts";

/** Bylaws for tests: the given rule, a quorum of `quorum` voters, one-hour stages. */
export function hourBylaws(rule: DecisionRule, extra: Partial<Bylaws> = {}): Bylaws {
  return {
    ...defaultBylaws(),
    decisionRule: rule,
    quorum: { kind: "count", count: 1 },
    deliberationPeriod: "PT1H",
    votingPeriod: "PT1H",
    graduatedConsensus: { objectionPeriod: "PT1H", grievancePeriod: "PT1H", contentionPeriod: "PT1H" },
    ...extra,
  };
}

/** Creates accounts (if needed) and a body with them as members, its record founded under `bylaws`. Returns the members' URIs. */
export async function bodyWithMembers(app: AppContext, handle: string, members: string[], bylaws: Bylaws, kind = "assembly"): Promise<string[]> {
  for (const m of members) {
    if (!(await app.db.selectFrom("actors").select("id").where("handle", "=", m).executeTakeFirst())) {
      await operations["account.create"](app, { handle: m, password: `${m}-password` });
    }
  }
  await operations["body.create"](app, { handle, kind, name: handle[0]!.toUpperCase() + handle.slice(1), admission: bylaws.admission });
  for (const m of members) await operations["member.add"](app, { body: handle, member: m });
  unwrap(await foundBodyRecord(app, handle, { bylaws }));
  return uris(app, members);
}

/** Actor URIs of local accounts. */
export async function uris(app: AppContext, handles: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const h of handles) {
    const row = await app.db.selectFrom("actors").select("id").where("handle", "=", h).executeTakeFirstOrThrow();
    out.push(actorUri(app.config.publicOrigin, row.id).href);
  }
  return out;
}

/** The value of a successful result (the test fails with the message otherwise). */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}${result.error.field ? ` (${result.error.field})` : ""}`);
  return result.value;
}

/** Asserts a failure with the given code (and message pattern). */
export function failed(result: Result<unknown>, code: string, message?: RegExp): void {
  expect(result.ok ? "ok" : `${result.error.code}: ${result.error.message}`).toMatch(new RegExp(`^${code}: `));
  if (!result.ok && message) expect(result.error.message).toMatch(message);
}

/** Runs the deadlines as if one second after the proposal's next deadline. */
export async function pastDeadline(app: AppContext, detail: Pick<ProposalDetail, "nextDeadline">) {
  if (detail.nextDeadline === null) throw new Error("no deadline");
  return runDueDeadlines(app, new Date(Date.parse(detail.nextDeadline) + 1000));
}
