/**
 * `deno task start [--config path]`: runs Vigil on one box. Ctrl-C (SIGINT) or SIGTERM stops accepting,
 * drains, and exits within shutdown.timeout_ms.
 */
import { ConfigError, loadConfig } from "../config/load.ts";
import { startVigil } from "./vigil.ts";

function argValue(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  if (i >= 0) return Deno.args[i + 1];
  const eq = Deno.args.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

async function main(): Promise<number> {
  const path = argValue("--config") ?? Deno.env.get("VIGIL_CONFIG");
  let config;
  try {
    config = await loadConfig(path);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  const vigil = await startVigil(config);
  const { promise: stopped, resolve } = Promise.withResolvers<string>();
  for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(sig, () => resolve(sig));
  const sig = await stopped;
  console.error(`vigil: ${sig} received, draining (at most ${config.shutdown.timeout_ms} ms)`);
  const timer = setTimeout(() => {
    console.error("vigil: drain took too long, exiting");
    Deno.exit(1);
  }, config.shutdown.timeout_ms);
  await vigil.close();
  clearTimeout(timer);
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (e) {
    console.error(`vigil: failed to start: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
