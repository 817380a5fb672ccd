/**
 * The four ThinkTuning feedback styles and the choice of which style examples go into one teacher prompt.
 *
 * The paper shows the teacher few-shot examples of all four styles in every prompt (`mix: 'all'`).
 * `random-one` and `round-robin` put a single example in each prompt: shorter prompts, which matters for
 * a small teacher with a short context, and a way to steer the feedback towards one style at a time.
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
