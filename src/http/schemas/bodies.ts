import { Type } from "@fastify/type-provider-typebox";
import { Nullable } from "./common.ts";

export const BodyKind = Type.Union([Type.Literal("assembly"), Type.Literal("council"), Type.Literal("committee"), Type.Literal("confederation")]);
export const Admission = Type.Union([Type.Literal("open"), Type.Literal("by-decision")]);

export const BodyOut = Type.Object({
  id: Type.String({ format: "uri" }),
  handle: Type.String(),
  kind: BodyKind,
  name: Type.String(),
  summary: Type.String(),
  manuallyApprovesFollowers: Type.Boolean(),
  admission: Admission,
  members: Type.Optional(Type.Integer()),
  url: Type.String({ format: "uri" }),
});

export const MemberOut = Type.Object({
  uri: Type.String(),
  handle: Type.Union([Type.String(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
  local: Type.Boolean(),
  admittedAt: Type.String({ format: "date-time" }),
  admittedBy: Type.String(),
});

export const ForkOriginOut = Type.Object(
  {
    origin: Type.String({ description: "the actor URI of the body forked from" }),
    originHandle: Nullable(Type.String({ description: "its local handle" })),
    bylawsVersion: Nullable(Type.Integer({ description: "the version of the origin's bylaws copied" })),
    forkedAt: Type.String({ format: "date-time" }),
    forkedBy: Type.String({ description: "who forked it (its first member)" }),
  },
  { description: "where a body was forked from, as the first event of its record (`body-forked`) says" },
);

export const ForkOut = Type.Object({
  id: Type.String({ format: "uri" }),
  handle: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  summary: Type.String(),
  manuallyApprovesFollowers: Type.Boolean(),
  admission: Admission,
  url: Type.String({ format: "uri" }),
  members: Type.Array(Type.String(), { description: "the forker alone" }),
  forkedFrom: ForkOriginOut,
});
