import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { describeViolations, PHONE, runAxe, sidewaysOverflow } from "./browser.ts";

// One person in the whole-story browser test (test/e2e/story-browser.test.ts): a browser
// context of their own at a 390 px phone's width. Every page they land on (a link followed,
// a form sent) is checked with axe-core (WCAG 2.2 A and AA) and for sideways scrolling;
// what is found is collected in `problems`, each with the page and the step.

export class StoryPerson {
  readonly handle: string;
  readonly page: Page;
  private readonly context: BrowserContext;
  private readonly origin: string;
  private readonly problems: string[];
  /** Pages checked so far (path → times), to report how much of the app the story saw. */
  readonly visited: Map<string, number>;

  private constructor(handle: string, context: BrowserContext, page: Page, origin: string, problems: string[], visited: Map<string, number>) {
    this.handle = handle;
    this.context = context;
    this.page = page;
    this.origin = origin;
    this.problems = problems;
    this.visited = visited;
  }

  static async open(browser: Browser, handle: string, origin: string, problems: string[], visited: Map<string, number>): Promise<StoryPerson> {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy/i.test(m.text())) problems.push(`${handle} at ${page.url()}: refused by the Content-Security-Policy: ${m.text()}`);
    });
    return new StoryPerson(handle, context, page, origin, problems, visited);
  }

  /** Opens a path (on this instance, or a full URL) and checks the page; the answer must be 200. */
  async goto(pathOrUrl: string, step: string): Promise<void> {
    const res = await this.page.goto(new URL(pathOrUrl, this.origin).href);
    const status = res?.status() ?? 0;
    if (status !== 200) throw new Error(`${this.handle}, ${step}: ${pathOrUrl} answered ${status}: ${(await this.page.locator("main").textContent())?.trim().slice(0, 300)}`);
    await this.check(step);
  }

  /** Clicks what leads to another page (a link, a form's button) and checks the page it leads to. */
  async follow(target: Locator, step: string, expectStatus = 200): Promise<void> {
    const [res] = await Promise.all([this.page.waitForNavigation(), target.click()]);
    const status = res?.status() ?? 0;
    if (status !== expectStatus) {
      const main = (await this.page.locator("main").textContent())?.replace(/\s+/g, " ").trim().slice(0, 400);
      throw new Error(`${this.handle}, ${step}: ${this.page.url()} answered ${status}: ${main}`);
    }
    await this.check(step);
  }

  /** The text of <main>, spaces collapsed. */
  async main(): Promise<string> {
    return ((await this.page.locator("main").textContent()) ?? "").replace(/\s+/g, " ");
  }

  /** The path of the page now shown. */
  path(): string {
    return new URL(this.page.url()).pathname;
  }

  /** axe-core and sideways scrolling at 390 px, on the page now shown. */
  async check(step: string): Promise<void> {
    const url = new URL(this.page.url());
    const where = `${this.handle}, ${step}: ${url.pathname}${url.search}`;
    this.visited.set(url.pathname, (this.visited.get(url.pathname) ?? 0) + 1);
    this.problems.push(...describeViolations(where, await runAxe(this.page)));
    const wide = await sidewaysOverflow(this.page);
    if (wide) this.problems.push(`${where}: scrolls sideways (${wide.scrollWidth} px wide in a ${wide.innerWidth} px window): ${wide.culprits.join(", ")}`);
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
