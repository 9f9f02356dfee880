import { scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { hash, verify, type Algorithm } from "@node-rs/argon2";
import { failWith, ok, type Result } from "../shared/result.ts";

// Argon2id rather than scrypt at N = 2^17: both meet OWASP's Password Storage Cheat Sheet,
// but scrypt at N = 2^17, r = 8 takes 128 MiB and ~0.4 s per hash here, so four sign-ins at
// once (libuv's four threads) would hold 512 MiB, a small VM's whole memory; Argon2id at
// OWASP's first setting (19 MiB, 2 passes) takes ~20 ms. @node-rs/argon2 hashes on the
// thread pool, not the event loop, and ships prebuilt binaries inside the registry's
// packages. See docs/security.md.

/** OWASP's Argon2id minimum: m = 19 MiB (in KiB), t = 2, p = 1. */
// `Algorithm` is a const enum, which type stripping cannot inline: 2 is its Argon2id.
const ARGON2ID = { algorithm: 2 as Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
/** The PHC prefix every hash made now starts with: a stored hash without it is rehashed at the next sign-in. */
const CURRENT_PREFIX = `$argon2id$v=19$m=${ARGON2ID.memoryCost},t=${ARGON2ID.timeCost},p=${ARGON2ID.parallelism}$`;

/** A PHC string, `$argon2id$v=19$m=…,t=…,p=…$salt$hash`: self-describing so parameters can change later. */
export async function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID);
}

/** True if `stored` was made with other parameters than `hashPassword` uses now (and should be replaced once the password is known). */
export function needsRehash(stored: string): boolean {
  return !stored.startsWith(CURRENT_PREFIX);
}

/** Checks a password against a stored hash: Argon2id, or the scrypt hashes made before (`scrypt$N$r$p$salt$hash`). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith("$argon2")) return verify(stored, password).catch(() => false);
  if (stored.startsWith("scrypt$")) return verifyScrypt(password, stored);
  return false;
}

let dummy: Promise<string> | undefined;
/** A hash with the current parameters that no password matches: checked for an unknown handle so timing does not tell which handles have accounts. */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(crypto.randomUUID());
  return dummy;
}

/** The scheme before Argon2id (scrypt, N = 2^14): still accepted, and replaced at the next sign-in. */
async function verifyScrypt(password: string, stored: string): Promise<boolean> {
  const [, n, r, p, salt, hashed] = stored.split("$");
  if (!salt || !hashed) return false;
  const expected = Buffer.from(hashed, "base64url");
  // Enough for N = 2^17, r = 8 (128 MiB); Node refuses more rather than exhausting memory.
  const options = { N: Number(n), r: Number(r), p: Number(p), maxmem: 256 * 1024 * 1024 };
  const key = await scryptAsync(password, Buffer.from(salt, "base64url"), expected.length, options).catch(() => null);
  return key !== null && key.length === expected.length && timingSafeEqual(key, expected);
}

function scryptAsync(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** The rules for a new password (account creation checks the same). */
export function checkNewPassword(password: string, field = "password"): Result<string> {
  if (password.length < 8) return failWith("invalid", "password-too-short", "a password has at least 8 characters", { field, params: { min: 8 } });
  if (password.length > 1024) return failWith("invalid", "password-too-long", "a password has at most 1024 characters", { field, params: { max: 1024 } });
  return ok(password);
}
