import { Group, PropertyValue, type Actor } from "@fedify/vocab";
import { preloadedContexts } from "@fedify/vocab-runtime";
import type { Transaction } from "kysely";
import { findActorById, isBody, type ActorRow } from "../../../community/actors.ts";
import { takeInOnce, type InboundClaim } from "../../../community/inbound.ts";
import type { AppContext } from "../../../context.ts";
import { localActorId } from "../../../shared/uris.ts";
import type { Schema } from "../../../store/schema.ts";
import type { Fetched } from "../../confederal-documents.ts";
import type { KeyController } from "../../../proofs/key-fetcher.ts";

// What the confederation's inbox handlers share: they check what Fedify cannot, fetch
// and check the signed documents an activity points at (before any transaction), and
// hand plain values to decisions/confederation/.

/** Throws on a failure worth retrying (nothing was claimed; the queue retries the activity). */
export function retryIfTransient(fetched: Fetched): void {
  if (!fetched.ok && fetched.transient) throw new Error(fetched.reason);
}

/** The claim of an inbound activity (the whole of it, or its effect on one local body). */
export function claimOf(activity: { id: URL | null; actorId: URL | null }, type: string, scope?: string): InboundClaim {
  return { activity: activity.id!.href, actor: activity.actorId!.href, type, ...(scope ? { scope } : {}) };
}

/** Takes in an activity refused before any effect: claimed, so it is not examined again, and logged. */
export async function refuseOnce(app: AppContext, claim: InboundClaim, log: () => void, answer?: (trx: Transaction<Schema>) => Promise<void>): Promise<void> {
  const taken = await takeInOnce(app, claim, async (trx) => {
    await answer?.(trx);
  });
  if (taken) log();
}

/** The local body a URI names, if any. */
export async function localBody(app: AppContext, uri: URL | string | null | undefined): Promise<ActorRow | null> {
  if (!uri) return null;
  const id = localActorId(app.config.publicOrigin, uri);
  const row = id ? await findActorById(app, id) : undefined;
  return row && isBody(row) ? row : null;
}

/** A remote body's member count, from the "Members" field of its actor. */
export async function advertisedMembers(actor: Actor): Promise<number | null> {
  for await (const a of actor.getAttachments()) {
    if (a instanceof PropertyValue && a.name?.toString() === "Members") return memberCount(a.value?.toString());
  }
  return null;
}

function memberCount(value: string | undefined): number | null {
  const n = Number.parseInt(value ?? "", 10);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/**
 * {@link advertisedMembers} of the actor a key check accepted: as Fedify parsed it, or,
 * read as plain JSON, from the plain JSON when that means what it says (see
 * {@link membersInPlainJson}); undefined when it cannot be told without parsing.
 */
export async function advertisedMembersOf(controller: KeyController): Promise<number | null | undefined> {
  return controller.actor ? advertisedMembers(controller.actor) : membersInPlainJson(controller.document);
}

const AS = "https://www.w3.org/ns/activitystreams";
/** Terms a plain reading of the fields reads (`id` and `type` may only be the keywords' usual aliases). */
const READ_TERMS = new Set(["name", "attachment", "schema", "PropertyValue", "value", "@vocab", "@base", "@import"]);
/** Contexts Fedify ships that define none of the terms read (ActivityStreams defines `name` and `attachment`, as read). */
const NEUTRAL_CONTEXTS: ReadonlySet<string> = new Set(
  Object.entries(preloadedContexts)
    .filter(([url, doc]) => {
      const c = (doc as { "@context"?: unknown })["@context"];
      const inline = [c].flat().filter((x): x is Record<string, unknown> => x !== null && typeof x === "object");
      const terms = inline.flatMap((x) => Object.entries(x));
      return url === AS || !terms.some(([t, d]) => READ_TERMS.has(t) || (t === "id" && d !== "@id") || (t === "type" && d !== "@type"));
    })
    .map(([url]) => url),
);
/** The inline contexts Fedify writes in a `Group`'s document (they define the field terms as Mastodon does), as JSON. */
let fedifyInline: Promise<ReadonlySet<string>> | null = null;
function fedifyInlineContexts(): Promise<ReadonlySet<string>> {
  fedifyInline ??= new Group({ id: new URL("https://example.com/") }).toJsonLd({ format: "compact" }).then(
    (json) =>
      new Set(
        [(json as { "@context"?: unknown })["@context"]]
          .flat()
          .filter((c) => c !== null && typeof c === "object")
          .map((c) => JSON.stringify(c)),
      ),
  );
  return fedifyInline;
}

/**
 * The "Members" field of an actor document read from its JSON as written, without the
 * JSON-LD algorithm (a confederation reads one per verdict; Fedify's parse is about 2 ms):
 * only when its contexts are ActivityStreams, others Fedify ships that define none of the
 * terms read, and inline contexts exactly as Fedify writes them for a `Group`; and every
 * field is a plain `PropertyValue` with a string name and value. Then the JSON means what
 * it says (test/integration/served-actors.test.ts checks it gives what Fedify's reading
 * gives). Anything else is undefined, for Fedify to read.
 */
export async function membersInPlainJson(document: unknown): Promise<number | null | undefined> {
  if (document === null || typeof document !== "object" || Array.isArray(document)) return undefined;
  const doc = document as Record<string, unknown>;
  const contexts = [doc["@context"]].flat();
  if (!contexts.includes(AS)) return undefined;
  const fedifys = await fedifyInlineContexts();
  for (const c of contexts) {
    if (typeof c === "string" ? !NEUTRAL_CONTEXTS.has(c) : c === null || typeof c !== "object" || !fedifys.has(JSON.stringify(c))) return undefined;
  }
  const fields = doc.attachment === undefined ? [] : [doc.attachment].flat();
  // Without its definition, `PropertyValue` is not schema.org's: Fedify would read no field.
  const defined = contexts.some((c) => c !== null && typeof c === "object" && "PropertyValue" in c && "value" in c);
  if (fields.length > 0 && !defined) return undefined;
  for (const f of fields) {
    if (f === null || typeof f !== "object" || Array.isArray(f)) return undefined;
    const field = f as Record<string, unknown>;
    if (field.type !== "PropertyValue" || Object.keys(field).some((k) => k !== "type" && k !== "name" && k !== "value")) return undefined;
    if (typeof field.name !== "string" || typeof field.value !== "string") return undefined;
  }
  const members = (fields as { name: string; value: string }[]).find((f) => f.name === "Members");
  return members ? memberCount(members.value) : null;
}
