// A full garbage collection in a child process, asked for over its stdin: the child (node
// --expose-gc) answers each "gc" line with "gc done" once it collected. The bench reads a server's
// memory after one (bench: transport, idle sockets), for the relay (standby-server.ts) and its
// bare baseline alike, so garbage a burst of connections left is not counted as what they hold.
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Interface } from 'node:readline';

const DONE = 'gc done\n';
const TIMEOUT_MS = 30_000;

/** In the child: answers "gc" lines, when node runs with --expose-gc. False when it does not. */
export function answerGcLines(lines: Interface): boolean {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) return false;
  lines.on('line', (line) => {
    if (line !== 'gc') return;
    collect();
    process.stdout.write(DONE);
  });
  return true;
}

/** In the parent: a function that asks `child` to collect and resolves once it answered. */
export function gcOverStdin(child: ChildProcess): () => Promise<void> {
  const { stdin, stdout } = child;
  if (stdin === null || stdout === null)
    throw new Error('gcOverStdin needs piped stdin and stdout');
  const answers = new EventEmitter();
  let asked = 0;
  let answered = 0;
  // The end of the last chunk, in case an answer is split across two.
  let tail = '';
  stdout.on('data', (chunk: Buffer | string) => {
    const parts = (tail + String(chunk)).split(DONE);
    tail = parts.at(-1)!.slice(1 - DONE.length);
    if (parts.length === 1) return;
    answered += parts.length - 1;
    answers.emit('answered');
  });
  // Writing to a child that just died fails with EPIPE; its exit rejects the request instead.
  stdin.on('error', () => undefined);
  return () =>
    new Promise<void>((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error('the process exited before it collected garbage'));
        return;
      }
      const mine = ++asked;
      const settle = (error?: Error) => {
        clearTimeout(timer);
        answers.off('answered', check);
        child.off('exit', exited);
        if (error === undefined) resolve();
        else reject(error);
      };
      const check = () => {
        if (answered >= mine) settle();
      };
      const exited = () => {
        settle(new Error('the process exited before it collected garbage'));
      };
      const timer = setTimeout(() => {
        settle(new Error(`no "gc done" within ${String(TIMEOUT_MS / 1000)} s`));
      }, TIMEOUT_MS);
      answers.on('answered', check);
      child.once('exit', exited);
      stdin.write('gc\n');
    });
}
