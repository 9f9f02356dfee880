import type { Translate } from "./render.ts";

// Long lists on a page (a proposal's reasons, replies and history) are shown a page at a
// time, with links to the pages before and after, so that a proposal with a thousand
// votes stays a light page that a phone loads quickly.

export interface Pager<T> {
  items: T[];
  total: number;
  /** "Page 2 of 5", when there is more than one. */
  pageOf: string | null;
  previous: string | null;
  next: string | null;
}

/** The 1-based page asked for in the query parameter `param`, 1 when absent or not a number. */
export function pageAsked(query: unknown, param: string): number {
  const raw = (query as Record<string, unknown> | null)?.[param];
  const n = typeof raw === "string" && /^\d{1,6}$/.test(raw) ? Number(raw) : 1;
  return Math.max(1, n);
}

/** Page `page` of `all` (the last page when asked beyond it), with links `?param=N#anchor`. */
export function pageOf<T>(t: Translate, all: readonly T[], page: number, perPage: number, param: string, anchor: string): Pager<T> {
  const pages = Math.max(1, Math.ceil(all.length / perPage));
  const shown = Math.min(page, pages);
  const link = (n: number) => (n === 1 ? `?#${anchor}` : `?${param}=${n}#${anchor}`);
  return {
    items: all.slice((shown - 1) * perPage, shown * perPage),
    total: all.length,
    pageOf: pages > 1 ? t("pager.pageOf", { page: shown, pages }) : null,
    previous: shown > 1 ? link(shown - 1) : null,
    next: shown < pages ? link(shown + 1) : null,
  };
}
