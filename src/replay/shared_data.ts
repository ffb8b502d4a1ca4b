/**
 * Where the shared evaluation data lives: `../shared/data` relative to the repository root, overridable by
 * the environment variable VIGIL_SHARED_DATA. Tests use {@link sharedDataExists} to skip when it is absent.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join, resolve } from "node:path";

const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** The shared data directory (not guaranteed to exist). */
export function sharedDataDir(): string {
  let fromEnv: string | undefined;
  try {
    fromEnv = Deno.env.get("VIGIL_SHARED_DATA");
  } catch {
    fromEnv = undefined; // no --allow-env: fall back to the default
  }
  return fromEnv && fromEnv.length > 0 ? resolve(fromEnv) : resolve(REPO_ROOT, "..", "shared", "data");
}

/** A path inside the shared data directory. */
export function sharedDataPath(...parts: string[]): string {
  return join(sharedDataDir(), ...parts);
}

/** Whether a path inside the shared data directory exists (false when reading is not permitted). */
export function sharedDataExists(...parts: string[]): boolean {
  try {
    return existsSync(sharedDataPath(...parts));
  } catch {
    return false;
  }
}
