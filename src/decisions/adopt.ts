import { failWith, ok, type Result } from "../shared/result.ts";
import type { AppContext } from "../context.ts";
import { actorUri } from "../shared/uris.ts";
import { acceptedAmendments, type AdoptedSource, type AdoptPayload } from "../governance/index.ts";
import { proposalIdFromUri } from "./ids.ts";
import { outcomeOf, type BodyRef } from "./projection.ts";
import { findProposal, readProposal, replayBody } from "./read.ts";

// An `adopt` proposal names the decision it adopts by its URL only. The instance looks
// the decision up (here, or on the instance that holds it) and records what the core
// needs: `{ source: { body, proposal, title, text } }`, so the record says where the
// adopted decision came from and what it said when it was adopted.

const FIELD = "payload.source";
const MAX_URL_LENGTH = 2048;

/** A local proposal page: /@handle/proposals/{id}. */
const PAGE_PATH = /^\/@[a-z0-9_]{1,30}\/proposals\/([a-z0-9]{1,40})$/;

/** The local proposal id named by `url`: its ActivityPub id or its page. */
function localProposalId(origin: URL, url: URL): string | null {
  const byUri = proposalIdFromUri(origin, url.href);
  if (byUri !== null) return byUri;
  return url.origin === origin.origin ? (PAGE_PATH.exec(url.pathname)?.[1] ?? null) : null;
}

/** The decision's text as carried: with the friendly amendments it accepted, if any. */
function carriedText(text: string, amendments: readonly string[]): string {
  if (amendments.length === 0) return text;
  return `${text}\n\nAs amended:\n${amendments.map((a, i) => `${i + 1}. ${a}`).join("\n")}`;
}

/** A carried decision of another local body, as the adopting body records it. */
async function localSource(app: AppContext, actor: string, body: BodyRef, id: string, url: string): Promise<Result<AdoptedSource>> {
  const ref = await findProposal(app, id);
  if (ref === null) return failWith("not-found", "adopt-unknown", `no proposal at ${url}`, { field: FIELD });
  // The drafter must be allowed to read it (a members-only record stays so).
  const read = await readProposal(app, actor, ref.bodyHandle, ref.id);
  if (!read.ok) return { ok: false, error: { ...read.error, field: FIELD } };
  const source = read.value;
  if (source.body.uri === actorUri(app.config.publicOrigin, body.id).href) return failWith("invalid", "adopt-own", "a body does not adopt its own decisions", { field: FIELD });
  const state = await replayBody(app, ref.bodyId);
  const p = state?.proposals.get(source.uri);
  if (state === null || p === undefined) return failWith("not-found", "adopt-unknown", `no proposal at ${url}`, { field: FIELD });
  const ended = outcomeOf(p);
  if (ended?.outcome !== "passed") {
    const what = ended === null ? `still ${p.status}` : ended.outcome;
    return failWith("conflict", "adopt-not-passed", `only a decision that passed can be adopted: "${p.title}" is ${what}`, { field: FIELD });
  }
  if (state.recalled.has(p.id)) return failWith("conflict", "adopt-recalled", `"${p.title}" was recalled by ${ref.bodyHandle}`, { field: FIELD });
  return ok({ body: state.id, proposal: p.id, title: p.title, text: carriedText(p.text, acceptedAmendments(p)) });
}

function stripTags(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/p>/gi, "\n\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .trim();
}

/**
 * A decision of a body on another instance: its `Question`, fetched through Fedify. The
 * body is the Question's `attributedTo`, the title its `name`, the text Folkmoot's
 * `proposalState.text` if served, else its `content` as plain text. An `outcome` other
 * than `passed` (Folkmoot's extension) is refused; without one the decision is taken as
 * claimed (anyone can check it later with `folkmoot verify`).
 */
