import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AxeResults } from "axe-core";
import { chromium, type Browser, type Page } from "playwright-core";

// Real Chromium for the pages' tests and screenshots: Debian's `chromium` (CHROMIUM_PATH
// to use another), driven by playwright-core, headless, with nothing that calls home.

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const PHONE = { width: 390, height: 844 } as const;
export const DESKTOP = { width: 1280, height: 800 } as const;

/** Chromium, headless; `extraArgs` are added to its command line. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome executable`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** The WCAG 2.0, 2.1 and 2.2 success criteria at levels A and AA, as axe-core tags them. */
export const WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/**
 * Runs axe-core in the page for WCAG A and AA (or only the given rules). The page's Content-Security-Policy forbids
 * inline scripts (so `addScriptTag` is refused); the source is evaluated through the
 * DevTools protocol instead, which the policy does not govern, and the page keeps its policy.
 */
export async function runAxe(page: Page, rules?: readonly string[]): Promise<AxeResults> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SOURCE);
  if (rules) {
    return (await page.evaluate((only) => (window as any).axe.run(document, { runOnly: { type: "rule", values: only }, resultTypes: ["violations"] }), [...rules])) as AxeResults;
  }
  return (await page.evaluate((tags) => (window as any).axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }), WCAG_AA_TAGS)) as AxeResults;
}

/** axe-core's violations, one readable paragraph each (rule, impact, help, each element and what is wrong with it). */
export function describeViolations(where: string, results: AxeResults): string[] {
  return results.violations.map((v) => {
    const nodes = v.nodes
      .slice(0, 5)
      .map((n) => `      at ${n.target.join(" ")}\n        ${n.html.slice(0, 200)}\n        ${(n.failureSummary ?? "").replace(/\n\s*/g, "; ")}`)
      .join("\n");
    const more = v.nodes.length > 5 ? `\n      … and ${v.nodes.length - 5} more` : "";
    return `${where}: ${v.id} (${v.impact ?? "?"}): ${v.help}\n      ${v.helpUrl}\n${nodes}${more}`;
  });
}

/** Whether the page is wider than the window (sideways scrolling), and the widest elements if so. */
export async function sidewaysOverflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; culprits: string[] } | null> {
  return page.evaluate(() => {
    const scrollWidth = document.documentElement.scrollWidth;
    const innerWidth = window.innerWidth;
    if (scrollWidth <= innerWidth) return null;
    const culprits = [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5)
      .slice(0, 5)
      .map(
        (el) =>
          `<${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.className ? `.${String(el.className).split(" ").join(".")}` : ""}> right edge ${Math.round(el.getBoundingClientRect().right)}`,
      );
    return { scrollWidth, innerWidth, culprits };
  });
}

/** Whether something inside <main> is wider than it (it then scrolls inside main: a table that wants its .table-wrap). */
export async function overflowInsideMain(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const main = document.querySelector("main");
    if (!main || main.scrollWidth <= main.clientWidth) return [];
    const edge = main.getBoundingClientRect().right;
    return [...main.querySelectorAll("*")]
      .filter((el) => el.getBoundingClientRect().right > edge + 0.5 && !el.closest(".table-wrap, pre"))
      .filter((el, _i, all) => !all.some((other) => other !== el && other.contains(el)))
      .slice(0, 5)
      .map((el) => `<${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(" ").join(".")}` : ""}>`);
  });
}

/** What has the keyboard focus: its tag, id, class and text, whether it shows a focus ring (an outline of 2 px or more) and whether it is on screen. */
export async function focusedElement(page: Page): Promise<{ tag: string; id: string; cls: string; text: string; ring: boolean; visible: boolean }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    const style = el ? getComputedStyle(el) : null;
    const box = el?.getBoundingClientRect();
    return {
      tag: el?.tagName.toLowerCase() ?? "",
      id: el?.id ?? "",
      cls: typeof el?.className === "string" ? el.className : "",
      text: el?.textContent?.trim() ?? "",
      ring: style ? style.outlineStyle !== "none" && Number.parseFloat(style.outlineWidth) >= 2 : false,
      visible: box ? box.bottom > 0 && box.top < window.innerHeight && box.width > 0 : false,
    };
  });
}

/**
 * Presses Tab until `want` holds for the focused element (at most `limit` times); every stop
 * on the way must show a focus ring. Returns the element reached.
 */
export async function tabUntil(
  page: Page,
  want: (f: Awaited<ReturnType<typeof focusedElement>>) => boolean,
  label: string,
  limit = 60,
): Promise<Awaited<ReturnType<typeof focusedElement>>> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    const f = await focusedElement(page);
    if (!f.ring) throw new Error(`no visible focus ring on ${f.tag}#${f.id} "${f.text.slice(0, 60)}" on the way to ${label}`);
    if (want(f)) return f;
  }
  throw new Error(`Tab never reached ${label} (${limit} presses)`);
}
