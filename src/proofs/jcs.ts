// Our own JCS rather than a library's, because the verifier must refuse what is not
// JSON and both JCS packages in the tree accept it: `json-canon` (Fedify's) and
// `canonicalize` (jsonld's) serialise anything with `toJSON` (a `URL`, a `Date`) as a
// string, throw plain `Error`s, and `json-canon` writes `{,"d":1}` when the first key
// in order is `undefined`; `canonicalize` also lets lone surrogates through. On JSON
// they agree with this function byte for byte (the unit tests check that Fedify
// verifies our proofs and we verify Fedify's).

/**
 * RFC 8785 JSON Canonicalization Scheme: object keys sorted by UTF-16 code
 * units, no whitespace, ECMAScript number and string serialisation (which
 * `JSON.stringify` implements). Throws a `TypeError` on anything that is not JSON.
 */
export function canonicalizeJson(value: unknown): string {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("JCS: non-finite number");
    return JSON.stringify(value);
  }
  if (typeof value === "string") return canonicalString(value);
  if (Array.isArray(value)) return `[${value.map(canonicalizeJson).join(",")}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${canonicalString(k)}:${canonicalizeJson(value[k])}`).join(",")}}`;
  }
  throw new TypeError(`JCS: not a JSON value (${typeof value})`);
}

function canonicalString(s: string): string {
  // JCS forbids lone surrogates; JSON.stringify would escape them instead.
  if (!s.isWellFormed()) throw new TypeError("JCS: lone surrogate");
  return JSON.stringify(s);
}

/** A JSON object as `JSON.parse` makes it (not a class instance such as `URL`). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
