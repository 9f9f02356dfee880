// Reading fields of documents fetched from elsewhere: nothing in them is trusted to
// have the shape it should.

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The id of a link: a string, or an object with a string `id`. */
export function idOf(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (isObject(v) && typeof v.id === "string") return v.id;
  return null;
}

export function nonBlankString(v: unknown): string | null {
  return typeof v === "string" && v.trim() !== "" ? v : null;
}

/** An actor id as written, if it is a URL (ids are compared as written, as the server wrote them). */
export function actorId(v: unknown): string | null {
  return typeof v === "string" && URL.canParse(v) ? v : null;
}
