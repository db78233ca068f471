// Memory as the attack suites report it (docs/security.md): read after a full garbage collection,
// so that "growth" over a million inputs is memory kept, not garbage the collector had not reached
// yet. Without it the figure moved with the collector's timing (a soak run once showed +112 MiB of
// heap that was mostly unreferenced). Test code only: it turns on V8's `gc` for this process.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/** process.memoryUsage() after a full, synchronous collection. */
export function settledMemory(): NodeJS.MemoryUsage {
  if (collect === undefined) {
    // `--expose-gc` may be set after start-up; a fresh context then sees `gc` as a global.
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  return process.memoryUsage();
}
