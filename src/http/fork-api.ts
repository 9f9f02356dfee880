import { Type, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AppContext } from "../context.ts";
import { forkBody, readForkOrigin, type ForkOrigin, type Forked } from "../decisions/index.ts";
import { actorUri, profileUrl } from "../shared/uris.ts";
import { requireAccount, type TokenIssuer } from "./auth.ts";
import { reply } from "./errors.ts";

const ErrorBody = Type.Object({ error: Type.String(), message: Type.String(), fields: Type.Optional(Type.Record(Type.String(), Type.String())) });
const bearer = [{ bearer: [] as string[] }];
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Handle = Type.String({ pattern: "^@?[A-Za-z0-9_]{1,30}$", description: "a local handle: 1 to 30 of a-z, 0-9, _" });

const ForkOriginOut = Type.Object(
  {
    origin: Type.String({ description: "the actor URI of the body forked from" }),
    originHandle: Nullable(Type.String({ description: "its local handle" })),
    bylawsVersion: Nullable(Type.Integer({ description: "the version of the origin's bylaws copied" })),
    forkedAt: Type.String({ format: "date-time" }),
    forkedBy: Type.String({ description: "who forked it (its first member)" }),
  },
  { description: "where a body was forked from, as the first event of its record (`body-forked`) says" },
);
const ForkOut = Type.Object({
  id: Type.String({ format: "uri" }),
  handle: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  summary: Type.String(),
  manuallyApprovesFollowers: Type.Boolean(),
  admission: Type.Union([Type.Literal("open"), Type.Literal("by-decision")]),
  url: Type.String({ format: "uri" }),
  members: Type.Array(Type.String(), { description: "the forker alone" }),
  forkedFrom: ForkOriginOut,
});

/** Forking a body (same prefix as api.ts): a new body from a copy of another's bylaws. */
export function forkApiRoutes(app: AppContext, tokens: TokenIssuer) {
  const origin = app.config.publicOrigin;
  const auth = requireAccount(app, tokens);

  /** The signed-in person's URI if a valid token came with the request; reading needs none. */
  const viewer = async (req: FastifyRequest): Promise<string | null> => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    const id = m?.[1] ? await tokens.verify(m[1]) : null;
    return id === null ? null : actorUri(origin, id).href;
  };
  const presentOrigin = (o: ForkOrigin) => ({ ...o });
  const presentFork = ({ body, forkedFrom }: Forked) => ({
    id: actorUri(origin, body.id).href,
    handle: body.handle,
    kind: body.kind,
    name: body.name,
    summary: body.summary,
    manuallyApprovesFollowers: body.manually_approves_followers,
    admission: body.admission,
    url: profileUrl(origin, body.handle).href,
    members: [forkedFrom.forkedBy],
    forkedFrom: presentOrigin(forkedFrom),
  });

  return async (f: FastifyInstance) => {
    const r = f.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ["bodies"];

    r.post(
      "/bodies/:handle/forks",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "Fork a body: a new body of the same kind with a copy of its bylaws in force, the signed-in person as its only member",
          description:
            "Anyone signed in may fork a body whose record is public; a members-only body only its members. The new body's record starts with a `body-forked` event naming the origin and the bylaws version copied. Only local bodies can be forked; confederations cannot.",
          security: bearer,
          params: Type.Object({ handle: Handle }),
          body: Type.Object(
            {
              handle: Handle,
              name: Type.String({ minLength: 1, maxLength: 200 }),
              summary: Type.Optional(Type.String({ maxLength: 5000 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: ForkOut, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
        },
      },
      async (req, res) => reply(res, await forkBody(app, req.actorId!, req.params.handle, req.body), presentFork, 201),
    );

    r.get(
      "/bodies/:handle/forked-from",
      {
        schema: {
          tags,
          summary: "Where a body was forked from: the origin and the bylaws version copied (null if it was founded afresh)",
          params: Type.Object({ handle: Handle }),
          response: { 200: Nullable(ForkOriginOut), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (req, res) => reply(res, await readForkOrigin(app, await viewer(req), req.params.handle), (o) => (o === null ? null : presentOrigin(o))),
    );
  };
}
