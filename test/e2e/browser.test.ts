import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_PATH, DESKTOP, describeViolations, focusedElement, launchChromium, overflowInsideMain, PHONE, runAxe, sidewaysOverflow } from "../support/browser.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";
import { DEMO_PASSWORD_SUFFIX, seedWebDemo, type WebDemo } from "../support/web-demo.ts";

// The pages in real Chromium (Debian's `chromium`; CHROMIUM_PATH for another): every page
// of PAGES at a 390 px phone and a 1280 px screen has no WCAG 2.0/2.1/2.2 A or AA
// violation that axe-core finds (light and dark colour schemes), no sideways scrolling,
// and no refusal by its Content-Security-Policy. One can sign in with the keyboard alone,
// and sign in and change one's password with JavaScript off.

/**
 * The pages checked. To add one: its name, its path (from the demo data), and who is
 * signed in (and the status, if not 200). A page that answers 404 unasked is skipped with a
 * note (it is not built yet).
 */
const PAGES: { name: string; path: (d: WebDemo) => string; as?: "member"; status?: number; act?: (page: Page) => Promise<unknown> }[] = [
  { name: "home", path: () => "/" },
  { name: "sign in", path: () => "/signin" },
  { name: "sign up", path: () => "/signup" },
  { name: "sign up, refused at the fields", path: () => "/signup", act: (page) => submitMainForm(page, { "#f-password": "short" }) },
  { name: "sign in, refused", path: () => "/signin", act: (page) => submitMainForm(page, { "#f-handle": "ada", "#f-password": "not the password" }) },
  { name: "my account", path: () => "/account", as: "member" },
  { name: "my bodies", path: () => "/me", as: "member" },
  { name: "a body", path: (d) => d.paths.body },
  { name: "a body, signed in", path: (d) => d.paths.body, as: "member" },
  { name: "proposals", path: (d) => d.paths.proposals },
  { name: "a proposal in its vote", path: (d) => d.paths.proposal },
  { name: "a proposal in its vote, signed in", path: (d) => d.paths.proposal, as: "member" },
  { name: "a decided proposal", path: (d) => d.paths.decided },
  { name: "decisions", path: (d) => d.paths.decisions },
  { name: "the public record", path: (d) => `${d.paths.body}/record` },
  { name: "a post and its reply", path: (d) => d.paths.note },
  { name: "a person", path: () => "/@ada" },
  { name: "not found", path: () => "/@nobody-here", status: 404 },
  { name: "operator pages", path: () => "/admin", as: "member" },
  { name: "operator pages: invitations", path: () => "/admin/invitations", as: "member" },
  { name: "operator pages: accounts", path: () => "/admin/accounts", as: "member" },
  { name: "operator pages: bodies", path: () => "/admin/bodies", as: "member" },
  { name: "operator pages: settings", path: () => "/admin/settings", as: "member" },
  { name: "operator pages: other servers", path: () => "/admin/remote", as: "member" },
  { name: "notifications", path: () => "/notifications", as: "member" },
  { name: "found a body: the templates", path: () => "/bodies/new", as: "member" },
  { name: "found a body: the form", path: () => "/bodies/new?template=neighbourhood-assembly", as: "member" },
  { name: "put a proposal forward: the kinds", path: (d) => `${d.paths.body}/proposals/new`, as: "member" },
  { name: "elect delegates: the form", path: (d) => `${d.paths.body}/proposals/new?kind=delegation`, as: "member" },
  {
    name: "elect delegates, refused at the fields",
    path: (d) => `${d.paths.body}/proposals/new?kind=delegation`,
    as: "member",
    act: (page) => submitMainForm(page, { "#f-title": "", "#f-delegates": "" }),
  },
  // The OAuth 2 consent page (an app registered in beforeAll), the code it shows an app
  // without a redirect, and a request it refuses.
  { name: "let an app use your account", path: () => `/oauth/authorize?${oauthQuery("https://app.example/callback")}`, as: "member" },
  {
    name: "let an app use your account: the code to copy",
    path: () => `/oauth/authorize?${oauthQuery("urn:ietf:wg:oauth:2.0:oob")}`,
    as: "member",
    act: (page) => Promise.all([page.waitForNavigation(), page.click("main form button[value=approve]")]),
  },
  { name: "let an app use your account: refused", path: () => "/oauth/authorize?client_id=nobody&response_type=code", as: "member", status: 400 },
];

