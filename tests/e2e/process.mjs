// Child processes of the Node end-to-end tests: start one and wait for a line of its output.

import { spawn } from 'node:child_process';

// Spawns `command args` and returns {child, ready}: `ready` resolves with the first capture group
// of `pattern` on the child's standard output, and rejects when the child exits first or 30 s
// pass. `stdin` is 'ignore' or 'pipe'; standard error is passed through.
export function startAndMatch(command, args, pattern, stdin = 'ignore') {
  const child = spawn(command, args, { stdio: [stdin, 'pipe', 'inherit'] });
  const ready = new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${output}`)), 30000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}: ${output}`));
    });
  });
  return { child, ready };
}

// The address a `mercato serve` prints when it listens.
export const LISTENING = /listening on (http:\/\/[0-9.]+:\d+)/;
