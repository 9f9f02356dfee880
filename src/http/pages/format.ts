import { describeActors, type ActorLabel } from "../../community/actors.ts";
import type { AppContext } from "../../context.ts";
import { formatFraction, type Quorum, type RatificationRule } from "../../governance/index.ts";
import { en, type MessageKey } from "./messages/index.ts";
import type { Translate } from "./render.ts";

// What the page modules share: times, quorums, people and words for values. They build
// plain data; the templates (views/*.eta) turn it into HTML.

/** A time as a page shows it: an ISO value for <time datetime> and its text, to the minute, in UTC. */
export interface TimeView {
  iso: string;
  text: string;
}

export function timeOf(at: string | Date | null | undefined): TimeView | null {
  if (!at) return null;
  const iso = typeof at === "string" ? at : at.toISOString();
  return { iso, text: `${iso.slice(0, 16).replace("T", " ")} UTC` };
}

/** A time as plain text (for a sentence), or "–". */
export function timeText(t: Translate, at: string | Date | null | undefined): string {
  return timeOf(at)?.text ?? t("time.none");
}

/** The translation of `prefix.value` when the catalogue has it, else the value itself. */
export function word(t: Translate, prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return key in en ? t(key as MessageKey) : value;
}

export function quorumText(t: Translate, q: Quorum | null | undefined): string {
  if (!q) return t("time.none");
  return q.kind === "count" ? t("quorum.count", { count: q.count }) : t("quorum.share", { share: formatFraction(q.share) });
}

/** A confederation's ratification rule in words. */
export function ratificationRuleText(t: Translate, rule: RatificationRule): string {
  switch (rule.kind) {
    case "unanimity":
    case "majority":
      return t(`rule.${rule.kind}`);
    case "supermajority":
    case "weighted":
      return t(`rule.${rule.kind}`, { fraction: formatFraction(rule.fraction) });
    case "double-majority":
      return t("rule.double-majority", { bodies: formatFraction(rule.bodies), people: formatFraction(rule.people) });
  }
}

/** A person or body as the person partial shows it. */
export type PersonView = ActorLabel & { label: string };

/** Names actor URIs for the pages: handle (or name) and a link to their profile. */
export async function peopleNamer(app: AppContext, t: Translate, uris: Iterable<string>): Promise<(uri: string) => PersonView> {
  const describe = await describeActors(app, uris);
  return (uri) => {
    const a = describe(uri);
    const label = a.handle ?? a.name ?? (a.host ? t("person.someoneOn", { host: a.host }) : t("person.someone"));
    return { ...a, label };
  };
}

/** `value` when it is an http(s) URL a page may link to (never `javascript:` or the like), else null. */
export function httpUrl(value: unknown): string | null {
  if (typeof value !== "string" || !URL.canParse(value)) return null;
  const u = new URL(value);
  return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
}