export async function remoteSource(app: AppContext, url: URL): Promise<Result<AdoptedSource>> {
  const ctx = app.federation.createContext(app.config.publicOrigin, app);
  const looked = await ctx.lookupObject(url.href).then(
    (object) => ({ object }),
    (err: unknown) => {
      app.log.debug({ err, url: url.href }, "looking up a decision to adopt failed");
      return null;
    },
  );
  if (looked === null) return failWith("unreachable", "adopt-unreachable", `could not fetch ${url.href}`, { field: FIELD });
  const question = looked.object;
  if (question === null || question.constructor.name !== "Question" || question.id === null) {
    // Fedify answers null both when nothing is there and when the server cannot be reached.
    return failWith("not-found", "adopt-unknown", `could not fetch a proposal (a Question) at ${url.href}`, { field: FIELD });
  }
  const body = question.attributionId;
  if (body === null) return failWith("not-found", "adopt-unknown", `${url.href} names no body (attributedTo)`, { field: FIELD });
  // Folkmoot's extension properties, read from the document as served.
  const raw = await ctx.documentLoader(question.id.href).then(
    (d) => (typeof d.document === "object" && d.document !== null ? (d.document as Record<string, unknown>) : {}),
    () => ({}) as Record<string, unknown>,
  );
  if (typeof raw.proposal === "string" && raw.proposal !== question.id.href) {
    return failWith("invalid", "adopt-unknown", `${url.href} is one round's poll: name the proposal, ${raw.proposal}`, { field: FIELD });
  }
  if ("outcome" in raw && raw.outcome !== "passed") {
    return failWith("conflict", "adopt-not-passed", `only a decision that passed can be adopted: ${url.href} is ${raw.outcome === null ? "undecided" : String(raw.outcome)}`, {
      field: FIELD,
    });
  }
  const state = raw.proposalState as { title?: unknown; text?: unknown } | undefined;
  const title = (typeof state?.title === "string" ? state.title : (question.name?.toString() ?? "")).trim();
  const text = typeof state?.text === "string" ? state.text : stripTags(question.content?.toString() ?? "");
  if (title === "") return failWith("invalid", "adopt-unknown", `${url.href} has no title (name)`, { field: FIELD });
  return ok({ body: body.href, proposal: question.id.href, title, text });
}

/**
 * Turns what a member wrote for an `adopt` proposal, `{ source: "<proposal URL>" }`, into
 * the core's payload `{ source: { body, proposal, title, text } }`. The decision must be
 * one that passed in another body: a local one is read from its record; a remote one is
 * fetched. Fails 400 (not a URL, the body's own decision), 404 (nothing there, or the
 * other instance cannot be reached), 409 (not a decision that passed, or recalled),
 * 403/401 (a members-only record), 502 (the look-up itself failed).
 */
export async function resolveAdoption(app: AppContext, actor: string, body: BodyRef, payload: unknown): Promise<Result<AdoptPayload>> {
  const given = (payload as { source?: unknown } | null | undefined)?.source;
  if (typeof given !== "string" || given.trim() === "") {
    return failWith("invalid", "adopt-bad-url", 'an adoption names the decision it adopts by its URL: { source: "<proposal URL>" }', { field: FIELD });
  }
  if (given.length > MAX_URL_LENGTH) return failWith("invalid", "adopt-bad-url", `a URL has at most ${MAX_URL_LENGTH} characters`, { field: FIELD });
  let url: URL;
  try {
    url = new URL(given.trim());
  } catch {
    return failWith("invalid", "adopt-bad-url", "the source is the URL of a proposal", { field: FIELD });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return failWith("invalid", "adopt-bad-url", "the source is the http(s) URL of a proposal", { field: FIELD });
  const origin = app.config.publicOrigin;
  let source: Result<AdoptedSource>;
  if (url.origin === origin.origin) {
    const id = localProposalId(origin, url);
    if (id === null) return failWith("not-found", "adopt-unknown", `no proposal at ${url.href}`, { field: FIELD });
    source = await localSource(app, actor, body, id, url.href);
  } else {
    source = await remoteSource(app, url);
  }
  return source.ok ? ok({ source: source.value }) : source;
}
