/**
 * Polls `check` until it holds. A bench that stalls fails with `what` after `timeoutMs` rather than hanging, so a
 * broken path shows as an error in the run, not as a run that never ends.
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  options: { what: string; timeoutMs?: number; everyMs?: number },
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${options.what}: not done within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, options.everyMs ?? 20));
  }
}
