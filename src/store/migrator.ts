import { readdir } from "node:fs/promises";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Kysely } from "kysely";
import { Migrator } from "kysely/migration";
import type { Migration, MigrationProvider } from "kysely/migration";

/** The top-level `migrations/` folder. */
export const migrationFolder = fileURLToPath(new URL("../../migrations/", import.meta.url));

const MIGRATION_NAME = /^\d{4}-\d{2}-\d{2}-\d{4}_[A-Za-z0-9_-]+$/;

/**
 * Loads `YYYY-MM-DD-HHMM_name.ts` files. A misnamed file is an error rather
 * than silently skipped or sorted into the wrong place.
 */
class FolderMigrationProvider implements MigrationProvider {
  readonly #folder: string;

  constructor(folder: string) {
    this.#folder = folder;
  }

  async getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {};
    for (const file of (await readdir(this.#folder)).sort()) {
      if (!/\.(ts|js|mts|mjs)$/.test(file) || /\.d\.m?ts$/.test(file)) continue;
      const name = file.replace(/\.[^.]+$/, "");
      if (!MIGRATION_NAME.test(name)) {
        throw new Error(`Migration file ${file} is not named YYYY-MM-DD-HHMM_name.ts`);
      }
      const module = (await import(pathToFileURL(path.join(this.#folder, file)).href)) as Partial<Migration>;
      if (typeof module.up !== "function") throw new Error(`Migration ${name} does not export up()`);
      migrations[name] = { up: module.up, ...(typeof module.down === "function" ? { down: module.down } : {}) };
    }
    return migrations;
  }
}

/**
 * Applies all pending migrations in one transaction: if one fails, none of
 * this run's migrations stay applied. Safe when several processes start at
 * once against one PostgreSQL: Kysely takes a session advisory lock, and the
 * others wait and then find nothing to do.
 *
 * @returns the names of the migrations this call applied.
 * @throws Error naming the failing migration (the original error is `cause`).
 */
export async function migrateToLatest(db: Kysely<any>, options: { migrationFolder?: string } = {}): Promise<{ applied: string[] }> {
  const migrator = new Migrator({ db, provider: new FolderMigrationProvider(options.migrationFolder ?? migrationFolder) });
  const { error, results } = await migrator.migrateToLatest();
  const applied = (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
  if (error != null) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(failed != null ? `Migration ${failed} failed: ${message}` : `Migrations could not run: ${message}`, { cause: error });
  }
  return { applied };
}
