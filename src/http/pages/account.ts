import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { changePassword, isThrottled, signIn } from "../../community/accounts.ts";
import { createAccount } from "../../community/actors.ts";
import { signupMode } from "../../community/settings.ts";
import { endSession, listSessions } from "../../community/sessions.ts";
import type { SignupMode } from "../../config.ts";
import type { AppContext } from "../../context.ts";
import { deleteAccount } from "../../decisions/index.ts";
import type { TokenIssuer } from "../auth.ts";
import { type FieldErrors, sendPage } from "./render.ts";
import { translator } from "./messages/index.ts";
import { clearBrowserSession, pageSessionId, startBrowserSession } from "./web-session.ts";
import { failureInWords, formFields, requireSignedIn, safeNext } from "./forms.ts";

const t = translator();

/** Signing up, in and out from the browser, and one's account: sessions and password. */
export function accountPages(app: AppContext, tokens: TokenIssuer) {
  // The sign-up mode: SIGNUP, unless an administrator changed it (/admin/settings).
  const currentMode = () => signupMode(app);
  // Sign-in and sign-up pages: a handful of tries per minute per address, as the API.
  const limited = { config: { rateLimit: { max: 20, timeWindow: "1 minute" } } };

  return async (f: FastifyInstance) => {
    const signInForm = async (req: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: FieldErrors, formError: string | null, status = 200) =>
      sendPage(
        app,
        req,
        reply,
        "signin",
        { title: t("signIn.title"), values, errors, formError, next: safeNext(values.next), signupOpen: (await currentMode()) !== "closed" },
        status,
      );

    f.get("/signin", async (req, reply) => {
      const next = safeNext((req.query as Record<string, unknown>).next);
      return signInForm(req, reply, { handle: "", next }, {}, null);
    });

    f.post("/signin", { ...limited, preHandler: f.csrfProtection }, async (req, reply) => {
      const form = formFields(req, ["handle", "password", "next"]);
      const errors: FieldErrors = {};
      if (!form.handle) errors.handle = `${t("signIn.handle")}: ${t("form.required")}`;
      if (!form.password) errors.password = `${t("signIn.password")}: ${t("form.required")}`;
      if (Object.keys(errors).length) return signInForm(req, reply, form, errors, null, 400);
      const result = await signIn(app, form.handle, form.password);
      if (isThrottled(result)) {
        reply.header("retry-after", String(result.retryAfterSeconds));
        return signInForm(req, reply, form, {}, t("form.tooMany", { minutes: Math.ceil(result.retryAfterSeconds / 60) }), 429);
      }
      if (!result.ok) return signInForm(req, reply, form, {}, t("signIn.wrong"), 401);
      await startBrowserSession(app, tokens, req, reply, result.value.id);
      return reply.redirect(safeNext(form.next) || "/me", 303);
    });

    f.post("/signout", { preHandler: f.csrfProtection }, async (req, reply) => {
      const session = pageSessionId(req);
      if (req.actorId && session) await endSession(app, req.actorId, session);
      clearBrowserSession(app, reply);
      return reply.redirect("/", 303);
    });

    const signUpForm = (req: FastifyRequest, reply: FastifyReply, mode: SignupMode, values: Record<string, string>, errors: FieldErrors, status = 200) =>
      sendPage(app, req, reply, "signup", { title: t("signUp.title"), mode, values, errors }, status);

    f.get("/signup", async (req, reply) => signUpForm(req, reply, await currentMode(), { invitation: String((req.query as Record<string, unknown>).invitation ?? "") }, {}));

    f.post("/signup", { ...limited, preHandler: f.csrfProtection }, async (req, reply) => {
      const mode = await currentMode();
      if (mode === "closed") return signUpForm(req, reply, mode, {}, {}, 403);
      const form = formFields(req, ["handle", "name", "password", "invitation"]);
      const errors: FieldErrors = {};
      if (!form.handle) errors.handle = `${t("signUp.handle")}: ${t("form.required")}`;
      if (!form.password) errors.password = `${t("signUp.password")}: ${t("form.required")}`;
      if (mode === "invitation" && !form.invitation) errors.invitation = `${t("signUp.invitation")}: ${t("form.required")}`;
      if (Object.keys(errors).length) return signUpForm(req, reply, mode, form, errors, 400);
      const created = await createAccount(app, {
        handle: form.handle,
        password: form.password,
        name: form.name,
        ...(mode === "invitation" ? { invitation: form.invitation } : {}),
      });
      if (!created.ok) {
        // Shown next to the field at fault, in the catalogue's words for the service's reason.
        const field = created.error.field && created.error.field in form ? created.error.field : "handle";
        return signUpForm(req, reply, mode, form, { [field]: await failureInWords(app, created.error) }, created.error.code === "conflict" ? 409 : 400);
      }
      await startBrowserSession(app, tokens, req, reply, created.value.id);
      return reply.redirect("/me", 303);
    });

    const accountPage = async (req: FastifyRequest, reply: FastifyReply, passwordErrors: FieldErrors = {}, status = 200, deleteErrors: FieldErrors = {}) => {
      const current = pageSessionId(req);
      const sessions = (await listSessions(app, req.actorId!)).map((s) => ({
        id: s.id,
        label: s.label,
        current: s.id === current,
        createdAt: s.createdAt.toISOString().slice(0, 16).replace("T", " "),
        lastUsedAt: s.lastUsedAt.toISOString().slice(0, 16).replace("T", " "),
      }));
      return sendPage(app, req, reply, "account", { title: t("account.title"), sessions, passwordErrors, deleteErrors }, status);
    };

    f.get("/account", { preHandler: requireSignedIn }, async (req, reply) => accountPage(req, reply));

    f.post("/account/password", { ...limited, preHandler: [requireSignedIn, f.csrfProtection] }, async (req, reply) => {
      const form = formFields(req, ["currentPassword", "newPassword"]);
      const result = await changePassword(app, req.actorId!, pageSessionId(req), form.currentPassword, form.newPassword);
      if (isThrottled(result)) {
        reply.header("retry-after", String(result.retryAfterSeconds));
        return accountPage(req, reply, { currentPassword: t("form.tooMany", { minutes: Math.ceil(result.retryAfterSeconds / 60) }) }, 429);
      }
      if (!result.ok) {
        const field = result.error.code === "invalid" ? "newPassword" : "currentPassword";
        const words = field === "currentPassword" ? t("account.wrongPassword") : await failureInWords(app, result.error);
        return accountPage(req, reply, { [field]: words }, result.error.code === "invalid" ? 400 : 403);
      }
      return reply.redirect("/account?done=password-changed", 303);
    });

    f.post("/account/delete", { ...limited, preHandler: [requireSignedIn, f.csrfProtection] }, async (req, reply) => {
      const form = formFields(req, ["confirmPassword"]);
      if (!form.confirmPassword) return accountPage(req, reply, {}, 400, { confirmPassword: `${t("account.deleteConfirm")}: ${t("form.required")}` });
      const result = await deleteAccount(app, req.actorId!, form.confirmPassword);
      if (isThrottled(result)) {
        reply.header("retry-after", String(result.retryAfterSeconds));
        return accountPage(req, reply, {}, 429, { confirmPassword: t("form.tooMany", { minutes: Math.ceil(result.retryAfterSeconds / 60) }) });
      }
      if (!result.ok) return accountPage(req, reply, {}, 403, { confirmPassword: t("account.wrongPassword") });
      clearBrowserSession(app, reply);
      return reply.redirect("/?done=account-deleted", 303);
    });

    f.post<{ Params: { id: string } }>("/account/sessions/:id/end", { preHandler: [requireSignedIn, f.csrfProtection] }, async (req, reply) => {
      await endSession(app, req.actorId!, req.params.id);
      return reply.redirect("/account?done=session-ended", 303);
    });
  };
}
