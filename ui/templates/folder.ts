/**
 * The run's prompts folder as the templates panel lists it: which folder (from the config the trainer
 * reported at run-start, resolved the way the trainer resolves it), which files (the ones the loader
 * requires), and a hash of each file's text so the UI can tell an edit that changes what reaches the
 * teacher from one that only touches `#` comments.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolvePromptsDir } from '../../src/paths.js';
import { TEMPLATE_FILES } from '../../src/prompts/templates.js';
import { stripComments } from '../../src/prompts/template-check.js';

/** `config.guidance.promptsDir` of a run's config, resolved like the trainer does (src/paths.ts); null when the config has none. */
export function promptsDirOf(config: unknown): string | null {
  const guidance = (config as { guidance?: { promptsDir?: unknown } } | null)?.guidance;
  const dir = guidance?.promptsDir;
  return typeof dir === 'string' && dir !== '' ? resolvePromptsDir(dir) : null;
}

/** Hash of the text a template file gives the teacher (comment lines removed), or null when it cannot be read. */
export function templateTextHash(dir: string, name: string): string | null {
  try {
    return createHash('sha256')
      .update(stripComments(readFileSync(join(dir, name), 'utf8')))
      .digest('hex')
      .slice(0, 12);
  } catch {
    return null;
  }
}

/** The files the trainer loads from `dir`, in the loader's order, with the hash of each one's text. */
export function listTemplateFiles(dir: string): { name: string; hash: string | null }[] {
  return TEMPLATE_FILES.map((name) => ({ name, hash: templateTextHash(dir, name) }));
}
