import type { AppContext } from "../context.ts";
import { ok, type Result, failWith } from "../shared/result.ts";
import { checkHandle } from "./actors.ts";

// Administrators: accounts that may use the operator pages (/admin). The first is made
// with the CLI (`folkmoot account create --admin`); after that an administrator makes
// others from the pages or with `folkmoot account admin`. The instance always keeps one.

/** A local account as the operator pages list it. */
export interface AccountSummary {
  id: string;
  handle: string;
  name: string;
  createdAt: Date;
  admin: boolean;
}

/** At most this many accounts are listed at once. */
export const ACCOUNT_LIST_LIMIT = 1000;

/** Local accounts, by handle (at most ACCOUNT_LIST_LIMIT). */
export async function listAccounts(ctx: Pick<AppContext, "db">): Promise<AccountSummary[]> {
  const rows = await ctx.db
    .selectFrom("accounts")
    .innerJoin("actors", "actors.id", "accounts.actor_id")
    .select(["actors.id", "actors.handle", "actors.name", "accounts.created_at", "accounts.is_admin"])
    .orderBy("actors.handle")
    .limit(ACCOUNT_LIST_LIMIT)
    .execute();
  return rows.map((r) => ({ id: r.id, handle: r.handle, name: r.name, createdAt: r.created_at, admin: r.is_admin }));
}

/** How many accounts there are, and how many of them are administrators. */
export async function countAccounts(ctx: Pick<AppContext, "db">): Promise<{ accounts: number; administrators: number }> {
  const row = await ctx.db
    .selectFrom("accounts")
    .select((eb) => [eb.fn.countAll<string>().as("all"), eb.fn.count<string>("is_admin").filterWhere("is_admin", "=", true).as("admins")])
    .executeTakeFirstOrThrow();
  return { accounts: Number(row.all), administrators: Number(row.admins) };
}

/**
 * Makes the account `handle` an administrator, or revokes it. Revoking the last
 * administrator is refused: the administrators' rows are locked first, so two
 * administrators revoking each other at once cannot leave none.
 */
export async function setAdministrator(ctx: Pick<AppContext, "db">, handleInput: string, admin: boolean): Promise<Result<{ handle: string; admin: boolean; changed: boolean }>> {
  const handle = checkHandle(handleInput);
  if (!handle.ok) return handle;
  return ctx.db.transaction().execute(async (trx) => {
    const account = await trx
      .selectFrom("accounts")
      .innerJoin("actors", "actors.id", "accounts.actor_id")
      .select(["accounts.actor_id", "accounts.is_admin"])
      .where("actors.handle", "=", handle.value)
      .executeTakeFirst();
    if (!account) return failWith("not-found", "no-such-account", `no local account "${handle.value}"`, { field: "handle" });
    if (account.is_admin === admin) return ok({ handle: handle.value, admin, changed: false });
    if (!admin) {
      const admins = await trx.selectFrom("accounts").select("actor_id").where("is_admin", "=", true).forUpdate().execute();
      if (admins.length <= 1) return failWith("conflict", "last-administrator", "this is the last administrator: make another administrator first", { field: "handle" });
    }
    await trx.updateTable("accounts").set({ is_admin: admin }).where("actor_id", "=", account.actor_id).execute();
    return ok({ handle: handle.value, admin, changed: true });
  });
}
