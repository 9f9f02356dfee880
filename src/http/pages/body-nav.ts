import type { Translate } from "./render.ts";

/** The links between a body's pages, for the body-nav partial. */
export function bodyNav(t: Translate, handle: string, name: string, current: "profile" | "proposals" | "decisions" | "record" | null) {
  const links = [
    { key: "proposals", href: `/@${handle}/proposals`, text: t("profile.proposals") },
    { key: "decisions", href: `/@${handle}/decisions`, text: t("profile.decisions") },
    { key: "record", href: `/@${handle}/record`, text: t("profile.record") },
  ];
  return { handle, name, current, links: links.map((l) => ({ ...l, current: l.key === current })) };
}
