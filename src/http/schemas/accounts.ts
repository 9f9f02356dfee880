import { Type } from "@fastify/type-provider-typebox";

export const SignInIn = Type.Object(
  { handle: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);

export const SignInOut = Type.Object({
  token: Type.String(),
  session: Type.String({ description: "the session's id, as GET /sessions lists it" }),
  expiresAt: Type.String({ format: "date-time" }),
  actor: Type.String(),
});

export const SessionOut = Type.Object({
  id: Type.String(),
  label: Type.String({ description: "what signed in (its user agent)" }),
  createdAt: Type.String({ format: "date-time" }),
  lastUsedAt: Type.String({ format: "date-time", description: "to within five minutes" }),
  expiresAt: Type.String({ format: "date-time" }),
  current: Type.Boolean({ description: "whether this is the session of the token that asked" }),
});

export const SessionId = Type.Object({ id: Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" }) });

export const PasswordChangeIn = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
    newPassword: Type.String({ description: "8 to 1024 characters" }),
  },
  { additionalProperties: false },
);
