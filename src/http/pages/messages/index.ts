// Every word the pages show, in one catalogue, so the app can be translated: a new
// language is another catalogue with the same keys. Each part of the app keeps its words in
// its own file here; `{name}` in a message is filled in by `t(key, { name })`, and the
// template escapes the result like any other text.

import type { Reason } from "../../../shared/reasons.ts";
import type { Failure } from "../../../shared/result.ts";
import { account } from "./account.ts";
import { acts } from "./acts.ts";
import { admin } from "./admin.ts";
import { bodies } from "./bodies.ts";
import { common } from "./common.ts";
import { founding } from "./founding.ts";
import { notifications } from "./notifications.ts";
import { oauth } from "./oauth.ts";
import { record } from "./record.ts";
import { reasons } from "./reasons.ts";
import { refusals } from "./refusals.ts";
import { templates } from "./templates.ts";

export const en = { ...common, ...account, ...acts, ...bodies, ...notifications, ...admin, ...record, ...founding, ...oauth, ...refusals, ...reasons, ...templates } as const;

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;

const catalogues: Record<string, Messages> = { en };

/** A translator for one language (English when the language has no catalogue). */
export function translator(lang = "en"): (key: MessageKey, params?: Record<string, string | number>) => string {
  const messages = catalogues[lang] ?? en;
  return (key, params) => {
    const text = messages[key] ?? en[key];
    return params ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)) : text;
  };
}

/** True when the catalogue has words under `key`. */
export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

/** The catalogue's words for a service's reason code (`reason.<code>`, its blanks filled), or null when the catalogue lacks the code. */
export function reasonWords(reason: Reason | undefined, lang = "en"): string | null {
  if (reason === undefined) return null;
  const key = `reason.${reason.code}`;
  return isMessageKey(key) ? translator(lang)(key, reason.params as Record<string, string | number> | undefined) : null;
}

/** The catalogue's words for the governance core's refusal code (`refusal.<code>`), or null when it lacks them. */
export function refusalWords(code: string | undefined, lang = "en"): string | null {
  if (code === undefined) return null;
  const key = `refusal.${code}`;
  return isMessageKey(key) ? translator(lang)(key) : null;
}

/**
 * What a page says of a service's failure: the words of its reason code, else of the core's
 * refusal code; null when the failure carries no code the catalogue has (the caller then
 * words it by its kind, or, on a form, shows the service's own message as a last resort).
 */
export function failureWords(failure: Pick<Failure, "reason" | "refusal">, lang = "en"): string | null {
  return reasonWords(failure.reason, lang) ?? refusalWords(failure.refusal, lang);
}
