import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataDirectoryModeError, makeDataDirectoryPrivate } from "../../src/store/private-directory.ts";

let base: string;
afterEach(() => rmSync(base, { recursive: true, force: true }));

function fresh(): string {
  base = mkdtempSync(join(tmpdir(), "folkmoot-private-"));
  return base;
}

describe("makeDataDirectoryPrivate", () => {
  it("creates a missing directory 0700", () => {
    const dir = join(fresh(), "a", "data");
    expect(makeDataDirectoryPrivate(dir)).toEqual({ directories: 0, files: 0, exposed: false });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it("tightens DATA_DIR, db/ and folkmoot.* but leaves an operator's other files alone", () => {
    const dir = fresh();
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, "db", "base"), { recursive: true });
    chmodSync(join(dir, "db"), 0o777);
    chmodSync(join(dir, "db", "base"), 0o750);
    writeFileSync(join(dir, "db", "base", "1"), "");
    chmodSync(join(dir, "db", "base", "1"), 0o666);
    writeFileSync(join(dir, "folkmoot.extra"), "");
    chmodSync(join(dir, "folkmoot.extra"), 0o644);
    writeFileSync(join(dir, "notes.sh"), "");
    chmodSync(join(dir, "notes.sh"), 0o755);
    expect(makeDataDirectoryPrivate(dir)).toEqual({ directories: 3, files: 2, exposed: true });
    const mode = (p: string) => lstatSync(join(dir, p)).mode & 0o777;
    expect([mode(""), mode("db"), mode("db/base"), mode("db/base/1"), mode("folkmoot.extra")]).toEqual([0o700, 0o700, 0o700, 0o600, 0o600]);
    expect(mode("notes.sh")).toBe(0o755);
    // Loose modes below a private DATA_DIR are tightened without calling it exposure.
    chmodSync(join(dir, "db", "base", "1"), 0o644);
    expect(makeDataDirectoryPrivate(dir)).toEqual({ directories: 0, files: 1, exposed: false });
  });

  it("refuses with one clear line when it cannot tighten (not the owner)", () => {
    const dir = fresh();
    chmodSync(dir, 0o777);
    const notOwner = {
      lstat: (f: string) => lstatSync(f),
      readdir: (d: string) => readdirSync(d),
      chmod: () => {
        throw Object.assign(new Error("operation not permitted"), { code: "EPERM" });
      },
    };
    let error: unknown;
    try {
      makeDataDirectoryPrivate(dir, notOwner);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DataDirectoryModeError);
    const message = (error as Error).message;
    expect(message).not.toContain("\n");
    expect(message).toBe(
      `The data directory ${dir} is open to other users (${dir} has mode 0777) and could not be made private (EPERM). ` +
        `Run Folkmoot as the user owning it, or make it private yourself: chmod -R go-rwx ${dir}`,
    );
  });
});
