/**
 * Retries `probe` until it returns a value without throwing, or fails with the last error
 * once `timeoutMs` has passed. For state another process reaches on its own schedule.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  { timeoutMs = 15_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
