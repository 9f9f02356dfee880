import type { Selectable } from "kysely";
import type { AppContext } from "../context.ts";
import { generateActorKeys } from "./keys.ts";
import { actorUri, INSTANCE_ACTOR_ID, localActorId, safeUrl } from "../shared/uris.ts";
import type { ActorKind, ActorsTable, BodyKind } from "../store/app-tables.ts";
import { BODY_KINDS } from "../store/app-tables.ts";
import { hashPassword } from "./passwords.ts";
import { failWith, ok, type Result } from "../shared/result.ts";
import { checkNewPassword } from "./passwords.ts";

export type ActorRow = Selectable<ActorsTable>;

export const HANDLE_PATTERN = /^[a-z0-9_]{1,30}$/;
// Handles that would read as the instance itself or shadow a route.
const RESERVED_HANDLES = new Set(["instance", "admin", "administrator", "root", "api", "ap", "folkmoot", "nodeinfo", "system"]);

export function checkHandle(handle: string): Result<string> {
  const h = handle.trim().replace(/^@/, "").toLowerCase();
  if (!HANDLE_PATTERN.test(h)) return failWith("invalid", "handle-invalid", "a handle is 1 to 30 characters: a-z, 0-9 and _", { field: "handle" });
  if (RESERVED_HANDLES.has(h)) return failWith("invalid", "handle-reserved", `the handle "${h}" is reserved`, { field: "handle", params: { handle: h } });
  return ok(h);
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: string }).code === "23505";
}

interface NewActor {
  id?: string;
  handle: string;
  kind: ActorKind;
  name: string;
  summary?: string;
  manuallyApprovesFollowers?: boolean;
  admission?: "open" | "by-decision";
  foundingBylaws?: string | null;
}

async function insertActor(ctx: AppContext, input: NewActor, extra?: (trx: AppContext["db"], actor: ActorRow) => Promise<void>): Promise<Result<ActorRow>> {
  // Keys are made before the transaction: the embedded database has one connection.
  const keys = await generateActorKeys();
  const id = input.id ?? newActorId();
  try {
    const actor = await ctx.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto("actors")
        .values({
          id,
          handle: input.handle,
          kind: input.kind,
          name: input.name,
          summary: input.summary ?? "",
          manually_approves_followers: input.manuallyApprovesFollowers ?? false,
          admission: input.admission ?? "open",
          founding_bylaws: input.foundingBylaws ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx
        .insertInto("actor_keys")
        .values(keys.map((k) => ({ actor_id: id, algorithm: k.algorithm, public_jwk: k.publicJwk, private_jwk: k.privateJwk })))
        .execute();
      if (extra) await extra(trx, row);
      return row;
    });
    return ok(actor);
  } catch (err) {
    if (isUniqueViolation(err)) return failWith("conflict", "handle-taken", `the handle "${input.handle}" is taken`, { field: "handle", params: { handle: input.handle } });
    throw err;
  }
}

/** Short, URL-safe, unguessable actor ids; handles stay free to be what people read. */
export function newActorId(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 20);
}

export interface NewAccount {
  handle: string;
  password: string;
  name?: string;
  summary?: string;
  /** May use the operator pages. */
  admin?: boolean;
  /** An invitation code, used up by this account in the same transaction. */
  invitation?: string;
}

// Thrown inside the account's transaction to undo it when the invitation cannot be used.
class InvitationRefused extends Error {}

export async function createAccount(ctx: AppContext, input: NewAccount): Promise<Result<ActorRow>> {
  const handle = checkHandle(input.handle);
  if (!handle.ok) return handle;
  const password = checkNewPassword(input.password);
  if (!password.ok) return password;
  if (input.name !== undefined && input.name.length > 100)
    return failWith("invalid", "name-too-long", "a name has at most 100 characters", { field: "name", params: { max: 100 } });
  const hash = await hashPassword(input.password);
  try {
    return await insertActor(ctx, { handle: handle.value, kind: "person", name: input.name?.trim() || handle.value, summary: input.summary ?? "" }, async (trx, actor) => {
      await trx
        .insertInto("accounts")
        .values({ actor_id: actor.id, password_hash: hash, is_admin: input.admin ?? false })
        .execute();
      if (input.invitation !== undefined) {
        const used = await trx
          .updateTable("invitations")
          .set({ used_by: actor.id, used_at: new Date() })
          .where("code", "=", input.invitation.trim())
          .where("used_by", "is", null)
          .where("used_at", "is", null)
          .where("expires_at", ">", new Date())
          .executeTakeFirst();
        if (Number(used.numUpdatedRows) !== 1) throw new InvitationRefused();
      }
    });
  } catch (err) {
    if (err instanceof InvitationRefused)
      return failWith("invalid", "invitation-invalid", "that invitation code is not valid, has expired or has been used", { field: "invitation" });
    throw err;
  }
}

