import type { AppContext } from "../../context.ts";
import { mandateStatus, type Mandate, type ProposalKind } from "../../governance/index.ts";
import { failWith, ok, type Result } from "../../shared/result.ts";
import { actorUri, mandateIdFromPath, mandateUrl } from "../../shared/uris.ts";
import { replayBody } from "../read.ts";

// The delegate's side: whether a person may table a confederal proposal under a mandate
// of a local body. Checked here first (a clear answer at once); the confederation checks
// again against the signed mandate. Sending the `Offer` is federation's.

export interface ConfederalProposalInput {
  /** The confederation: a handle or its actor URL. */
  confederation: string;
  title: string;
  text: string;
  topic?: string;
  /** The delegate's mandate: its URL (or its id, `<proposal>#mandate:<delegate>`). */
  mandate?: string;
  /**
   * The confederation's own decision put to its members (`join`, `leave`, `policy`,
   * `confederal`, `bylaws`), with its payload (`{ confederation }`: a handle or URL, for
   * join and leave; `{ bylaws }`, its complete new bylaws, for bylaws).
   */
  decides?: { kind: ProposalKind; payload?: unknown };
}

/** The local mandate a URL or id names, with the body that gave it. */
async function findLocalMandate(app: AppContext, ref: string): Promise<Mandate | null> {
  let id = ref;
  const url = /^https?:\/\//.test(ref) ? new URL(ref) : null;
  if (url?.pathname.startsWith("/ap/mandates/")) id = mandateIdFromPath(url.pathname.slice("/ap/mandates/".length)) ?? ref;
  const proposal = id.split("#mandate:")[0] ?? "";
  const row = await app.db.selectFrom("proposals").select(["body_id"]).where("uri", "=", proposal).executeTakeFirst();
  if (!row) return null;
  return (await replayBody(app, row.body_id))?.mandates.get(id) ?? null;
}

/** Whether `personId` may table `input` under its mandate: the mandate's URL if so. */
export async function mayTableUnderMandate(app: AppContext, personId: string, input: ConfederalProposalInput): Promise<Result<{ mandateUrl: string }>> {
  const person = actorUri(app.config.publicOrigin, personId).href;
  if (!input.title?.trim()) return failWith("invalid", "title-missing", "a confederal proposal needs a title", { field: "title" });
  if (!input.mandate) return failWith("invalid", "mandate-missing", "a delegate tables a confederal proposal under their mandate: give its URL", { field: "mandate" });
  const m = await findLocalMandate(app, input.mandate);
  if (!m) return failWith("not-found", "mandate-unknown", "no such mandate on this instance", { field: "mandate" });
  if (m.delegate !== person) return failWith("forbidden", "mandate-not-yours", "that mandate is someone else's", { field: "mandate" });
  const status = mandateStatus(m, new Date().toISOString());
  if (status !== "live") return failWith("forbidden", "mandate-not-live", `that mandate is ${status}${m.revokedBy ? ` (recalled by ${m.revokedBy})` : ""}`, { field: "mandate" });
  return ok({ mandateUrl: mandateUrl(app.config.publicOrigin, m.id).href });
}
