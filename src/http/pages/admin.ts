import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { listBodies } from "../../community/actors.ts";
import { ACCOUNT_LIST_LIMIT, countAccounts, listAccounts, setAdministrator } from "../../community/administrators.ts";
import { countOpenInvitations, createInvitation, invitationStatus, isAdministrator, listInvitations, signupUrl, withdrawInvitation } from "../../community/invitations.ts";
import { listRemoteOrigins, type RemoteOriginState } from "../../community/origin-limits.ts";
import type { AppContext } from "../../context.ts";
import { setSignupMode, signupSetting } from "../../community/settings.ts";
import type { SignupMode } from "../../config.ts";
import { removeRemoteOrigin } from "../../decisions/index.ts";
import { profileUrl } from "../../shared/uris.ts";
import { formFields, requireSignedIn } from "./forms.ts";
import { failureWords, type MessageKey, translator } from "./messages/index.ts";
import { type FieldErrors, sendPage } from "./render.ts";

const t = translator();

/** The sections of the operator pages, in the order of their menu. */
const SECTIONS = [
  { path: "/admin", key: "admin.nav.overview" },
  { path: "/admin/invitations", key: "admin.nav.invitations" },
  { path: "/admin/accounts", key: "admin.nav.accounts" },
  { path: "/admin/bodies", key: "admin.nav.bodies" },
  { path: "/admin/settings", key: "admin.nav.settings" },
  { path: "/admin/remote", key: "admin.nav.remote" },
] as const satisfies readonly { path: string; key: MessageKey }[];

