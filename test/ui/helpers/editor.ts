/** A fake terminal $EDITOR for tests: a node script that gets the file as its last argument and runs `body`. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function fakeEditor(dir: string, body: string): string {
  const script = join(dir, `editor-${Math.random().toString(16).slice(2)}.mjs`);
  writeFileSync(script, `import fs from 'node:fs';\nconst file = process.argv[process.argv.length - 1];\n${body}\n`);
  return `${process.execPath} ${script}`;
}

/** Run `fn` with $EDITOR set to `editor`, restoring the previous value afterwards. */
export async function withEditor<T>(editor: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.EDITOR;
  process.env.EDITOR = editor;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.EDITOR;
    else process.env.EDITOR = saved;
  }
}
