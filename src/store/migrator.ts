import { readdir } from "node:fs/promises";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Kysely, sql } from "kysely";
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
    for (const { file, name } of await migrationFiles(this.#folder)) {
      const module = (await import(pathToFileURL(path.join(this.#folder, file)).href)) as Partial<Migration>;
      if (typeof module.up !== "function") throw new Error(`Migration ${name} does not export up()`);
      migrations[name] = { up: module.up, ...(typeof module.down === "function" ? { down: module.down } : {}) };
    }
    return migrations;
  }
}

/** The migration files in `folder`, sorted, with their names (without the extension). */
async function migrationFiles(folder: string): Promise<{ file: string; name: string }[]> {
  const files: { file: string; name: string }[] = [];
  for (const file of (await readdir(folder)).sort()) {
    if (!/\.(ts|js|mts|mjs)$/.test(file) || /\.d\.m?ts$/.test(file)) continue;
    const name = file.replace(/\.[^.]+$/, "");
    if (!MIGRATION_NAME.test(name)) {
      throw new Error(`Migration file ${file} is not named YYYY-MM-DD-HHMM_name.ts`);
    }
    files.push({ file, name });
  }
  return files;
}

/**
 * Whether the database has applied exactly the migrations in `folder`, read without a
 * lock and without loading the migration modules (a restart's common case: it saves
 * loading and compiling every migration file and Kysely's lock table round trips).
 */
async function upToDate(db: Kysely<any>, folder: string): Promise<boolean> {
  const files = await migrationFiles(folder);
  const table = await sql<{ t: string | null }>`select to_regclass('kysely_migration')::text as t`.execute(db);
  if (table.rows[0]?.t == null) return false;
  const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  const names = new Set(applied.rows.map((r) => r.name));
  return names.size === files.length && files.every((f) => names.has(f.name));
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
  const folder = options.migrationFolder ?? migrationFolder;
  // Anything unexpected (a misnamed file, say) is left to the Migrator to report.
  if (await upToDate(db, folder).catch(() => false)) return { applied: [] };
  const migrator = new Migrator({ db, provider: new FolderMigrationProvider(folder) });
  const { error, results } = await migrator.migrateToLatest();
  const applied = (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
  if (error != null) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(failed != null ? `Migration ${failed} failed: ${message}` : `Migrations could not run: ${message}`, { cause: error });
  }
  return { applied };
}
