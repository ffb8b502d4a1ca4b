/**
 * Every localizer, by name: its config schema (defaults, docs; unknown keys rejected) and its factory.
 * Explicit array, no import side effects; the runtime and the evaluation harness use `createLocalizer`.
 */
import { z } from "zod";
import type { Localizer } from "../core/rca.ts";
import { BaroLocalizer } from "./baro.ts";

export interface LocalizerSpec<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly config: S;
  readonly create: (config: z.output<S>) => Localizer;
}

function spec<S extends z.ZodType>(s: LocalizerSpec<S>): LocalizerSpec {
  return s as unknown as LocalizerSpec;
}

const baroConfig = {
  baseline_windows: z.number().int().min(0).default(0).describe("baseline windows before the onset (0: all)"),
  horizon_windows: z.number().int().min(0).default(0).describe("windows after the onset (0: all)"),
  exclude_indicators: z.array(z.string()).default([]).describe("indicator names ignored"),
  direction: z.enum(["up", "both"]).default("up").describe("which changes count"),
};

export const LOCALIZERS: readonly LocalizerSpec[] = [
  spec({
    name: "baro",
    description: "robust score (median/IQR of the baseline) of every indicator after the onset (BARO)",
    config: z.strictObject(baroConfig),
    create: (c) => new BaroLocalizer(c),
  }),
];

export const LOCALIZER_NAMES: readonly string[] = LOCALIZERS.map((l) => l.name);

/**
 * Validates `config` against the named localizer's schema and builds it. Throws RangeError for an unknown
 * name and a ZodError listing every config problem.
 */
export function createLocalizer(name: string, config: unknown = {}): Localizer {
  const s = LOCALIZERS.find((l) => l.name === name);
  if (!s) {
    throw new RangeError(
      `Cannot create localizer as name must be one of ${
        LOCALIZER_NAMES.join(", ")
      }: current value is ${name}`,
    );
  }
  return s.create(s.config.parse(config));
}
