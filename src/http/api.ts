import { Type, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { authenticate, createBody, findBody, listBodies, type ActorRow } from "../community/actors.ts";
import { decideFollowRequest, followRemote, listFollowRequests } from "../community/follows.ts";
import { joinBody, listMembers, type Member } from "../community/memberships.ts";
import { getThread, MAX_POST_LENGTH, postToBody } from "../community/posts.ts";
import { readRecord } from "../community/record.ts";
import type { AppContext } from "../context.ts";
import { parseAct, sendAct } from "../federation/acts.ts";
import { listReferrals, tableConfederalProposal } from "../federation/confederation.ts";
import { actorUri, profileUrl } from "../shared/uris.ts";
import type { BodyKind } from "../store/app-tables.ts";
import { requireAccount, type TokenIssuer } from "./auth.ts";
import { reply } from "./errors.ts";

/** The native API lives under its own prefix, clear of Mastodon's /api/v1 and /api/v2. */
export const API_PREFIX = "/api/folkmoot/v1";

const ErrorBody = Type.Object({ error: Type.String(), message: Type.String(), fields: Type.Optional(Type.Record(Type.String(), Type.String())) });
const Handle = Type.String({ pattern: "^@?[A-Za-z0-9_]{1,30}$", description: "a local handle: 1 to 30 of a-z, 0-9, _" });
const BodyKind = Type.Union([Type.Literal("assembly"), Type.Literal("council"), Type.Literal("committee"), Type.Literal("confederation")]);
const BodyOut = Type.Object({
  id: Type.String({ format: "uri" }),
  handle: Type.String(),
  kind: BodyKind,
  name: Type.String(),
  summary: Type.String(),
  manuallyApprovesFollowers: Type.Boolean(),
  admission: Type.Union([Type.Literal("open"), Type.Literal("by-decision")]),
  members: Type.Optional(Type.Integer()),
  url: Type.String({ format: "uri" }),
});
const MemberOut = Type.Object({
  uri: Type.String(),
  handle: Type.Union([Type.String(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
  local: Type.Boolean(),
  admittedAt: Type.String({ format: "date-time" }),
  admittedBy: Type.String(),
});
const PostOut = Type.Object({ uri: Type.String(), url: Type.Union([Type.String(), Type.Null()]), content: Type.String(), published: Type.String({ format: "date-time" }) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const bearer = [{ bearer: [] as string[] }];

export function apiRoutes(app: AppContext, tokens: TokenIssuer) {
  const origin = app.config.publicOrigin;
  const presentBody = (b: ActorRow & { members?: number }) => ({
    id: actorUri(origin, b.id).href,
    handle: b.handle,
    kind: b.kind as BodyKind,
    name: b.name,
    summary: b.summary,
    manuallyApprovesFollowers: b.manually_approves_followers,
    admission: b.admission,
    ...(b.members !== undefined ? { members: b.members } : {}),
    url: profileUrl(origin, b.handle).href,
  });
  const presentMember = (m: Member) => ({ ...m, admittedAt: m.admittedAt.toISOString() });
  const auth = requireAccount(app, tokens);

  return async (f: FastifyInstance) => {
    const r = f.withTypeProvider<TypeBoxTypeProvider>();

    r.post(
      "/sessions",
      {
        config: { rateLimit: { max: 20, timeWindow: "1 minute" } },
        schema: {
          tags: ["accounts"],
          summary: "Sign in to a local account and get a bearer token",
          body: Type.Object({ handle: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
          response: { 201: Type.Object({ token: Type.String(), expiresAt: Type.String({ format: "date-time" }), actor: Type.String() }), 400: ErrorBody, 401: ErrorBody },
        },
      },
      async (req, res) => {
        const result = await authenticate(app, req.body.handle, req.body.password);
        if (!result.ok) return reply(res, result, () => null);
        const { token, expiresAt } = await tokens.issue(result.value.id);
        return res.code(201).send({ token, expiresAt: expiresAt.toISOString(), actor: actorUri(origin, result.value.id).href });
      },
    );

    r.get(
      "/me",
      { preHandler: auth, schema: { tags: ["accounts"], summary: "The signed-in account", security: bearer, response: { 200: Type.Object({ id: Type.String(), handle: Type.String(), name: Type.String() }), 401: ErrorBody } } },
      async (req) => {
        const a = await app.db.selectFrom("actors").select(["id", "handle", "name"]).where("id", "=", req.actorId!).executeTakeFirstOrThrow();
        return { id: actorUri(origin, a.id).href, handle: a.handle, name: a.name };
      },
    );

    r.get("/bodies", { schema: { tags: ["bodies"], summary: "Every body on this instance", response: { 200: Type.Array(BodyOut) } } }, async () =>
      (await listBodies(app)).map(presentBody),
    );

    r.post(
      "/bodies",
      {
        preHandler: auth,
        schema: {
          tags: ["bodies"],
          summary: "Create a body; the signed-in account becomes its first member",
          security: bearer,
          body: Type.Object(
            {
              handle: Handle,
              kind: BodyKind,
              name: Type.Optional(Type.String({ maxLength: 200 })),
              summary: Type.Optional(Type.String({ maxLength: 5000 })),
              manuallyApprovesFollowers: Type.Optional(Type.Boolean()),
              admission: Type.Optional(Type.Union([Type.Literal("open"), Type.Literal("by-decision")])),
            },
            { additionalProperties: false },
          ),
          response: { 201: BodyOut, ...errors },
        },
      },
      async (req, res) => {
        const result = await createBody(app, { ...req.body, founderId: req.actorId! });
        return reply(res, result, presentBody, 201);
      },
    );

    r.get(
      "/bodies/:handle",
      { schema: { tags: ["bodies"], summary: "One body", params: Type.Object({ handle: Handle }), response: { 200: BodyOut, 400: ErrorBody, 404: ErrorBody } } },
      async (req, res) => reply(res, await findBody(app, req.params.handle), presentBody),
    );

    r.get(
      "/bodies/:handle/members",
      { schema: { tags: ["bodies"], summary: "The members of a body", params: Type.Object({ handle: Handle }), response: { 200: Type.Array(MemberOut), 400: ErrorBody, 404: ErrorBody } } },
      async (req, res) => reply(res, await listMembers(app, req.params.handle), (ms) => ms.map(presentMember)),
    );

    r.post(
      "/bodies/:handle/members",
      {
        preHandler: auth,
        schema: { tags: ["bodies"], summary: "Join a body that admits members openly", security: bearer, params: Type.Object({ handle: Handle }), response: { 201: MemberOut, ...errors } },
      },
      async (req, res) => reply(res, await joinBody(app, req.actorId!, req.params.handle), presentMember, 201),
    );

    r.post(
      "/bodies/:handle/posts",
      {
        preHandler: auth,
        schema: {
          tags: ["posts"],
          summary: "Post to a body (members only); the body announces it to its followers",
          security: bearer,
          params: Type.Object({ handle: Handle }),
          body: Type.Object(
            { text: Type.String({ minLength: 1, maxLength: MAX_POST_LENGTH }), inReplyTo: Type.Optional(Type.String({ format: "uri" })) },
            { additionalProperties: false },
          ),
          response: { 201: PostOut, ...errors },
        },
      },
      async (req, res) =>
        reply(
          res,
          await postToBody(app, req.actorId!, req.params.handle, req.body),
          (p) => ({ uri: p.uri, url: p.url, content: p.content, published: p.published.toISOString() }),
          201,
        ),
    );

    r.get(
      "/bodies/:handle/record",
      {
        schema: {
          tags: ["bodies"],
          summary: "A body's public record, newest first",
          params: Type.Object({ handle: Handle }),
          querystring: Type.Object({ before: Type.Optional(Type.String({ pattern: "^[0-9]+$" })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }),
          response: {
            200: Type.Object({
              items: Type.Array(Type.Object({ seq: Type.String(), uri: Type.String(), type: Type.String(), object: Type.Union([Type.String(), Type.Null()]), published: Type.String(), activity: Type.Unknown() })),
              next: Type.Union([Type.String(), Type.Null()]),
            }),
            400: ErrorBody,
            404: ErrorBody,
          },
        },
      },
      async (req, res) =>
        reply(res, await readRecord(app, req.params.handle, req.query), (page) => ({
          items: page.items.map((i) => ({ ...i, published: i.published.toISOString() })),
          next: page.next,
        })),
    );

    r.get(
      "/bodies/:handle/follow-requests",
      {
        preHandler: auth,
        schema: {
          tags: ["bodies"],
          summary: "Pending follow requests of a body that approves its followers (members only)",
          security: bearer,
          params: Type.Object({ handle: Handle }),
          response: { 200: Type.Array(Type.Object({ id: Type.String(), follower: Type.String(), handle: Type.Union([Type.String(), Type.Null()]), name: Type.Union([Type.String(), Type.Null()]), requestedAt: Type.String() })), ...errors },
        },
      },
      async (req, res) => reply(res, await listFollowRequests(app, req.params.handle, req.actorId!), (rs) => rs.map((x) => ({ ...x, requestedAt: x.requestedAt.toISOString() }))),
    );

    r.post(
      "/bodies/:handle/follow-requests/:id/:decision",
      {
        preHandler: auth,
        schema: {
          tags: ["bodies"],
          summary: "Accept or reject a pending follow request (members only)",
          security: bearer,
          params: Type.Object({ handle: Handle, id: Type.String({ pattern: "^[0-9]+$" }), decision: Type.Union([Type.Literal("accept"), Type.Literal("reject")]) }),
          response: { 200: Type.Object({ follower: Type.String(), state: Type.String() }), ...errors },
        },
      },
      async (req, res) => reply(res, await decideFollowRequest(app, req.params.handle, req.params.id, req.params.decision, req.actorId!), (v) => v),
    );

    r.post(
      "/follows",
      {
        preHandler: auth,
        schema: {
          tags: ["accounts"],
          summary: "Follow a remote actor by handle (@name@host) or URL",
          security: bearer,
          body: Type.Object({ target: Type.String({ minLength: 3, maxLength: 2048 }) }, { additionalProperties: false }),
          response: { 202: Type.Object({ target: Type.String(), state: Type.String() }), ...errors, 502: ErrorBody },
        },
      },
      async (req, res) => reply(res, await followRemote(app, req.actorId!, req.body.target), (v) => v, 202),
    );

    r.post(
      "/confederal-proposals",
      {
        preHandler: auth,
        schema: {
          tags: ["confederation"],
          summary: "As a confederal delegate, table a proposal in a confederation under your mandate (it refers it to every member body)",
          security: bearer,
          body: Type.Object(
            {
              confederation: Type.String({ minLength: 1, maxLength: 2000, description: "the confederation's handle or actor URL" }),
              title: Type.String({ minLength: 1, maxLength: 200 }),
              text: Type.String({ maxLength: 20_000 }),
              topic: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
              mandate: Type.Optional(Type.String({ minLength: 1, maxLength: 4000, description: "your mandate's URL (or id)" })),
              decides: Type.Optional(
                Type.Object(
                  {
                    kind: Type.Union([Type.Literal("join"), Type.Literal("leave"), Type.Literal("policy"), Type.Literal("confederal")]),
                    payload: Type.Optional(Type.Unknown({ description: "join/leave: { confederation } (a handle or URL)" })),
                  },
                  { additionalProperties: false, description: "the confederation's own decision put to its member bodies" },
                ),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 202: Type.Object({ activity: Type.String(), confederation: Type.String(), mandate: Type.Union([Type.String(), Type.Null()]) }), ...errors, 502: ErrorBody },
        },
      },
      async (req, res) => reply(res, await tableConfederalProposal(app, req.actorId!, req.body), (v) => v, 202),
    );

    r.get(
      "/bodies/:handle/referrals",
      {
        schema: {
          tags: ["confederation"],
          summary: "A confederation's referrals (confederal proposals), newest first; each URL serves the signed Referral",
          params: Type.Object({ handle: Handle }),
          response: {
            200: Type.Array(
              Type.Object({
                uri: Type.String(),
                title: Type.String(),
                openedAt: Type.String({ format: "date-time" }),
                deadline: Type.String({ format: "date-time" }),
                closedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
                outcome: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
            ...errors,
          },
        },
      },
      async (req, res) => {
        const body = await findBody(app, req.params.handle);
        if (!body.ok) return reply(res, body, () => null);
        const list = await listReferrals(app, body.value.id);
        return list.map((r) => ({ ...r, openedAt: r.openedAt.toISOString(), deadline: r.deadline.toISOString(), closedAt: r.closedAt?.toISOString() ?? null }));
      },
    );

    r.post(
      "/remote-acts",
      {
        preHandler: auth,
        schema: {
          tags: ["proposals"],
          summary: "Act on a proposal of a body on another server (object, elect an advocate, share a grievance, amend, vote with a reason)",
          security: bearer,
          body: Type.Object(
            {
              proposal: Type.String({ format: "uri", description: "the proposal's (or one of its rounds') URL" }),
              act: Type.Union([Type.Literal("objection"), Type.Literal("advocate-vote"), Type.Literal("grievance-agreement"), Type.Literal("amendment"), Type.Literal("vote")]),
              category: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
              dealBreaker: Type.Optional(Type.Boolean()),
              candidate: Type.Optional(Type.String({ format: "uri" })),
              shares: Type.Optional(Type.Boolean()),
              text: Type.Optional(Type.String({ maxLength: 20_000 })),
              choice: Type.Optional(Type.Union([Type.Literal("agree"), Type.Literal("disagree"), Type.Literal("abstain"), Type.Literal("block")])),
              round: Type.Optional(Type.String({ maxLength: 200 })),
            },
            { additionalProperties: false },
          ),
          response: { 202: Type.Object({ activity: Type.String() }), ...errors, 502: ErrorBody },
        },
      },
      async (req, res) => {
        const act = parseAct(req.body);
        if (!act.ok) return reply(res, act, () => null);
        return reply(res, await sendAct(app, req.actorId!, req.body.proposal, act.value), (v) => v, 202);
      },
    );

    r.get(
      "/threads",
      {
        schema: {
          tags: ["posts"],
          summary: "A post and all replies below it",
          querystring: Type.Object({ uri: Type.String({ format: "uri" }) }),
          response: { 200: Type.Unknown(), 400: ErrorBody, 404: ErrorBody },
        },
      },
      async (req, res) => reply(res, await getThread(app, req.query.uri), (t) => t),
    );
  };
}
