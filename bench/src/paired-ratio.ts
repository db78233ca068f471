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
