/**
 * Runs `work` once the page is idle, or after `timeoutMs` at the latest; Safari, which has no
 * `requestIdleCallback`, gets a plain delay.
 */
export function whenIdle(work: () => void, timeoutMs = 1000): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(() => work(), { timeout: timeoutMs });
  else setTimeout(work, 200);
}
