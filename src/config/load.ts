/**
 * Loads the configuration once at start-up: a YAML (or JSON) file, then environment overrides, then one
 * validation that reports every problem at once with its path.
 */
import { parse as parseYaml } from "yaml";
import { ConfigSchema, type VigilConfig } from "./schema.ts";

/** The config file is invalid; `problems` lists each one as "path: message". */
export class ConfigError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`Invalid configuration (${source}):\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

/** Environment variables that override config keys. */
export const ENV_OVERRIDES: Record<string, { path: [string, string]; type: "string" | "port" }> = {
  VIGIL_NATS_URL: { path: ["nats", "url"], type: "string" },
  VIGIL_OTLP_HTTP_HOST: { path: ["otlp_http", "host"], type: "string" },
  VIGIL_OTLP_HTTP_PORT: { path: ["otlp_http", "port"], type: "port" },
  VIGIL_API_HOST: { path: ["api", "host"], type: "string" },
  VIGIL_API_PORT: { path: ["api", "port"], type: "port" },
};

export interface LoadConfigOptions {
  /** Environment to read overrides from. @default Deno.env.toObject() */
  env?: Record<string, string>;
}

/** Validates an already-parsed object (plus env overrides). */
export function parseConfig(raw: unknown, source: string, options: LoadConfigOptions = {}): VigilConfig {
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(source, [
      `(root): expected a mapping of sections, got ${Array.isArray(raw) ? "a list" : typeof raw}`,
    ]);
  }
  const obj = structuredClone(raw) as Record<string, Record<string, unknown>>;
  const env = options.env ?? Deno.env.toObject();
  const problems: string[] = [];
  for (const [name, { path: [section, key], type }] of Object.entries(ENV_OVERRIDES)) {
    const v = env[name];
    if (v === undefined || v === "") continue;
    const target = (obj[section] ??= {});
    if (typeof target !== "object") continue; // the schema reports the bad section
    if (type === "port") {
      const n = Number(v);
      if (!Number.isInteger(n)) {
        problems.push(`${name}: expected a port number, got "${v}"`);
        continue;
      }
      target[key] = n;
    } else {
      target[key] = v;
    }
  }
  const result = ConfigSchema.safeParse(obj);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.length ? issue.path.join(".") : "(root)";
      problems.push(`${path}: ${issue.message}`);
    }
  }
  if (problems.length) throw new ConfigError(source, problems);
  return result.data!;
}

/** Reads and validates a config file; a missing path means the defaults. */
export async function loadConfig(path?: string, options: LoadConfigOptions = {}): Promise<VigilConfig> {
  if (!path) return parseConfig({}, "defaults", options);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new ConfigError(path, [`cannot read the file: ${(e as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ConfigError(path, [`not valid YAML: ${(e as Error).message.split("\n")[0]}`]);
  }
  return parseConfig(raw, path, options);
}
