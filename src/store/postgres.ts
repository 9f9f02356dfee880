import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { Database, StoreLogger } from "./database.ts";
import { PgListener } from "./pg-listener.ts";
import { prepareRepeated, StatementNames } from "./prepared-statements.ts";
import type { Schema } from "./schema.ts";

/** PostgreSQL through a `pg` pool; fails at once when the server cannot be reached. */
export async function openPostgres(url: string, poolSize: number, logger: StoreLogger): Promise<Database> {
  const describe = `PostgreSQL at ${describePostgresUrl(url)}`;
  const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: "folkmoot" });
  // Without a listener an idle client's error (e.g. server restart) crashes the process.
  pool.on("error", (err) => logger.warn({ err }, "idle PostgreSQL connection failed"));
  // Statements sent over and over are parsed and planned once per connection (prepared-statements.ts).
  const names = new StatementNames();
  pool.on("connect", (client) => prepareRepeated(client, names));
  try {
    await pool.query("select 1");
  } catch (err) {
    await pool.end().catch(() => {});
    throw new Error(`Cannot connect to ${describe}: ${(err as Error).message}`, { cause: err });
  }
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  const listener = new PgListener(url, logger);
  let closing: Promise<void> | undefined;
  return {
    db,
    kind: "postgres",
    describe,
    listen: (channel, onNotify) => listener.add(channel, onNotify),
    notify: async (channel, payload) => {
      await sql`select pg_notify(${channel}, ${payload})`.execute(db);
    },
    close: () =>
      (closing ??= (async () => {
        await listener.close();
        await db.destroy();
      })()),
  };
}

/** `host:port/database` of a PostgreSQL URL, without user or password. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get("host") || "localhost";
    const port = u.port || "5432";
    const database = decodeURIComponent(u.pathname.replace(/^\//, "")) || decodeURIComponent(u.username) || "postgres";
    return `${host}:${port}/${database}`;
  } catch {
    return "(unparseable URL)";
  }
}
