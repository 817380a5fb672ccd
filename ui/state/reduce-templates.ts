/**
 * The templates panel's state: the run's prompts folder as listed on disk, edits saved from $EDITOR,
 * and the trainer's answers (`templates` events).
 *
 * A file's `pending` badge means "saved, not in force yet". The trainer swaps the whole folder only
 * at a step boundary and answers with a version bump, so an edit's badge (`pendingHash` set) stays
 * until a bump arrives; an error answer (the folder is rejected) keeps it, since the edit takes effect
 * as soon as the rest of the folder is valid again. The badge of an `r` reload clears on any answer.
 * A `[rejected]` badge clears on any answer without an error: the trainer loaded the whole folder.
 */
import type { Draft } from './draft.js';
import { CAPACITY } from './initial.js';
import type { TemplateFile } from './types.js';

const fresh = (name: string, version: number, hash: string | null): TemplateFile => ({ name, version, pending: false, error: null, hash, pendingHash: null });

/** The files of the run's prompts folder, in the order given; files already known keep their status. */
export function applyTemplatesListed(d: Draft, dir: string, listed: { name: string; hash: string | null }[]): void {
  const t = d.s.templates;
  // The trainer's template store starts every run at version 1 (src/prompts/templates.ts).
  const version = t.version ?? 1;
  const known = new Map(t.files.map((f) => [f.name, f]));
  const files = listed.map(({ name, hash }) => {
    const old = known.get(name);
    return old ? { ...old, hash: old.hash ?? hash } : fresh(name, version, hash);
  });
  const extra = t.files.filter((f) => !listed.some((l) => l.name === f.name));
  d.s.templates = { dir, version, files: [...files, ...extra].slice(-CAPACITY.templateFiles) };
}

/** An edit saved from $EDITOR and checked by the same loader the trainer uses. */
export function applyTemplateEdited(d: Draft, name: string, error: string | null, hash: string | null, at: number): void {
  const t = d.s.templates;
  const old = t.files.find((f) => f.name === name) ?? fresh(name, t.version ?? 1, null);
  let next: TemplateFile;
  if (error !== null) {
    next = { ...old, pending: false, pendingHash: null, error };
    d.notice(at, 'warning', 'ui', `${name} not accepted, the trainer keeps v${t.version ?? old.version}: ${error}`);
  } else if (hash !== null && hash === old.hash) {
    next = { ...old, pending: false, pendingHash: null, error: null };
    d.notice(at, 'info', 'ui', `${name}: same text as the version in force; nothing to reload`);
  } else {
    next = { ...old, pending: true, pendingHash: hash, error: null };
    d.notice(at, 'info', 'ui', `${name} saved; the trainer takes it up at the next step`);
  }
  const files = t.files.some((f) => f.name === name) ? t.files.map((f) => (f.name === name ? next : f)) : [...t.files, next];
  d.s.templates = { ...t, files };
}

/** The trainer's `templates` event: a new version (the files whose text changed), or an error with the old version kept. */
export function applyTemplates(d: Draft, version: number, changed: string[], error: string | null, at: number): void {
  const prev = d.s.templates;
  const bumped = error === null && (prev.version === null || version > prev.version);
  // A reload that succeeds loaded the whole folder, so no file in it is rejected any more (a file fixed
  // outside the dashboard may come back with the text in force: no version bump, not in `changed`).
  const cleared = (f: TemplateFile): TemplateFile => (error === null && f.error !== null ? { ...f, error: null } : f);
  const settle = (file: TemplateFile): TemplateFile => {
    const f = cleared(file);
    if (f.pendingHash === null) return { ...f, pending: false };
    if (!bumped) return f;
    return { ...f, pending: false, pendingHash: null, hash: changed.includes(f.name) ? f.pendingHash : f.hash };
  };
  const byName = new Map<string, TemplateFile>(prev.files.map((f) => [f.name, settle(f)]));
  for (const name of changed) {
    const old = byName.get(name);
    // Without a folder listing, re-insert so the most recently changed files sort last; with one, the
    // order on screen stays the folder's, so the selection does not jump to another file.
    if (prev.dir === null) byName.delete(name);
    byName.set(name, { ...(old ?? fresh(name, version, null)), name, version, pending: old?.pending ?? false, error });
  }
  const files = [...byName.values()].slice(-CAPACITY.templateFiles);
  d.s.templates = { dir: prev.dir, version: error ? prev.version : version, files };
  const which = changed.length ? `: ${changed.join(', ')}` : '';
  if (error) d.notice(at, 'warning', 'trainer', `templates not reloaded${which}: ${error}`);
  else d.notice(at, 'info', 'trainer', `templates v${version}${which}`);
}
