/**
 * `e` in the templates panel: the selected file of the run's prompts folder opens in $EDITOR (through
 * the container, which lends the terminal), then the folder is checked with the trainer's own loader
 * so a broken edit is reported now rather than at the next step boundary.
 */
import { join } from 'node:path';
import { templateTextHash } from '../templates/folder.js';
import { validateTemplateEdit } from '../templates/edit.js';
import { errorText, type ActionContext } from './context.js';

export function createTemplateEditor(ctx: ActionContext, editFile?: (file: string) => Promise<{ changed: boolean }>): () => void {
  const { dispatch, getState, now, notice } = ctx;
  // One editor at a time: a second `e` waits for the first to be closed and checked.
  let editing: Promise<void> = Promise.resolve();
  return () => {
    const s = getState();
    const dir = s.templates.dir;
    const file = s.templates.files[Math.min(s.view.template, s.templates.files.length - 1)];
    if (!dir || !file) return notice('warning', 'no prompts folder known yet: it is listed once the trainer reports its config');
    if (!editFile) return notice('warning', 'this dashboard cannot open an editor');
    editing = editing.then(async () => {
      let changed: boolean;
      try {
        ({ changed } = await editFile(join(dir, file.name)));
      } catch (err) {
        return notice('error', errorText(err));
      }
      if (!changed) return notice('info', `${file.name}: no change`);
      const error = validateTemplateEdit(dir);
      dispatch({ type: 'template-edited', name: file.name, error, hash: error ? null : templateTextHash(dir, file.name), at: now() });
    });
  };
}
