import * as fs from "node:fs";
import * as path from "node:path";

// The data directory holds password hashes, the actors' private keys and the token
// secret: only the user running Folkmoot may read or write any of it. Directories are
// 0700 and files 0600; PGlite's initdb writes its files 0666 whatever the umask, and a
// directory restored or copied by hand may be looser, so both are tightened.

/** Thrown when the data directory is open to other users and cannot be tightened. */
export class DataDirectoryModeError extends Error {
  readonly dataDir: string;

  constructor(dataDir: string, entry: string, mode: number, cause: NodeJS.ErrnoException) {
    super(
      `The data directory ${dataDir} is open to other users (${entry} has mode ${octal(mode)}) ` +
        `and could not be made private (${cause.code ?? cause.message}). ` +
        `Run Folkmoot as the user owning it, or make it private yourself: chmod -R go-rwx ${dataDir}`,
    );
    this.name = "DataDirectoryModeError";
    this.dataDir = dataDir;
  }
}

/** How many entries had group or other permissions removed. */
export interface Tightened {
  directories: number;
  files: number;
  /** The top directory itself was open: other users could reach what was below it. */
  exposed: boolean;
}

/** The file-system calls tightening makes (tests replace `chmod` to see a refusal). */
export interface ModeOps {
  lstat(file: string): fs.Stats;
  readdir(dir: string): string[];
  chmod(file: string, mode: number): void;
}

const nodeOps: ModeOps = {
  lstat: (file) => fs.lstatSync(file),
  readdir: (dir) => fs.readdirSync(dir),
  chmod: (file, mode) => fs.chmodSync(file, mode),
};

/**
 * Creates DATA_DIR (0700) if missing, and removes group and other permissions from it
 * and from what Folkmoot keeps in it (`db/`, `folkmoot.*`): directories become 0700,
 * files 0600. Other entries an operator keeps there are left as they are (DATA_DIR
 * being 0700 keeps other users out of them).
 *
 * @throws DataDirectoryModeError when an entry is open to others and chmod fails.
 */
export function makeDataDirectoryPrivate(dataDir: string, ops: ModeOps = nodeOps): Tightened {
  const dir = path.resolve(dataDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tightened: Tightened = { directories: 0, files: 0, exposed: false };
  tighten(dir, dir, ops, tightened, false);
  // Only DATA_DIR itself open lets other users in: loose modes below a private
  // directory (PostgreSQL's relation cache files, say) were out of their reach.
  tightened.exposed = tightened.directories > 0;
  for (const name of ops.readdir(dir)) {
    if (name === "db" || name.startsWith("folkmoot.")) tighten(dir, path.join(dir, name), ops, tightened, true);
  }
  return tightened;
}

/** Removes group and other permissions from `root` and everything below it. */
export function makeTreePrivate(root: string, ops: ModeOps = nodeOps): Tightened {
  const tightened: Tightened = { directories: 0, files: 0, exposed: false };
  tighten(root, root, ops, tightened, true);
  return tightened;
}

function tighten(dataDir: string, entry: string, ops: ModeOps, tightened: Tightened, recurse: boolean): void {
  let stats: fs.Stats;
  try {
    stats = ops.lstat(entry);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return; // removed meanwhile (a stale lock, say)
    throw err;
  }
  // A symbolic link's own mode means nothing; what it points to is not ours to change.
  if (stats.isSymbolicLink()) return;
  const isDirectory = stats.isDirectory();
  if ((stats.mode & 0o077) !== 0) {
    try {
      ops.chmod(entry, isDirectory ? 0o700 : 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw new DataDirectoryModeError(dataDir, entry, stats.mode & 0o7777, err as NodeJS.ErrnoException);
    }
    if (isDirectory) tightened.directories++;
    else tightened.files++;
  }
  if (isDirectory && recurse) {
    for (const name of ops.readdir(entry)) tighten(dataDir, path.join(entry, name), ops, tightened, true);
  }
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, "0")}`;
}
