/**
 * The four ThinkTuning feedback styles, the choice of which style examples go into one teacher prompt,
 * and the choice of the prompt layout that shows them.
 *
 * The paper shows the teacher few-shot examples of all four styles in every prompt (`mix: 'all'`).
 * `random-one` and `round-robin` put a single example in each prompt: shorter prompts, which matters for
 * a small teacher with a short context, and a way to steer the feedback towards one style at a time.
 *
 * Two layouts ship (templates.ts): `short` (one style's one-line description; the built-in model was
 * pretrained on exactly these prompts and has a 1024-position context) and `paper` (the instruction, the
 * worked examples of all four styles, then the question and response: what any other teacher should get).
 */
export const STYLE_NAMES = ['self-agreement', 'self-conflict', 'self-consultation', 'self-critique'] as const;
export type StyleName = (typeof STYLE_NAMES)[number];

export const STYLE_MIXES = ['all', 'random-one', 'round-robin'] as const;
export type StyleMix = (typeof STYLE_MIXES)[number];

export interface StyleSetting {
  /** Styles allowed in teacher prompts, in the order they appear under `mix: 'all'`. */
  styles: readonly StyleName[];
  mix: StyleMix;
}

/**
 * Which style examples go into one teacher prompt.
 * @param rng     uniform in [0, 1); used by `random-one` only
 * @param counter how many teacher prompts were built before this one; used by `round-robin` only
 */
export function chooseStyles(setting: StyleSetting, rng: () => number, counter: number): StyleName[] {
  const { styles, mix } = setting;
  if (styles.length === 0) throw new Error('guidance.styles is empty; list at least one style, e.g. self-agreement');
  switch (mix) {
    case 'all':
      return [...styles];
    case 'random-one':
      // min() guards an rng that returns exactly 1.
      return [styles[Math.min(styles.length - 1, Math.floor(rng() * styles.length))]];
    case 'round-robin': {
      const i = ((Math.floor(counter) % styles.length) + styles.length) % styles.length;
      return [styles[i]];
    }
  }
}

export const TEACHER_LAYOUTS = ['short', 'paper'] as const;
export type TeacherLayout = (typeof TEACHER_LAYOUTS)[number];
/** A config value: a layout, or `auto` = {@link chooseTeacherLayout} decides from the teacher. */
export const TEACHER_LAYOUT_SETTINGS = ['auto', ...TEACHER_LAYOUTS] as const;
export type TeacherLayoutSetting = (typeof TEACHER_LAYOUT_SETTINGS)[number];

/** What the layout choice needs to know about the teacher. */
export interface TeacherIdentity {
  /** `teacher.kind` of the train config. */
  kind: 'frozen-student' | 'checkpoint' | 'openai';
  /**
   * The teacher is the built-in world's model or trained from it (its tokenizer is a thinktune word or
   * char tokenizer; see `isBuiltinWorldTokenizer` in trainer/teacher.ts). Ignored for `openai`.
   */
  builtin: boolean;
}

/**
 * The layout a teacher is prompted with. `auto`: the short layout only for the built-in model, which
 * was pretrained on it (whatever `kind` loaded it: a frozen copy, or a checkpoint of it); the paper's
 * layout for every other teacher, which would read the short layout's bare style line as an order.
 */
export function chooseTeacherLayout(setting: TeacherLayoutSetting, teacher: TeacherIdentity): TeacherLayout {
  if (setting !== 'auto') return setting;
  return teacher.kind !== 'openai' && teacher.builtin ? 'short' : 'paper';
}

/**
 * The style setting in force under a layout: the paper's layout shows every configured style in every
 * prompt (as the paper does), so its mix is always `all`; the short layout keeps the configured mix.
 */
export function styleSettingFor(layout: TeacherLayout, setting: StyleSetting): StyleSetting {
  return layout === 'paper' ? { styles: setting.styles, mix: 'all' } : setting;
}
