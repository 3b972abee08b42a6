/**
 * The sandbox's dice for probability faults. A seed makes a load test's failures the same on every run
 * (mulberry32: tiny, and good enough to spread failures evenly); without one, Math.random.
 */
export type Random = () => number;

export function randomSource(seed: number | undefined): Random {
  if (seed === undefined) return Math.random;
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
