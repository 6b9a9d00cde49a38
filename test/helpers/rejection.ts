/** Awaits a call that must fail with an ExchangeError and returns that error (the test fails otherwise). */
import { expect } from "bun:test";
import { ExchangeError } from "../../src/exchange/types.ts";

export async function rejection(promise: Promise<unknown>): Promise<ExchangeError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ExchangeError);
    return error as ExchangeError;
  }
  throw new Error("expected the call to be refused with an ExchangeError");
}
