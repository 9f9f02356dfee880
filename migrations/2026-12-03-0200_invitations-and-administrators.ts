import { sql, type Kysely } from "kysely";

// Signing up by invitation: an administrator makes a code, a new account uses it once.
// Administrators: accounts that may run the instance's operator pages; the first one is
// made with the CLI (`folkmoot account create --admin`).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("accounts")
    .addColumn("is_admin", "boolean", (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema
    .createTable("invitations")
    .addColumn("code", "text", (c) => c.primaryKey())
    .addColumn("created_by", "text", (c) => c.references("actors.id").onDelete("set null"))
    .addColumn("note", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_by", "text", (c) => c.references("actors.id").onDelete("set null"))
    .addColumn("used_at", "timestamptz")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("invitations").execute();
  await db.schema.alterTable("accounts").dropColumn("is_admin").execute();
}
