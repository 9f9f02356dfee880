import { Type } from "@fastify/type-provider-typebox";

export const PostOut = Type.Object({ uri: Type.String(), url: Type.Union([Type.String(), Type.Null()]), content: Type.String(), published: Type.String({ format: "date-time" }) });