const minute = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** A count of things per body handle, as `[handle, count]` pairs, most first. */
const perBody = (counts: Record<string, number> | undefined) => Object.entries(counts ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
const sum = (counts: Record<string, number> | undefined) => Object.values(counts ?? {}).reduce((a, b) => a + b, 0);

/**
 * The instance's operator pages, for administrators only: anyone else signed in gets a
 * 403 page, and someone not signed in is sent to sign in first. Every action is a form
 * POST with its CSRF token; a refused input is shown at its field and nothing is saved.
 */
export function adminPages(app: AppContext) {
  const modeText = (mode: SignupMode) => t(`admin.signup.${mode}`);

  /** preHandler (after requireSignedIn): administrators only. */
  const requireAdmin = async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.actorId && (await isAdministrator(app, req.actorId))) return;
    return sendPage(app, req, reply, "message", { title: t("admin.forbidden.title"), message: t("admin.forbidden.message"), linkHref: "/", linkText: t("nav.home") }, 403);
  };

  /** Renders one section of the operator pages (with its menu). */
  const section = (req: FastifyRequest, reply: FastifyReply, view: string, path: (typeof SECTIONS)[number]["path"], data: Record<string, unknown>, status = 200) => {
    const here = SECTIONS.find((s) => s.path === path)!;
    const title = path === "/admin" ? t("admin.title") : t(here.key);
    const nav = SECTIONS.map((s) => ({ href: s.path, label: t(s.key), current: s.path === path }));
    return sendPage(app, req, reply, view, { title, nav, formError: null, errors: {}, ...data }, status);
  };

  return async (f: FastifyInstance) => {
    const read = { preHandler: [requireSignedIn, requireAdmin] };
    const act = { preHandler: [requireSignedIn, requireAdmin, f.csrfProtection] };

    f.get("/admin", read, async (req, reply) => {
      const [signup, counts, bodies, invitations, origins] = await Promise.all([
        signupSetting(app),
        countAccounts(app),
        listBodies(app),
        countOpenInvitations(app),
        listRemoteOrigins(app.db, app.config.publicOrigin),
      ]);
      return section(req, reply, "admin-overview", "/admin", {
        lines: [
          { href: "/admin/accounts", text: t("admin.overview.accounts", { count: counts.accounts, admins: counts.administrators }) },
          { href: "/admin/bodies", text: t("admin.overview.bodies", { count: bodies.length }) },
          { href: "/admin/invitations", text: t("admin.overview.invitations", { count: invitations }) },
          { href: "/admin/settings", text: t("admin.overview.signup", { mode: modeText(signup.mode) }) },
          { href: "/admin/remote", text: t("admin.overview.remote", { count: origins.length }) },
        ],
      });
    });

    // Invitations.
    const invitationsPage = async (req: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: FieldErrors, formError: string | null, status = 200) => {
      const now = new Date();
      const invitations = (await listInvitations(app)).map((i) => {
        const status = invitationStatus(i, now);
        return {
          code: i.code,
          note: i.note,
          status,
          statusText: t(`admin.invitations.status.${status}`),
          made: minute(i.createdAt),
          expires: minute(i.expiresAt),
          usedAt: i.usedAt ? minute(i.usedAt) : null,
          usedBy: i.usedByHandle ?? null,
          url: status === "open" ? signupUrl(app.config.publicOrigin, i.code).href : null,
        };
      });
      const { mode } = await signupSetting(app);
      const notNeeded = mode === "invitation" ? null : t("admin.invitations.notNeeded", { mode: modeText(mode) });
      return section(req, reply, "admin-invitations", "/admin/invitations", { invitations, values, errors, formError, notNeeded }, status);
    };

    f.get("/admin/invitations", read, async (req, reply) => invitationsPage(req, reply, { note: "", days: "14" }, {}, null));

    f.post("/admin/invitations", act, async (req, reply) => {
      const form = formFields(req, ["note", "days"]);
      const errors: FieldErrors = {};
      const days = /^\d{1,4}$/.test(form.days) ? Number(form.days) : Number.NaN;
      if (!(days >= 1 && days <= 365)) errors.days = t("admin.invitations.daysInvalid");
      if (form.note.length > 200) errors.note = t("admin.invitations.noteTooLong");
      if (Object.keys(errors).length) return invitationsPage(req, reply, form, errors, null, 400);
      const made = await createInvitation(app, { createdBy: req.actorId!, note: form.note, days });
      if (!made.ok) {
        const field = made.error.field === "note" ? "note" : "days";
        return invitationsPage(req, reply, form, { [field]: field === "note" ? t("admin.invitations.noteTooLong") : t("admin.invitations.daysInvalid") }, null, 400);
      }
      return reply.redirect(`/admin/invitations?done=invitation-made#inv-${encodeURIComponent(made.value.code)}`, 303);
    });

    f.post<{ Params: { code: string } }>("/admin/invitations/:code/withdraw", act, async (req, reply) => {
      const done = await withdrawInvitation(app, req.params.code);
      if (!done.ok) return invitationsPage(req, reply, { note: "", days: "14" }, {}, t("admin.invitations.gone"), 404);
      return reply.redirect("/admin/invitations?done=invitation-withdrawn", 303);
    });

    // Accounts and administrators.
    const accountsPage = async (req: FastifyRequest, reply: FastifyReply, formError: string | null, status = 200) => {
      const accounts = (await listAccounts(app)).map((a) => ({
        handle: a.handle,
        name: a.name,
        joined: minute(a.createdAt),
        admin: a.admin,
        you: a.id === req.actorId,
      }));
      const truncated = accounts.length >= ACCOUNT_LIST_LIMIT ? t("admin.accounts.truncated", { count: ACCOUNT_LIST_LIMIT }) : null;
      return section(req, reply, "admin-accounts", "/admin/accounts", { accounts, formError, truncated }, status);
    };

    f.get("/admin/accounts", read, async (req, reply) => accountsPage(req, reply, null));

    for (const [action, admin] of [
      ["grant", true],
      ["revoke", false],
    ] as const) {
      f.post<{ Params: { handle: string } }>(`/admin/accounts/:handle/${action}`, act, async (req, reply) => {
        const handle = req.params.handle;
        const done = await setAdministrator(app, handle, admin);
        if (!done.ok) {
          const message = done.error.code === "conflict" ? t("admin.accounts.lastAdmin", { handle }) : t("admin.accounts.noSuch", { handle });
          return accountsPage(req, reply, message, done.error.code === "conflict" ? 409 : 404);
        }
        // Who gave up their own rights has nothing more to do here.
        if (!admin && !(await isAdministrator(app, req.actorId!))) return reply.redirect("/account?done=admin-revoked", 303);
        return reply.redirect(`/admin/accounts?done=${admin ? "admin-granted" : "admin-revoked"}`, 303);
      });
    }

    // Bodies.
    f.get("/admin/bodies", read, async (req, reply) => {
      const bodies = (await listBodies(app)).map((b) => ({
        handle: b.handle,
        name: b.name,
        href: profileUrl(app.config.publicOrigin, b.handle).pathname,
        kind: t(`admin.bodies.kind.${b.kind as "assembly" | "council" | "committee" | "confederation"}`),
        members: b.members,
        admission: t(`admin.bodies.admission.${b.admission}`),
        approvesFollowers: b.manually_approves_followers,
      }));
      return section(req, reply, "admin-bodies", "/admin/bodies", { bodies });
    });

    // Settings: the environment's (src/config.ts), and the sign-up mode, which an
    // administrator may change here (stored in the database; "default" goes back to SIGNUP).
    const settingsPage = async (req: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: FieldErrors, status = 200) => {
      const signup = await signupSetting(app);
      return section(
        req,
        reply,
        "admin-settings",
        "/admin/settings",
        {
          settings: [
            { label: t("admin.settings.name"), value: app.config.instanceName, variable: "INSTANCE_NAME", note: t("admin.settings.nameDefault") },
            { label: t("admin.settings.origin"), value: app.config.publicOrigin.origin, variable: "PUBLIC_ORIGIN", note: null },
          ],
          signupNow: modeText(signup.mode),
          signupSource: signup.stored ? t("admin.settings.signupStored") : t("admin.settings.signupFromEnvironment"),
          signupOptions: [
            ["default", t("admin.settings.signupDefault", { mode: modeText(signup.environment) })],
            ...(["open", "invitation", "closed"] as const).map((m) => [m, modeText(m)]),
          ],
          values: { signup: values.signup ?? signup.stored ?? "default" },
          errors,
        },
        status,
      );
    };

    f.get("/admin/settings", read, async (req, reply) => settingsPage(req, reply, {}, {}));

    f.post("/admin/settings/signup", act, async (req, reply) => {
      const form = formFields(req, ["signup"]);
      const done = await setSignupMode(app, form.signup, req.actorId!);
      if (!done.ok) return settingsPage(req, reply, form, { signup: t("admin.settings.signupInvalid") }, 400);
      return reply.redirect("/admin/settings?done=settings-saved", 303);
    });

    // Other servers: what each remote origin holds here, and removing it.
    const remotePage = async (req: FastifyRequest, reply: FastifyReply, formError: string | null, status = 200) => {
      const origins = (await listRemoteOrigins(app.db, app.config.publicOrigin)).map((o: RemoteOriginState) => ({
        origin: o.origin,
        members: sum(o.openAdmissions),
        membersWhere: perBody(o.openAdmissions),
        follows: sum(o.pendingFollows),
        followsWhere: perBody(o.pendingFollows),
        // Requests to join a body, once origin-limits counts them per origin.
        joins: sum(o.pendingJoins),
        joinsWhere: perBody(o.pendingJoins),
      }));
      return section(req, reply, "admin-remote", "/admin/remote", { origins, formError }, status);
    };

    f.get("/admin/remote", read, async (req, reply) => remotePage(req, reply, null));

    f.post("/admin/remote/remove", act, async (req, reply) => {
      const { origin } = formFields(req, ["origin"]);
      const removed = origin ? await removeRemoteOrigin(app, origin) : null;
      if (!removed) return remotePage(req, reply, t("admin.remote.invalid"), 400);
      // The catalogue's words for the service's reason (or the core's refusal), never its English.
      if (!removed.ok && removed.error.code === "invalid") return remotePage(req, reply, failureWords(removed.error) ?? t("admin.remote.invalid"), 400);
      if (!removed.ok) return remotePage(req, reply, failureWords(removed.error) ?? t("admin.remote.failed", { origin }), 409);
      return reply.redirect("/admin/remote?done=origin-removed", 303);
    });
  };
}
