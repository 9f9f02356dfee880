import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { AP_JSON, startTestInstance, type TestInstance } from "../support/instance.ts";

// Every HTML page answers with a Content-Security-Policy that allows no inline script
// or style, and with nosniff, no framing and no referrer; its stylesheet is a file.
// The API docs (Swagger UI) have a policy of their own; JSON carries nosniff too.

let a: TestInstance;
let api: string;
const pages: Record<string, string> = {};

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.23" });
  api = `${a.origin}/api/folkmoot/v1`;
  await operations["account.create"](a.app, { handle: "carol", password: "carol-password" });
  const call = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(`${api}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return (await res.json()) as Record<string, string>;
  };
  const { token } = await call("/sessions", { handle: "carol", password: "carol-password" });
  await call("/bodies", { handle: "commons", kind: "assembly", name: "The Commons" }, token);
  const post = await call("/bodies/commons/posts", { text: "Street party in June?" }, token);
  const proposal = await call("/bodies/commons/proposals", { kind: "policy", title: "Paint the hall", text: "Green." }, token);
  Object.assign(pages, {
    home: "/",
    profile: "/@commons",
    person: "/@carol",
    note: new URL(post.url!).pathname,
    proposals: "/@commons/proposals",
    proposal: `/@commons/proposals/${proposal.id}`,
    register: "/@commons/decisions",
    "not found": "/@nobody_here",
  });
});

afterAll(async () => {
  await a?.stop();
});

function directives(csp: string | null): Map<string, string> {
  return new Map(
    (csp ?? "")
      .split(";")
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => [d.split(/\s+/)[0]!, d.slice(d.indexOf(" ") + 1)]),
  );
}

describe("security headers", () => {
  it("on every HTML page: a policy without inline script or style, nosniff, no framing, no referrer", async () => {
    for (const [name, path] of Object.entries(pages)) {
      const res = await fetch(`${a.origin}${path}`, { headers: { accept: "text/html" } });
      expect(res.headers.get("content-type"), name).toMatch(/^text\/html/);
      expect(res.status, name).toBe(name === "not found" ? 404 : 200);
      const csp = res.headers.get("content-security-policy");
      expect(csp, name).not.toContain("unsafe-inline");
      expect(csp, name).not.toContain("unsafe-eval");
      const d = directives(csp);
      expect(d.get("default-src"), name).toBe("'none'");
      expect(d.get("style-src"), name).toBe("'self'");
      expect(d.get("frame-ancestors"), name).toBe("'none'");
      expect(d.get("base-uri"), name).toBe("'none'");
      expect(d.has("script-src"), name).toBe(false); // no script at all: default-src 'none'
      expect(res.headers.get("x-content-type-options"), name).toBe("nosniff");
      expect(res.headers.get("x-frame-options"), name).toBe("DENY");
      expect(res.headers.get("referrer-policy"), name).toBe("no-referrer");
      const html = await res.text();
      expect(html, name).not.toMatch(/<style|<script|\sstyle=/i);
      expect(html, name).toMatch(/<link rel="stylesheet" href="\/assets\/folkmoot\.css\?v=[0-9a-f]{12}">/);
    }
  });

  it("serves the stylesheet as CSS, cached for a year under a versioned URL", async () => {
    const home = await (await fetch(`${a.origin}/`)).text();
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(home)![1]!;
    const res = await fetch(`${a.origin}${href}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toBe(readFileSync(new URL("../../src/http/pages/folkmoot.css", import.meta.url), "utf8"));
  });

  it("gives the API docs a policy of their own that lets Swagger UI's own scripts run, and no inline ones", async () => {
    const res = await fetch(`${a.origin}/api/folkmoot/docs/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy");
    expect(csp).not.toContain("unsafe-inline");
    const d = directives(csp);
    expect(d.get("script-src")).toBe("'self'");
    expect(d.get("style-src")).toBe("'self'");
    expect(d.get("frame-ancestors")).toBe("'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await res.text();
    expect(html).not.toMatch(/<script>|<style/i); // every script and stylesheet is a file
    const script = await fetch(`${a.origin}/api/folkmoot/docs/static/swagger-initializer.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/javascript/);
  });

  it("puts nosniff on ActivityPub and API JSON without changing Fedify's content types", async () => {
    const actor = await fetch(`${a.origin}/.well-known/webfinger?resource=acct:commons@${a.config.publicOrigin.host}`);
    expect(actor.status).toBe(200);
    expect(actor.headers.get("content-type")).toMatch(/^application\/jrd\+json/);
    expect(actor.headers.get("x-content-type-options")).toBe("nosniff");
    const self = ((await actor.json()) as { links: { rel: string; href: string }[] }).links.find((l) => l.rel === "self")!.href;
    const ap = await fetch(self, { headers: { accept: AP_JSON } });
    expect(ap.status).toBe(200);
    expect(ap.headers.get("content-type")).toMatch(/^application\/activity\+json/);
    expect(ap.headers.get("x-content-type-options")).toBe("nosniff");
    expect(((await ap.json()) as { type: string }).type).toBe("Group");
    const bodies = await fetch(`${api}/bodies/commons`);
    expect(bodies.headers.get("content-type")).toMatch(/^application\/json/);
    expect(bodies.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
