import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

// PGlite allows one process per data directory: a lock file holding the owner's pid
// keeps a second process (or a second opener in this one) out.

/** Thrown when another live process holds a PGlite data directory. */
export class DataDirectoryLockedError extends Error {
  readonly pid: number;
  readonly dataDir: string;

  constructor(dataDir: string, pid: number) {
    super(
      `The data directory ${dataDir} is in use by process ${pid}. ` +
        "PGlite allows one process per data directory; stop that process, " +
        "or use PostgreSQL (a database URL) to run several processes.",
    );
    this.name = "DataDirectoryLockedError";
    this.pid = pid;
    this.dataDir = dataDir;
  }
}

/** Lock files held by this process, so a second opener here is refused too. */
const heldLocks = new Set<string>();

/**
 * Takes `<dir>/folkmoot.lock` (containing our pid). A lock whose pid is not a
 * live process is stale and replaced. The file is created by hard-linking a
 * complete temporary file, so a reader never sees a half-written pid.
 */
export function acquireLock(dir: string): string {
  const lockPath = path.join(dir, "folkmoot.lock");
  if (heldLocks.has(lockPath)) throw new DataDirectoryLockedError(dir, process.pid);
  const tmp = `${lockPath}.${process.pid}.${randomBytes(4).toString("hex")}`;
  fs.writeFileSync(tmp, `${process.pid}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        fs.linkSync(tmp, lockPath);
        heldLocks.add(lockPath);
        return lockPath;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const pid = readLockPid(lockPath);
      // Our own pid in a lock we do not hold is left over from an earlier
      // process that had the same pid (common in containers: pid 1).
      if (pid != null && pid !== process.pid && isProcessAlive(pid)) {
        throw new DataDirectoryLockedError(dir, pid);
      }
      try {
        fs.unlinkSync(lockPath);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
    throw new Error(`Could not take the lock ${lockPath}`);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

export function releaseLock(lockPath: string): void {
  if (!heldLocks.delete(lockPath)) return;
  try {
    if (readLockPid(lockPath) === process.pid) fs.unlinkSync(lockPath);
  } catch {
    // Already gone (e.g. the directory was removed): nothing to release.
  }
}

function readLockPid(lockPath: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
