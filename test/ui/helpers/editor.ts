/** A fake terminal $EDITOR for tests: a node script that gets the file as its last argument and runs `body`. */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/**
 * A temp folder for one test file (removed after it), with fresh copies of the shipped prompts/ and a
 * fake $EDITOR that writes its scripts there.
 */
export function editorScratch(prefix: string): { root: string; promptsCopy: (name: string) => string; fakeEditor: (body: string) => string } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(root, { recursive: true, force: true }));
  return {
    root,
    promptsCopy: (name) => {
      const dir = join(root, name);
      cpSync(new URL('../../../prompts', import.meta.url), dir, { recursive: true });
      return dir;
    },
    fakeEditor: (body) => fakeEditor(root, body),
  };
}

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
