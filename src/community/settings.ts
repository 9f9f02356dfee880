import type { SignupMode } from "../config.ts";
import type { AppContext } from "../context.ts";
import { ok, type Result, failWith } from "../shared/result.ts";

// Settings an administrator may change while the instance runs, kept in the database so
// every process agrees. Without a stored value a setting follows the environment
// (src/config.ts), which stays its default.

const SIGNUP_MODES = ["open", "invitation", "closed"] as const satisfies readonly SignupMode[];

/** The sign-up mode in force, the one an administrator stored (if any) and the environment's (SIGNUP). */
export interface SignupSetting {
  mode: SignupMode;
  stored: SignupMode | null;
  environment: SignupMode;
}

const isMode = (v: unknown): v is SignupMode => SIGNUP_MODES.includes(v as SignupMode);

export async function signupSetting(ctx: Pick<AppContext, "db" | "config">): Promise<SignupSetting> {
  const row = await ctx.db.selectFrom("instance_settings").select("value").where("key", "=", "signup").executeTakeFirst();
  const stored = isMode(row?.value) ? row.value : null;
  return { mode: stored ?? ctx.config.signup, stored, environment: ctx.config.signup };
}

/** Who may create an account from the website now. */
export async function signupMode(ctx: Pick<AppContext, "db" | "config">): Promise<SignupMode> {
  return (await signupSetting(ctx)).mode;
}

/** Stores the sign-up mode; `null` (or "default") goes back to the environment's. */
export async function setSignupMode(ctx: Pick<AppContext, "db" | "config">, mode: string | null, by: string | null): Promise<Result<SignupSetting>> {
  if (mode === null || mode === "default") {
    await ctx.db.deleteFrom("instance_settings").where("key", "=", "signup").execute();
  } else {
    if (!isMode(mode)) return failWith("invalid", "signup-mode-invalid", `sign-up is one of ${SIGNUP_MODES.join(", ")}, or default`, { field: "signup" });
    await ctx.db
      .insertInto("instance_settings")
      .values({ key: "signup", value: mode, updated_by: by })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value: mode, updated_at: new Date(), updated_by: by }))
      .execute();
  }
  return ok(await signupSetting(ctx));
}