/** The client id of the app registered for the consent page, with both its redirect URIs. */
let oauthClient = "";
const oauthQuery = (redirect: string) => new URLSearchParams({ client_id: oauthClient, redirect_uri: redirect, response_type: "code", scope: "read write" }).toString();

/** Pages that are not there yet answer these; they are skipped, with a note. */
const NOT_BUILT = new Set([404]);

/** Every rule at both sizes in the light scheme; in the dark one, what the colours change. */
const SCHEMES = [
  { viewport: PHONE, colorScheme: "light", rules: undefined },
  { viewport: DESKTOP, colorScheme: "light", rules: undefined },
  { viewport: PHONE, colorScheme: "dark", rules: ["color-contrast", "link-in-text-block"] },
] as const;

let inst: TestInstance;
let browser: Browser;
let demo: WebDemo;
/** Cookies of a member signed in through the sign-in form (ada). */
let memberState: Awaited<ReturnType<BrowserContext["storageState"]>>;
const notes: string[] = [];

/** Fills fields of the page's main form and submits it. */
async function submitMainForm(page: Page, fields: Record<string, string>) {
  for (const [selector, value] of Object.entries(fields)) await page.fill(selector, value);
  await Promise.all([page.waitForNavigation(), page.click("main form button[type=submit]")]);
}

const password = (handle: string) => `${handle}${DEMO_PASSWORD_SUFFIX}`;

async function signInWithForm(page: Page, handle: string, pass: string) {
  await page.goto(`${inst.origin}/signin?next=%2Faccount`);
  await page.fill("#f-handle", handle);
  await page.fill("#f-password", pass);
  await Promise.all([page.waitForURL(/\/account$/), page.click("main form button[type=submit]")]);
}

beforeAll(async () => {
  [inst, browser] = await Promise.all([startTestInstance({ host: "127.0.0.96" }), launchChromium()]);
  demo = await seedWebDemo(inst);
  const app = await fetch(`${inst.origin}/api/v1/apps`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "Pocket Moot",
      redirect_uris: "https://app.example/callback\nurn:ietf:wg:oauth:2.0:oob",
      scopes: "read write",
      website: "https://app.example",
    }),
  });
  oauthClient = ((await app.json()) as { client_id: string }).client_id;
  const context = await browser.newContext();
  await signInWithForm(await context.newPage(), "ada", password("ada"));
  memberState = await context.storageState();
  await context.close();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await inst?.stop();
  if (notes.length) console.log(`Browser test notes:\n  ${notes.join("\n  ")}`);
});

// The pages are checked a few at once (each in its own browser context).
describe.concurrent(`every page in Chromium (${CHROMIUM_PATH}): axe-core WCAG 2.2 AA, 390 px and 1280 px`, () => {
  for (const p of PAGES) {
    it(p.name, async ({ expect, skip }) => {
      const path = p.path(demo);
      const problems: string[] = [];
      // One load per page; the window is resized and the colour scheme switched around it.
      const context = await browser.newContext({ viewport: PHONE, ...(p.as ? { storageState: memberState } : {}) });
      try {
        const page = await context.newPage();
        const refused: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error" && /Content Security Policy/i.test(m.text())) refused.push(m.text());
        });
        const res = await page.goto(`${inst.origin}${path}`);
        const status = res?.status() ?? 0;
        if (status !== (p.status ?? 200) && NOT_BUILT.has(status)) {
          notes.push(`skipped "${p.name}": ${path} answers ${status} (not built yet)`);
          skip(`${path} answers ${status}: not built yet`);
        }
        expect(status, `${p.name} (${path})`).toBe(p.status ?? 200);
        if (p.as) expect(page.url(), `${p.name}: still signed in`).not.toMatch(/\/signin/);
        await p.act?.(page);
        for (const { viewport, colorScheme, rules } of SCHEMES) {
          const where = `${p.name} (${path}) at ${viewport.width}px, ${colorScheme}`;
          await page.setViewportSize(viewport);
          await page.emulateMedia({ colorScheme });
          problems.push(...describeViolations(where, await runAxe(page, rules)));
          const wide = await sidewaysOverflow(page);
          if (wide) problems.push(`${where}: scrolls sideways (${wide.scrollWidth} px wide in a ${wide.innerWidth} px window): ${wide.culprits.join(", ")}`);
          if (colorScheme === "light") {
            const inMain = await overflowInsideMain(page);
            if (inMain.length) notes.push(`${where}: wider than the screen inside <main> (wants a .table-wrap): ${inMain.join(", ")}`);
          }
        }
        for (const r of refused) problems.push(`${p.name} (${path}): refused by the Content-Security-Policy: ${r}`);
      } finally {
        await context.close();
      }
      expect(problems, `\n${problems.join("\n\n")}\n`).toEqual([]);
    });
  }
});

