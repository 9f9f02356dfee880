import type { Kysely } from "kysely";

// The bylaws a body was created with (a template, or bylaws given in full), as JSON, kept
// until its record of decisions starts: a body the operator creates has no members yet,
// and its record starts with these bylaws when it is founded (null: the defaults of its kind).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("actors").addColumn("founding_bylaws", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("actors").dropColumn("founding_bylaws").execute();
}
