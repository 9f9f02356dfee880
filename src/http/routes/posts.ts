import { Type, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { getThread, MAX_POST_LENGTH, postToBody } from "../../community/posts.ts";
import type { AppContext } from "../../context.ts";
import { requireAccount, type TokenIssuer } from "../auth.ts";
import { reply } from "../errors.ts";
import { bearer, byHandle, ErrorBody, errors } from "../schemas/common.ts";
import { PostOut } from "../schemas/posts.ts";

/** Posts: a member posting to a body, and reading a thread. */
export function postRoutes(app: AppContext, tokens: TokenIssuer) {
  const auth = requireAccount(app, tokens);

  return async (f: FastifyInstance) => {
    const r = f.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ["posts"];

    r.post(
      "/bodies/:handle/posts",
      {
        preHandler: auth,
        schema: {
          tags,
          summary: "Post to a body (members only); the body announces it to its followers",
          security: bearer,
          params: byHandle,
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
      "/threads",
      {
        schema: {
          tags,
          summary: "A post and all replies below it",
          querystring: Type.Object({ uri: Type.String({ format: "uri" }) }),
          response: { 200: Type.Unknown(), 400: ErrorBody, 404: ErrorBody },
        },
      },
      async (req, res) => reply(res, await getThread(app, req.query.uri), (t) => t),
    );
  };
}