describe("the keyboard alone", () => {
  it("reaches the skip link first, signs in with Tab, typing and Enter, and reaches the account page", async () => {
    const context = await browser.newContext({ viewport: PHONE });
    try {
      const page = await context.newPage();
      // Signed out, the account page asks to sign in first and comes back after.
      await page.goto(`${inst.origin}/account`);
      expect(new URL(page.url()).pathname).toBe("/signin");
      const focused = () => focusedElement(page);
      const tabUntil = async (want: (f: Awaited<ReturnType<typeof focused>>) => boolean, label: string) => {
        for (let i = 0; i < 30; i++) {
          await page.keyboard.press("Tab");
          const f = await focused();
          expect(f.ring, `focus ring on ${f.tag}#${f.id} "${f.text}"`).toBe(true);
          if (want(f)) return f;
        }
        throw new Error(`Tab never reached ${label}`);
      };

      // The first Tab stop is the skip link, shown while it has focus; Enter moves on to the content.
      await page.keyboard.press("Tab");
      const first = await focused();
      expect(first.cls).toBe("skip");
      expect(first.visible).toBe(true);
      expect(first.ring).toBe(true);

      // Enter on the skip link: the next Tab is in the content, at the form.
      await page.keyboard.press("Enter");
      await page.keyboard.press("Tab");
      expect((await focused()).id, "the first Tab stop after the skip link").toBe("f-handle");
      await page.keyboard.type("bo");
      await page.keyboard.press("Tab");
      expect((await focused()).id).toBe("f-password");
      await page.keyboard.type(password("bo"));
      await Promise.all([page.waitForURL(/\/account$/), page.keyboard.press("Enter")]);
      expect(await page.locator("h1").textContent()).toBe("My account");

      // And from the header's navigation, as any page's.
      await page.goto(`${inst.origin}/signin`);
      await tabUntil((f) => f.tag === "a" && f.text === "My account", 'the "My account" link');
      await Promise.all([page.waitForURL(/\/account$/), page.keyboard.press("Enter")]);
      expect(await page.locator("h1").textContent()).toBe("My account");
      expect(await page.locator("main").textContent()).toContain("@bo@");
    } finally {
      await context.close();
    }
  });
});

describe("without JavaScript", () => {
  it("signs in, changes the password, and signs in again with the new one", async () => {
    const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await signInWithForm(page, "dee", password("dee"));
      await page.fill("#f-currentPassword", password("dee"));
      await page.fill("#f-newPassword", "a brand new password");
      await Promise.all([page.waitForURL(/done=password-changed/), page.click("form[action='/account/password'] button[type=submit]")]);
      expect(await page.locator(".notice").textContent()).toContain("Your password is changed");

      // Sign out (a form in the header), then the new password works and the old one does not.
      await Promise.all([page.waitForNavigation(), page.click("header form[action='/signout'] button")]);
      await page.goto(`${inst.origin}/signin`);
      await page.fill("#f-handle", "dee");
      await page.fill("#f-password", password("dee"));
      await Promise.all([page.waitForNavigation(), page.click("main form button[type=submit]")]);
      expect(await page.locator("main").textContent()).toContain("do not match");
      await signInWithForm(page, "dee", "a brand new password");
      expect(await page.locator("main").textContent()).toContain("@dee@");
    } finally {
      await context.close();
    }
  });
});
