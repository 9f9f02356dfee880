// Writes the PGlite data-directory templates (src/store/pglite-template.ts) for the
// installed PGlite version, plain and with the migrations applied, and removes those of
// other versions. Run it after changing the PGlite version, and after adding migrations
// (a new data directory then applies fewer at its first start): `npm run pglite-template`.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Kysely } from "kysely";
import { migrateToLatest } from "../src/store/migrator.ts";
import { PGliteDialect } from "../src/store/pglite-dialect.ts";
import type { Schema } from "../src/store/schema.ts";
import { installedPGliteVersion, PGLITE_TEMPLATE_DIR, pgliteTemplateFile } from "../src/store/pglite-template.ts";

const version = installedPGliteVersion();
// In memory: PGlite's initdb, nothing else; a data directory holds no start parameters.
const pglite = await PGlite.create();
const dump = await pglite.dumpDataDir("gzip");
// Then the migrations, for the second template.
const db = new Kysely<Schema>({ dialect: new PGliteDialect({ pglite }) });
const { applied } = await migrateToLatest(db);
const migratedDump = await pglite.dumpDataDir("gzip");
await db.destroy();
mkdirSync(PGLITE_TEMPLATE_DIR, { recursive: true });
const file = pgliteTemplateFile(version);
const migratedFile = pgliteTemplateFile(version, true);
writeFileSync(file, new Uint8Array(await dump.arrayBuffer()));
writeFileSync(migratedFile, new Uint8Array(await migratedDump.arrayBuffer()));
for (const name of readdirSync(PGLITE_TEMPLATE_DIR)) if (![file, migratedFile].includes(join(PGLITE_TEMPLATE_DIR, name))) rmSync(join(PGLITE_TEMPLATE_DIR, name));
console.log(`wrote ${file} (${dump.size} bytes) for PGlite ${version}`);
console.log(`wrote ${migratedFile} (${migratedDump.size} bytes), ${applied.length} migrations applied, the last ${applied.at(-1)}`);