export interface NewBody {
  handle: string;
  kind: BodyKind;
  name?: string;
  summary?: string;
  manuallyApprovesFollowers?: boolean;
  admission?: "open" | "by-decision";
  /** The bylaws it is founded under (JSON, checked by the caller), kept until its record starts; absent: the defaults. */
  foundingBylaws?: string;
}

/** Starts a body's record of decisions, inside the transaction that creates the body: with its founder enrolled, or (a confederation) with no member yet. */
export type StartRecord = (trx: AppContext["db"], body: ActorRow, founderUri: string | null) => Promise<void>;

/** The local person who founds a body, and how its record starts (decisions/commands/founding.ts says). */
export interface Founder {
  /** The founding person; absent for a confederation founded by the operator. */
  readonly id?: string;
  readonly startRecord: StartRecord;
  /** A confederation's record starts at once too (its members, bodies, come later). */
  readonly confederationRecord?: boolean;
}

/**
 * Creates a body's actor (its row and keys). With a founder (ignored for a confederation,
 * whose members are bodies), the founder's membership and the start of the body's record
 * commit in the same transaction. Bodies with a founder are created through decisions'
 * `createBody`, which knows how a record starts.
 */
export async function createBodyActor(ctx: AppContext, input: NewBody, founder?: Founder): Promise<Result<ActorRow>> {
  const handle = checkHandle(input.handle);
  if (!handle.ok) return handle;
  if (!BODY_KINDS.includes(input.kind)) return failWith("invalid", "body-kind-invalid", `kind is one of ${BODY_KINDS.join(", ")}`, { field: "kind" });
  const name = input.name?.trim() || handle.value;
  if (name.length > 200) return failWith("invalid", "name-too-long", "a name has at most 200 characters", { field: "name", params: { max: 200 } });
  if ((input.summary ?? "").length > 5000) return failWith("invalid", "summary-too-long", "a summary has at most 5000 characters", { field: "summary", params: { max: 5000 } });
  const origin = ctx.config.publicOrigin;
  let founderUri: string | undefined;
  // A confederation's members are bodies: its founder is not enrolled as one.
  if (founder?.id !== undefined && input.kind !== "confederation") {
    const person = await findActorById(ctx, founder.id);
    if (person?.kind !== "person") return failWith("not-found", "founder-not-a-person", "the founder is not a local person", { field: "founderId" });
    founderUri = actorUri(origin, person.id).href;
  }
  return insertActor(
    ctx,
    {
      handle: handle.value,
      kind: input.kind,
      name,
      summary: input.summary ?? "",
      manuallyApprovesFollowers: input.manuallyApprovesFollowers ?? false,
      admission: input.admission ?? "open",
      ...(input.foundingBylaws === undefined ? {} : { foundingBylaws: input.foundingBylaws }),
    },
    async (trx, actor) => {
      if (founder && founderUri) {
        await trx.insertInto("memberships").values({ body_id: actor.id, member_uri: founderUri, admitted_by: "founder" }).execute();
        // The body's record of decisions starts here, with its founder.
        await founder.startRecord(trx, actor, founderUri);
      } else if (founder?.confederationRecord && input.kind === "confederation") {
        // A confederation's record starts with no member: bodies join it later.
        await founder.startRecord(trx, actor, null);
      }
    },
  );
}

/** Creates the instance actor (FEP-d556) on first start; idempotent. */
export async function ensureInstanceActor(ctx: AppContext): Promise<void> {
  const existing = await findActorById(ctx, INSTANCE_ACTOR_ID);
  if (existing) return;
  const result = await insertActor(ctx, {
    id: INSTANCE_ACTOR_ID,
    handle: "instance",
    kind: "instance",
    name: ctx.config.instanceName,
    summary: "The Folkmoot instance itself: it signs requests made on behalf of the server.",
    manuallyApprovesFollowers: true,
  });
  // Two processes starting at once: the loser sees a conflict, which is fine.
  if (!result.ok && result.error.code !== "conflict") throw new Error(result.error.message);
}

export async function findActorById(ctx: Pick<AppContext, "db">, id: string): Promise<ActorRow | undefined> {
  return ctx.db.selectFrom("actors").selectAll().where("id", "=", id).executeTakeFirst();
}

/**
 * Looks up the handles (with a leading @) of the actors among `uris` in one query each for
 * local and cached remote actors; the lookup answers undefined for an actor it does not know.
 */
