// Every word the pages show, in one catalogue, so the app can be translated: a new
// language is another catalogue with the same keys. Each part of the app keeps its words in
// its own file here; `{name}` in a message is filled in by `t(key, { name })`, and the
// template escapes the result like any other text.

import { account } from "./account.ts";
import { acts } from "./acts.ts";
import { admin } from "./admin.ts";
import { bodies } from "./bodies.ts";
import { common } from "./common.ts";
import { founding } from "./founding.ts";
import { notifications } from "./notifications.ts";
import { oauth } from "./oauth.ts";
import { record } from "./record.ts";
import { refusals } from "./refusals.ts";

export const en = { ...common, ...account, ...acts, ...bodies, ...notifications, ...admin, ...record, ...founding, ...oauth, ...refusals } as const;

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
