/** Retries `operation` until it succeeds or `timeoutMs` passes: for "works again after a restart", "the SMS arrives". */
export async function eventually<T>(operation: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