export async function lookUpHandles(ctx: Pick<AppContext, "db" | "config">, uris: Iterable<string>): Promise<(uri: string) => string | undefined> {
  const origin = ctx.config.publicOrigin;
  const all = [...new Set(uris)];
  const localIds = all.map((u) => localActorId(origin, u)).filter((x): x is string => x !== null);
  const locals = localIds.length ? await ctx.db.selectFrom("actors").select(["id", "handle"]).where("id", "in", localIds).execute() : [];
  const remotes = all.length ? await ctx.db.selectFrom("remote_actors").select(["uri", "handle"]).where("uri", "in", all).execute() : [];
  const localNames = new Map(locals.map((a) => [a.id, `@${a.handle}`]));
  const remoteNames = new Map(remotes.filter((r) => r.handle).map((r) => [r.uri, r.handle!.startsWith("@") ? r.handle! : `@${r.handle!}`]));
  return (uri) => {
    const local = localActorId(origin, uri);
    return (local !== null ? localNames.get(local) : undefined) ?? remoteNames.get(uri);
  };
}

export async function findActorByHandle(ctx: Pick<AppContext, "db">, handle: string): Promise<ActorRow | undefined> {
  const h = handle.trim().replace(/^@/, "").toLowerCase();
  return ctx.db.selectFrom("actors").selectAll().where("handle", "=", h).executeTakeFirst();
}

export async function findBody(ctx: Pick<AppContext, "db">, handle: string): Promise<Result<ActorRow>> {
  const actor = await findActorByHandle(ctx, handle);
  if (!actor || !BODY_KINDS.includes(actor.kind as BodyKind))
    return failWith("not-found", "no-such-body", `no body with the handle "${handle}"`, { params: { handle: handle.trim().replace(/^@/, "") } });
  return ok(actor);
}

export async function listBodies(ctx: Pick<AppContext, "db">): Promise<(ActorRow & { members: number })[]> {
  const rows = await ctx.db
    .selectFrom("actors")
    .selectAll("actors")
    .select((eb) =>
      eb
        .selectFrom("memberships")
        .whereRef("memberships.body_id", "=", "actors.id")
        .select((e) => e.fn.countAll<string>().as("n"))
        .as("members"),
    )
    .where("kind", "in", [...BODY_KINDS])
    .orderBy("handle")
    .execute();
  return rows.map((r) => ({ ...r, members: Number(r.members ?? 0) }));
}

export function isBody(actor: Pick<ActorRow, "kind">): boolean {
  return BODY_KINDS.includes(actor.kind as BodyKind);
}

/** How a page shows an actor: a handle and name, and where its profile is (ours, or the remote one's page). */
export interface ActorLabel {
  uri: string;
  /** `@handle` (local) or `@user@host` (remote), or null when not known. */
  handle: string | null;
  name: string | null;
  /** The profile page: `/@handle` for ours, the remote profile's page URL, or null. */
  href: string | null;
  /** The host, for someone not known by handle. */
  host: string;
  local: boolean;
  kind: string | null;
}

/** Labels for actor URIs, local and remote, in two queries. */
export async function describeActors(ctx: Pick<AppContext, "db" | "config">, uris: Iterable<string>): Promise<(uri: string) => ActorLabel> {
  const origin = ctx.config.publicOrigin;
  const all = [...new Set([...uris].filter((u) => typeof u === "string" && u !== ""))];
  const localIds = all.map((u) => localActorId(origin, u)).filter((x): x is string => x !== null);
  const locals = localIds.length ? await ctx.db.selectFrom("actors").select(["id", "handle", "name", "kind"]).where("id", "in", localIds).execute() : [];
  const remoteUris = all.filter((u) => localActorId(origin, u) === null);
  const remotes = remoteUris.length ? await ctx.db.selectFrom("remote_actors").select(["uri", "handle", "name", "url", "type"]).where("uri", "in", remoteUris).execute() : [];
  const localById = new Map(locals.map((a) => [a.id, a]));
  const remoteByUri = new Map(remotes.map((r) => [r.uri, r]));
  return (uri) => {
    const host = safeUrl(uri)?.host ?? "";
    const id = localActorId(origin, uri);
    const local = id !== null ? localById.get(id) : undefined;
    if (local) return { uri, handle: `@${local.handle}`, name: local.name || null, href: `/@${local.handle}`, host, local: true, kind: local.kind };
    const r = remoteByUri.get(uri);
    const handle = r?.handle ? (r.handle.startsWith("@") ? r.handle : `@${r.handle}`) : null;
    const url = r?.url && /^https?:\/\//.test(r.url) ? r.url : null;
    return { uri, handle, name: r?.name || null, href: url, host, local: false, kind: r?.type ?? null };
  };
}
