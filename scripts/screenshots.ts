// npm run screenshots: pictures of the main pages, at a phone's size and a computer's, for
// docs/web.md. A throwaway instance on a loopback address (embedded database in a
// temporary directory) gets a little demonstration data (test/support/web-demo.ts: an
// assembly, four members, a decision taken, a proposal in its vote, a post with a reply);
// Debian's Chromium (CHROMIUM_PATH for another) visits each page and writes
// docs/screenshots/<page>-<phone|desktop>.png; then everything stops and the directory is
// deleted. Run it again whenever the pages change, and commit the pictures.
//
// The instance calls itself http://riverside.example (so the pictures show handles such
// as @ada@riverside.example, not a port); Chromium is told that this name is the loopback
// address and port the server listens on.

import { cp, mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { loadConfig } from "../src/config.ts";
import { startInstance } from "../src/instance.ts";
import { createLogger } from "../src/logging.ts";
import { openDatabase } from "../src/store/database.ts";
import { migrateToLatest } from "../src/store/migrator.ts";
import { DESKTOP, launchChromium, PHONE } from "../test/support/browser.ts";
import { DEMO_PASSWORD_SUFFIX, seedWebDemo, type WebDemo } from "../test/support/web-demo.ts";

const OUT = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const HOST = "127.0.0.97";
const PUBLIC_HOST = "riverside.example";
/** A long page is cut at this height (CSS pixels), to keep the pictures small. */
const MAX_HEIGHT = { phone: 1600, desktop: 1100 } as const;

/** The pictures: a file name, a page, whether a member (ada) is signed in, and what to do on the page first. */
const SHOTS: { file: string; path: (d: WebDemo) => string; signedIn?: boolean; before?: (page: Page) => Promise<void> }[] = [
  { file: "home", path: () => "/" },
  { file: "sign-in", path: () => "/signin" },
  {
    file: "sign-up-refused",
    path: () => "/signup",
    before: async (page) => {
      await page.fill("#f-handle", "jo");
      await page.fill("#f-password", "short");
      await Promise.all([page.waitForNavigation(), page.click("main form button[type=submit]")]);
    },
  },
  { file: "body", path: (d) => d.paths.body, signedIn: true },
  { file: "proposals", path: (d) => d.paths.proposals, signedIn: true },
  { file: "proposal", path: (d) => d.paths.proposal, signedIn: true },
  { file: "decisions", path: (d) => d.paths.decisions, signedIn: true },
  { file: "account", path: () => "/account", signedIn: true },
  { file: "me", path: () => "/me", signedIn: true },
  { file: "new-delegation", path: (d) => `${d.paths.body}/proposals/new?kind=delegation`, signedIn: true },
  { file: "notifications", path: () => "/notifications", signedIn: true },
  { file: "found", path: () => "/bodies/new?template=neighbourhood-assembly", signedIn: true },
  { file: "admin", path: () => "/admin", signedIn: true },
];

async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function shoot(context: BrowserContext, origin: string, shot: (typeof SHOTS)[number], demo: WebDemo, size: "phone" | "desktop"): Promise<string> {
  const page = await context.newPage();
  try {
    await page.setViewportSize(size === "phone" ? PHONE : DESKTOP);
    const res = await page.goto(`${origin}${shot.path(demo)}`);
    if (!res || res.status() >= 400) throw new Error(`${shot.path(demo)} answered ${res?.status()}`);
    await shot.before?.(page);
    const file = join(OUT, `${shot.file}-${size}.png`);
    const { width, height } = size === "phone" ? PHONE : DESKTOP;
    const full = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width, height: Math.min(Math.max(full, height), MAX_HEIGHT[size]) } });
    return file;
  } finally {
    await page.close();
  }
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), "folkmoot-screenshots-"));
  const port = await freePort(HOST);
  let stop = async () => {};
  let closeBrowser = async () => {};
  try {
    // A migrated database in the temporary directory, then the instance on it.
    const dataDir = join(dir, "instance");
    const template = join(dir, "template");
    const db = await openDatabase({ dataDir: template });
    try {
      await migrateToLatest(db.db);
    } finally {
      await db.close();
    }
    await mkdir(dataDir);
    await cp(template, join(dataDir, "db"), { recursive: true });
    const config = loadConfig({
      HOST,
      PORT: String(port),
      PUBLIC_ORIGIN: `http://${PUBLIC_HOST}`,
      DATA_DIR: dataDir,
      ALLOW_PRIVATE_ADDRESS: "true",
      LOG_LEVEL: "silent",
      INSTANCE_NAME: "Folkmoot",
      SIGNUP: "open",
    });
    const instance = await startInstance(config, { logger: createLogger(config.logLevel) });
    stop = () => instance.close();
    console.log(`instance on ${HOST}:${port} as ${config.publicOrigin.origin}; adding the demonstration data…`);
    const demo = await seedWebDemo(instance);

    const browser = await launchChromium(["--hide-scrollbars", `--host-resolver-rules=MAP ${PUBLIC_HOST}:80 ${HOST}:${port}`]);
    closeBrowser = () => browser.close();
    const origin = config.publicOrigin.origin;
    const options = { deviceScaleFactor: 1, colorScheme: "light", reducedMotion: "reduce" } as const;
    const visitor = await browser.newContext(options);
    const member = await browser.newContext(options);
    const signIn = await member.newPage();
    await signIn.goto(`${origin}/signin?next=%2Faccount`);
    await signIn.fill("#f-handle", "ada");
    await signIn.fill("#f-password", `ada${DEMO_PASSWORD_SUFFIX}`);
    await Promise.all([signIn.waitForURL(/\/account$/), signIn.click("main form button[type=submit]")]);
    await signIn.close();

    await mkdir(OUT, { recursive: true });
    for (const shot of SHOTS) {
      for (const size of ["phone", "desktop"] as const) {
        const file = await shoot(shot.signedIn ? member : visitor, origin, shot, demo, size);
        console.log(`${file} (${Math.round((await stat(file)).size / 1024)} KB)`);
      }
    }
  } finally {
    await closeBrowser();
    await stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
