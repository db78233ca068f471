// Both halves of gc-over-stdin.ts in two real processes: a child started with --expose-gc answers
// each request, however many come at once, and a child that exits fails the request at once.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gcOverStdin } from './gc-over-stdin';

const relayDir = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = `
import { createInterface } from 'node:readline';
import { answerGcLines } from './src/test-support/gc-over-stdin.ts';
const lines = createInterface({ input: process.stdin });
if (!answerGcLines(lines)) process.exit(3);
lines.on('line', (line) => { if (line === 'exit') process.exit(0); });
`;

function child(flags: string[]) {
  return spawn(
    process.execPath,
    [...flags, '--import', 'tsx', '--input-type=module', '--eval', CHILD],
    { cwd: relayDir, stdio: ['pipe', 'pipe', 'inherit'] },
  );
}

describe('gcOverStdin', () => {
  it('resolves each request once the child collected', async () => {
    const collecting = child(['--expose-gc']);
    const collect = gcOverStdin(collecting);
    await collect();
    await Promise.all([collect(), collect(), collect()]);
    collecting.stdin.write('exit\n');
  });

  it('fails a request when the child exits without answering', async () => {
    const silent = child([]);
    const collect = gcOverStdin(silent);
    await expect(collect()).rejects.toThrow(/exited before it collected/);
    // And one asked after the exit.
    await expect(collect()).rejects.toThrow(/exited before it collected/);
  });
});
