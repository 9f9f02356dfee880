import { Type } from "@fastify/type-provider-typebox";

/** The body of every error answer (see ../errors.ts). */
export const ErrorBody = Type.Object({ error: Type.String(), message: Type.String(), fields: Type.Optional(Type.Record(Type.String(), Type.String())) });
/** The error answers of a route that needs a signed-in account and may conflict. */
export const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
/** The error answers of a read that a private record may refuse. */
export const readErrors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
/** The OpenAPI security requirement of a route that needs a bearer token. */
export const bearer = [{ bearer: [] as string[] }];

export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const Handle = Type.String({ pattern: "^@?[A-Za-z0-9_]{1,30}$", description: "a local handle: 1 to 30 of a-z, 0-9, _" });
export const byHandle = Type.Object({ handle: Handle });
