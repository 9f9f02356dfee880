import megalodon, { detector } from "megalodon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyWithMembers, hourBylaws } from "../decisions/support.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { approve, OOB, signedIn } from "./support.ts";

// The same sign-in with the `megalodon` library, which tells the server's kind from
// NodeInfo (`metadata.upstream.name: "mastodon"`) and sends no PKCE challenge.

let a: TestInstance;

// megalodon is CommonJS: TypeScript sees its exports object as the default, Vite's interop the function.
const generator = ((megalodon as unknown as { default?: unknown }).default ?? megalodon) as typeof megalodon.default;

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.113" });
  await bodyWithMembers(a.app, "works", ["cai"], hourBylaws({ kind: "simple-majority" }, { admission: "open" }));
});
afterAll(async () => {
  await a?.stop();
});

describe("megalodon", () => {
  it("detects a Mastodon-compatible server, registers, signs in by code, looks up and follows a body", async () => {
    expect(await detector(a.origin)).toBe("mastodon");
    const client = generator("mastodon", a.origin);
    const app = await client.registerApp("Megalodon app", { scopes: ["read", "write", "follow"], redirect_uris: OOB });
    expect(app.url).toContain("/oauth/authorize?");
    const web = await signedIn(a.origin, "cai");
    const query = Object.fromEntries(new URL(app.url!).searchParams);
    const { code } = await approve(web, query);
    const token = await client.fetchAccessToken(app.client_id, app.client_secret, code!, OOB);
    const me = generator("mastodon", a.origin, token.access_token);
    expect((await me.verifyAccountCredentials()).data.username).toBe("cai");
    const body = (await me.lookupAccount("works")).data;
    expect(body.group).toBe(true);
    expect((await me.followAccount(body.id)).data.following).toBe(true);
  });
});
