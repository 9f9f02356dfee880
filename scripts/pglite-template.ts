// Writes the PGlite data-directory template (src/store/pglite-template.ts) for the
// installed PGlite version, and removes those of other versions. Run it after changing
// the PGlite version: `npm run pglite-template`.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { installedPGliteVersion, PGLITE_TEMPLATE_DIR, pgliteTemplateFile } from "../src/store/pglite-template.ts";

const version = installedPGliteVersion();
// In memory: PGlite's initdb, nothing else; a data directory holds no start parameters.
const pglite = await PGlite.create();
const dump = await pglite.dumpDataDir("gzip");
await pglite.close();
mkdirSync(PGLITE_TEMPLATE_DIR, { recursive: true });
const file = pgliteTemplateFile(version);
writeFileSync(file, new Uint8Array(await dump.arrayBuffer()));
for (const name of readdirSync(PGLITE_TEMPLATE_DIR)) if (join(PGLITE_TEMPLATE_DIR, name) !== file) rmSync(join(PGLITE_TEMPLATE_DIR, name));
console.log(`wrote ${file} (${dump.size} bytes) for PGlite ${version}`);
