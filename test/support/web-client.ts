// A browser-like client for the pages: keeps cookies, reads the CSRF token out of a
// page's form and posts forms as a browser does (urlencoded, no redirect following).

export interface PageAnswer {
  status: number;
  html: string;
  location: string | null;
}

export class WebClient {
  readonly cookies = new Map<string, string>();
  readonly origin: string;
  constructor(origin: string) {
    this.origin = origin;
  }

  private remember(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\b/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {};
  }

  async get(path: string): Promise<PageAnswer> {
    const res = await fetch(new URL(path, this.origin), { redirect: "manual", headers: { accept: "text/html", ...this.cookieHeader() } });
    this.remember(res);
    return { status: res.status, html: await res.text(), location: res.headers.get("location") };
  }

  /** Posts a form; `csrfFrom` is the page whose form token to send (by default, the form's own page is fetched first). */
  async post(path: string, fields: Record<string, string>, opts: { csrfFrom?: string; csrf?: string | null } = {}): Promise<PageAnswer> {
    let token = opts.csrf;
    if (token === undefined) token = csrfToken((await this.get(opts.csrfFrom ?? "/")).html);
    const body = new URLSearchParams({ ...fields, ...(token ? { _csrf: token } : {}) });
    const res = await fetch(new URL(path, this.origin), {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html", ...this.cookieHeader() },
      body,
    });
    this.remember(res);
    return { status: res.status, html: await res.text(), location: res.headers.get("location") };
  }
}

/** The CSRF token in a page's first form. */
export function csrfToken(html: string): string | null {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? null;
}

/** The error shown next to a field, if any (without its "Error:" prefix). */
export function fieldError(html: string, field: string): string | null {
  const m = new RegExp(`id="f-${field}-error">(?:<span class="error-prefix">[^<]*</span> )?([^<]*)<`).exec(html);
  return m?.[1] ?? null;
}

/** A browser signed in with the sign-in form (the test accounts' password is `<handle>-password` unless given). */
export async function signedInAs(origin: string, handle: string, password = `${handle}-password`): Promise<WebClient> {
  const web = new WebClient(origin);
  const res = await web.post("/signin", { handle, password }, { csrfFrom: "/signin" });
  if (res.status !== 303) throw new Error(`signing in as ${handle} answered ${res.status}`);
  return web;
}
