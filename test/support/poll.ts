/** Waiting for something to become true, without fixed sleeps. */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `check` every `intervalMs` until it returns a value other than `undefined`/`false`, and returns that value.
 * Throws after `timeoutMs` with `message` (and the last error `check` threw, if any).
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<T> {
  const { timeoutMs = 5000, intervalMs = 50, message = 'condition not met' } = opts;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`${message} within ${timeoutMs} ms${cause}`);
    }
    await sleep(intervalMs);
  }
}
