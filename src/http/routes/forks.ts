import { Type, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../context.ts";
import { forkBody, readForkOrigin, type ForkOrigin, type Forked } from "../../decisions/index.ts";
import { actorUri, profileUrl } from "../../shared/uris.ts";
import { optionalViewer, requireAccount, type TokenIssuer } from "../auth.ts";
import { reply } from "../errors.ts";
import { ForkOriginOut, ForkOut } from "../schemas/bodies.ts";
import { bearer, byHandle, errors, Handle, Nullable, readErrors } from "../schemas/common.ts";

/** Forking a body: a new body from a copy of another's bylaws, and where a body was forked from. */
export function forkRoutes(app: AppContext, tokens: TokenIssuer) {
  const origin = app.config.publicOrigin;
  const auth = requireAccount(app, tokens);
  const viewer = optionalViewer(tokens, origin);
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
          params: byHandle,
          body: Type.Object(
            {
              handle: Handle,
              name: Type.String({ minLength: 1, maxLength: 200 }),
              summary: Type.Optional(Type.String({ maxLength: 5000 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: ForkOut, ...errors },
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
          params: byHandle,
          response: { 200: Nullable(ForkOriginOut), ...readErrors },
        },
      },
      async (req, res) => reply(res, await readForkOrigin(app, await viewer(req), req.params.handle), (o) => (o === null ? null : presentOrigin(o))),
    );
  };
}
