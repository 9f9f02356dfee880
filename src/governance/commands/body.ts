import { checkBodyEvent, type BodyState } from "../body.ts";
import { defaultBylaws, type BodyKind, type Bylaws } from "../bylaws.ts";
import type { BodyEvent } from "../events.ts";
import type { CommandResult } from "../result.ts";
import type { Instant } from "../time.ts";
import { assertNow } from "./emit.ts";

function emitBody(state: BodyState | null, event: BodyEvent): CommandResult {
  const problem = checkBodyEvent(state, event);
  if (problem !== null) return { ok: false, reason: problem };
  return { ok: true, events: [event], effects: [] };
}

/** Founds a body with its first bylaws (defaults if none given) and its first members. */
export function foundBody(
  input: {
    readonly body: string;
    readonly actor: string;
    readonly kind: BodyKind;
    readonly name: string;
    readonly bylaws?: Bylaws;
    /** Defaults to the founder alone. */
    readonly members?: readonly string[];
  },
  now: Instant,
): CommandResult {
  assertNow(now);
  return emitBody(null, {
    type: "body-founded",
    at: now,
    body: input.body,
    actor: input.actor,
    kind: input.kind,
    name: input.name,
    bylaws: input.bylaws ?? defaultBylaws(input.kind),
    members: input.members ?? [input.actor],
  });
}

/** Joins a body whose admission is `open`; otherwise refused with `admission-by-decision`. */
export function joinBody(body: BodyState, input: { readonly actor: string }, now: Instant): CommandResult {
  assertNow(now);
  return emitBody(body, { type: "member-joined", at: now, body: body.id, actor: input.actor });
}

/** Leaves a body; always allowed to a member. Rolls already frozen keep the member. */
export function leaveBody(body: BodyState, input: { readonly actor: string }, now: Instant): CommandResult {
  assertNow(now);
  return emitBody(body, { type: "member-left", at: now, body: body.id, actor: input.actor });
}
