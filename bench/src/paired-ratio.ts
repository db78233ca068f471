// Ratio of two code paths measured in alternating batches. Running "ours" and "bare" back to back,
// many times, keeps drifting machine load (JIT, GC, other processes) from landing on one side only;
// the median of the per-round ratios is what we report.

export function pairedRatio(options: {
  ours: () => void;
  baseline: () => void;
  rounds?: number;
  batch?: number;
}): { ratio: number; oursMs: number; baselineMs: number } {
  const { ours, baseline, rounds = 41, batch = 40 } = options;
  const time = (fn: () => void): number => {
    const start = performance.now();
    for (let i = 0; i < batch; i++) fn();
    return (performance.now() - start) / batch;
  };
  for (let i = 0; i < 3; i++) {
    time(ours);
    time(baseline);
  }
  const ratios: number[] = [];
  const oursTimes: number[] = [];
  const baseTimes: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate which side goes first so neither always runs on a warmer cache.
    let oursMs: number;
    let baseMs: number;
    if (round % 2 === 0) {
      oursMs = time(ours);
      baseMs = time(baseline);
    } else {
      baseMs = time(baseline);
      oursMs = time(ours);
    }
    ratios.push(oursMs / baseMs);
    oursTimes.push(oursMs);
    baseTimes.push(baseMs);
  }
  const median = (values: number[]): number => values.sort((x, y) => x - y)[values.length >> 1]!;
  return { ratio: median(ratios), oursMs: median(oursTimes), baselineMs: median(baseTimes) };
}

/** pairedRatio for paths that return promises (the relay's repository layer is async). */
export async function pairedRatioAsync(options: {
  ours: () => Promise<unknown>;
  baseline: () => Promise<unknown>;
  rounds: number;
  batch: number;
}): Promise<{ ratio: number; oursMs: number; baselineMs: number }> {
  const { ours, baseline, rounds, batch } = options;
  const time = async (fn: () => Promise<unknown>): Promise<number> => {
    const start = performance.now();
    for (let i = 0; i < batch; i++) await fn();
    return (performance.now() - start) / batch;
  };
  await time(ours);
  await time(baseline);
  const ratios: number[] = [];
  const oursTimes: number[] = [];
  const baseTimes: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const first = round % 2 === 0;
    const a = await time(first ? ours : baseline);
    const b = await time(first ? baseline : ours);
    const [oursMs, baseMs] = first ? [a, b] : [b, a];
    ratios.push(oursMs / baseMs);
    oursTimes.push(oursMs);
    baseTimes.push(baseMs);
  }
  const median = (values: number[]): number => values.sort((x, y) => x - y)[values.length >> 1]!;
  return { ratio: median(ratios), oursMs: median(oursTimes), baselineMs: median(baseTimes) };
}
