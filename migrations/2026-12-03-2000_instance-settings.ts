import { sql, type Kysely } from "kysely";

// Instance settings an administrator changes from the operator pages (/admin/settings).
// A key without a row follows the server's environment (src/config.ts): today only
// `signup`, whose default is SIGNUP.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("instance_settings")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_by", "text", (c) => c.references("actors.id").onDelete("set null"))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("instance_settings").execute();
}
