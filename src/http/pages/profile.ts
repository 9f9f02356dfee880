import type { FastifyInstance } from "fastify";
import { findActorByHandle, isBody, type ActorRow } from "../../community/actors.ts";
import { bodiesOf, listMembers } from "../../community/memberships.ts";
import type { AppContext } from "../../context.ts";
import { memberBodies } from "../../decisions/confederation/members.ts";
import { readBodyRecord } from "../../decisions/index.ts";
import type { BodyState } from "../../governance/index.ts";
import { actorUri } from "../../shared/uris.ts";
import { membershipBox } from "./body-acts.ts";
import { bodyNav } from "./body-nav.ts";
import { mandateActors, mandateView, proposalPath, referralSummary } from "./body-views.ts";
import { peopleNamer, word } from "./format.ts";
import { translator } from "./messages/index.ts";
import { recordEntries } from "./record-entries.ts";
import { sendFailurePage, sendPage, viewerOf } from "./render.ts";

const t = translator();

/** How many record entries a body's page shows; the rest are on /@handle/record. */
const RECENT = 10;

async function bodySections(app: AppContext, actor: ActorRow, viewer: string | null) {
  const recorded = await readBodyRecord(app, viewer, actor.handle, { limit: RECENT });
  const state: BodyState | null = recorded.ok ? recorded.value.state : null;
  const isConfederation = actor.kind === "confederation";
  const members = isConfederation ? [] : await listMembers(app, actor.handle).then((r) => (r.ok ? r.value : []));
  const weights = isConfederation ? await memberBodies(app, actor.id) : [];
  const mandates = state ? [...state.mandates.values()].reverse() : [];
  const referrals = state ? [...state.referrals.values()].reverse() : [];
  const ratifications = state ? [...state.proposals.values()].filter((p) => p.kind === "ratification").reverse() : [];
  const confederations = state ? [...state.confederations] : [];
  const name = await peopleNamer(app, t, [
    ...members.map((m) => m.uri),
    ...weights.map((w) => w.body),
    ...mandates.flatMap(mandateActors),
    ...confederations,
    ...ratifications.map((p) => String((p.payload as { confederation?: unknown } | null)?.confederation ?? "")),
  ]);
  return {
    nav: bodyNav(t, actor.handle, actor.name, null),
    isConfederation,
    members: members.map((m) => ({ ...name(m.uri), label: m.name || name(m.uri).label, handle: name(m.uri).handle })),
    memberBodies: weights.map((w) => ({ body: name(w.body), weight: t("profile.weight", { count: w.members }) })),
    mandates: state ? mandates.map((m) => mandateView(app, t, actor.handle, state, m, name)) : [],
    confederations: confederations.map(name),
    ratifications: ratifications.map((p) => ({
      title: p.title,
      href: proposalPath(app, actor.handle, p.id),
      status: word(t, "status", p.status),
      confederation: name(String((p.payload as { confederation?: unknown } | null)?.confederation ?? "")),
    })),
    referrals: referrals.map((r) => referralSummary(app, t, actor.handle, r)),
    record: recorded.ok ? await recordEntries(app, t, actor.handle, state, recorded.value.events) : [],
    recordReadable: recorded.ok,
    recordClosed: recorded.ok ? null : t(viewer === null ? "profile.recordSignIn" : "profile.recordMembersOnly"),
    moreRecord: recorded.ok && recorded.value.next !== null,
  };
}

/** An actor's profile page (/@handle); a body's also shows its members, delegates, confederations and latest record. */
export function profilePage(app: AppContext) {
  const origin = app.config.publicOrigin;
  return async (f: FastifyInstance) => {
    f.get<{ Params: { handle: string } }>("/@:handle", async (req, reply) => {
      const actor = await findActorByHandle(app, req.params.handle);
      if (actor?.kind === "instance") return reply.redirect("/", 303);
      if (!actor) return sendFailurePage(app, req, reply, { code: "not-found" }, t("page.noSuchHandle"));
      if (actor.deleted_at) {
        return sendPage(app, req, reply, "message", { title: `@${actor.handle}`, message: t("profile.deleted"), linkHref: "/", linkText: t("nav.home") }, 410);
      }
      const uri = actorUri(origin, actor.id).href;
      const body = isBody(actor) ? await bodySections(app, actor, viewerOf(app, req)) : null;
      const bodies = body ? [] : await bodiesOf(app, uri);
      const membership = body ? await membershipBox(app, req.actorId, actor.handle) : null;
      return sendPage(app, req, reply, "profile", {
        membership,
        title: `${actor.name} (@${actor.handle})`,
        links: [{ rel: "alternate", type: "application/activity+json", href: uri }],
        actor: {
          handle: actor.handle,
          name: actor.name,
          summary: actor.summary,
          kind: word(t, "kind", actor.kind),
          approvesFollowers: actor.manually_approves_followers,
        },
        body,
        bodies: bodies.map((b) => ({ handle: b.handle, name: b.name, kind: word(t, "kind", b.kind) })),
      });
    });
  };
}
