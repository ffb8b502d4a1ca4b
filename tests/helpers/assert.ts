/**
 * Minimal assertions (JSR's @std/assert is unreachable here). Messages show both values.
 */
import { deepStrictEqual } from "node:assert";

export class AssertionError extends Error {
  override name = "AssertionError";
}

export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new AssertionError(msg);
}

export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  try {
    deepStrictEqual(actual, expected);
  } catch (e) {
    throw new AssertionError(`${msg ? msg + ": " : ""}${(e as Error).message}`);
  }
}

export function assertAlmostEquals(actual: number, expected: number, tolerance = 1e-7, msg?: string): void {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new AssertionError(`${msg ? msg + ": " : ""}${actual} is not within ${tolerance} of ${expected}`);
  }
}

// deno-lint-ignore no-explicit-any
type Ctor<E> = new (...args: any[]) => E;

export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  cls?: Ctor<E>,
  includes?: string,
): E {
  try {
    fn();
  } catch (e) {
    if (cls && !(e instanceof cls)) throw new AssertionError(`expected ${cls.name}, got ${String(e)}`);
    if (includes && !String((e as Error).message).includes(includes)) {
      throw new AssertionError(`expected the message to include "${includes}": ${(e as Error).message}`);
    }
    return e as E;
  }
  throw new AssertionError("expected the function to throw");
}

export async function assertRejects<E extends Error = Error>(
  fn: () => Promise<unknown>,
  cls?: Ctor<E>,
  includes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    if (cls && !(e instanceof cls)) throw new AssertionError(`expected ${cls.name}, got ${String(e)}`);
    if (includes && !String((e as Error).message).includes(includes)) {
      throw new AssertionError(`expected the message to include "${includes}": ${(e as Error).message}`);
    }
    return e as E;
  }
  throw new AssertionError("expected the promise to reject");
}
