import { Type, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { findBody, listBodies, type ActorRow } from "../../community/actors.ts";
import { decideFollowRequest, listFollowRequests } from "../../community/follows.ts";
import { listMembers, type Member } from "../../community/memberships.ts";
import { readRecord } from "../../community/record.ts";
import type { AppContext } from "../../context.ts";
import { bylawsTemplates, createBody, joinBody, leaveBody } from "../../decisions/index.ts";
import { actorUri, profileUrl } from "../../shared/uris.ts";
import type { BodyKind as BodyKindName } from "../../store/app-tables.ts";
import { requireAccount, signedInUri, type TokenIssuer } from "../auth.ts";
import { reply } from "../errors.ts";
import { Admission, BodyKind, BodyOut, MemberOut } from "../schemas/bodies.ts";
import { bearer, byHandle, ErrorBody, errors, Handle } from "../schemas/common.ts";

/** Bodies: founding and listing them, their members, their public record, their follow requests. */
export function bodyRoutes(app: AppContext, tokens: TokenIssuer) {
  const origin = app.config.publicOrigin;
  const auth = requireAccount(app, tokens);
  const presentBody = (b: ActorRow & { members?: number }) => ({
    id: actorUri(origin, b.id).href,
    handle: b.handle,
    kind: b.kind as BodyKindName,
    name: b.name,
    summary: b.summary,
    manuallyApprovesFollowers: b.manually_approves_followers,
    admission: b.admission,
    ...(b.members !== undefined ? { members: b.members } : {}),
    url: profileUrl(origin, b.handle).href,
  });
  const presentMember = (m: Member) => ({ ...m, admittedAt: m.admittedAt.toISOString() });

  return async (f: FastifyInstance) => {
    const r = f.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ["bodies"];

    r.get("/bodies", { schema: { tags, summary: "Every body on this instance", response: { 200: Type.Array(BodyOut) } } }, async () => (await listBodies(app)).map(presentBody));

    r.get(
      "/bylaws-templates",
      {
        schema: {
          tags,
          summary: "The founding bylaws templates, drawn from the seeds: id, title, a plain description, the kinds of body each suits, and its complete bylaws",
          response: {
            200: Type.Array(
              Type.Object({
                id: Type.String(),
                title: Type.String(),
                description: Type.String(),
                drawnFrom: Type.String(),
                kinds: Type.Array(BodyKind),
                bylaws: Type.Unknown(),
              }),
            ),
          },
        },
      },
      async () => bylawsTemplates().map((t) => ({ ...t, kinds: [...t.kinds] })),
    );

    r.post(
      "/bodies",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "Found a body, with a template's bylaws and any field changed; the signed-in account becomes its first member (not of a confederation)",
          description:
            "`template` names one of GET /bylaws-templates; `bylaws` gives complete bylaws, or only the fields to change in the template's (or the defaults'). " +
            "Invalid bylaws are refused with 400, a message naming every problem and one entry per field in `fields`; nothing is created.",
          security: bearer,
          body: Type.Object(
            {
              handle: Handle,
              kind: BodyKind,
              name: Type.Optional(Type.String({ maxLength: 200 })),
              summary: Type.Optional(Type.String({ maxLength: 5000 })),
              manuallyApprovesFollowers: Type.Optional(Type.Boolean()),
              admission: Type.Optional(Admission),
              template: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
              bylaws: Type.Optional(Type.Unknown({ description: "complete bylaws, or the fields to change (see docs/governance.md)" })),
            },
            { additionalProperties: false },
          ),
          response: { 201: BodyOut, ...errors },
        },
      },
      async (req, res) => reply(res, await createBody(app, { ...req.body, founderId: req.actorId! }), presentBody, 201),
    );

    r.get("/bodies/:handle", { schema: { tags, summary: "One body", params: byHandle, response: { 200: BodyOut, 400: ErrorBody, 404: ErrorBody } } }, async (req, res) =>
      reply(res, await findBody(app, req.params.handle), presentBody),
    );

    r.get(
      "/bodies/:handle/members",
      { schema: { tags, summary: "The members of a body", params: byHandle, response: { 200: Type.Array(MemberOut), 400: ErrorBody, 404: ErrorBody } } },
      async (req, res) => reply(res, await listMembers(app, req.params.handle), (ms) => ms.map(presentMember)),
    );

    r.post(
      "/bodies/:handle/members",
      { preHandler: auth, schema: { tags, summary: "Join a body that admits members openly", security: bearer, params: byHandle, response: { 201: MemberOut, ...errors } } },
      async (req, res) => reply(res, await joinBody(app, req.actorId!, req.params.handle), presentMember, 201),
    );

    r.post(
      "/bodies/:handle/leave",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "Leave a body, at once (always allowed to a member); recorded on the body's record",
          security: bearer,
          params: byHandle,
          response: { 200: Type.Object({ body: Type.String(), member: Type.String() }), ...errors },
        },
      },
      async (req, res) => reply(res, await leaveBody(app, signedInUri(origin, req), req.params.handle), (v) => v),
    );

    r.get(
      "/bodies/:handle/record",
      {
        schema: {
          tags,
          summary: "A body's public record, newest first",
          params: byHandle,
          querystring: Type.Object({ before: Type.Optional(Type.String({ pattern: "^[0-9]+$" })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }),
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  seq: Type.String(),
                  uri: Type.String(),
                  type: Type.String(),
                  object: Type.Union([Type.String(), Type.Null()]),
                  published: Type.String(),
                  activity: Type.Unknown(),
                }),
              ),
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
          tags,
          summary: "Pending follow requests of a body that approves its followers (members only)",
          security: bearer,
          params: byHandle,
          response: {
            200: Type.Array(
              Type.Object({
                id: Type.String(),
                follower: Type.String(),
                handle: Type.Union([Type.String(), Type.Null()]),
                name: Type.Union([Type.String(), Type.Null()]),
                requestedAt: Type.String(),
              }),
            ),
            ...errors,
          },
        },
      },
      async (req, res) => reply(res, await listFollowRequests(app, req.params.handle, req.actorId!), (rs) => rs.map((x) => ({ ...x, requestedAt: x.requestedAt.toISOString() }))),
    );

    r.post(
      "/bodies/:handle/follow-requests/:id/:decision",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "Accept or reject a pending follow request (members only)",
          security: bearer,
          params: Type.Object({ handle: Handle, id: Type.String({ pattern: "^[0-9]+$" }), decision: Type.Union([Type.Literal("accept"), Type.Literal("reject")]) }),
          response: { 200: Type.Object({ follower: Type.String(), state: Type.String() }), ...errors },
        },
      },
      async (req, res) => reply(res, await decideFollowRequest(app, req.params.handle, req.params.id, req.params.decision, req.actorId!), (v) => v),
    );
  };
}
