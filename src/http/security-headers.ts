import type { FastifyHelmetOptions } from "@fastify/helmet";

// Headers every response carries (helmet): the pages use no script and no inline
// style (their stylesheet is a file, pages/stylesheet.ts), so their policy allows only
// this origin's stylesheets and images from anywhere over https. JSON (ActivityPub and
// the API) carries the same headers: `nosniff`, and a policy that lets nothing run.

/** The pages' Content-Security-Policy. */
export const PAGE_CSP = {
  "default-src": ["'none'"],
  "style-src": ["'self'"],
  "img-src": ["'self'", "https:", "data:"],
  "form-action": ["'self'"],
  "frame-ancestors": ["'none'"],
  "base-uri": ["'none'"],
};

/**
 * The API docs page (Swagger UI) runs its own scripts and stylesheets from this origin
 * and fetches the OpenAPI document; it needs no inline script or style either.
 */
export const DOCS_CSP = {
  "default-src": ["'self'"],
  "script-src": ["'self'"],
  "style-src": ["'self'"],
  "img-src": ["'self'", "data:"],
  "object-src": ["'none'"],
  "form-action": ["'self'"],
  "frame-ancestors": ["'none'"],
  "base-uri": ["'self'"],
};

export function securityHeaders(publicOrigin: URL): FastifyHelmetOptions {
  return {
    contentSecurityPolicy: { useDefaults: false, directives: PAGE_CSP },
    referrerPolicy: { policy: "no-referrer" },
    xFrameOptions: { action: "deny" },
    // Only when the public origin is https; not for subdomains, which are the operator's to decide.
    strictTransportSecurity: publicOrigin.protocol === "https:" ? { maxAge: 15_552_000, includeSubDomains: false } : false,
  };
}

/** A policy as a header value. */
export function cspHeader(directives: Record<string, string[]>): string {
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(" ")}`)
    .join("; ");
}
