/** Start the whole dashboard on a scripted source, with helpers to press keys and wait for frames. */
import { render } from 'ink-testing-library';
import { AppContainer, type AppContainerProps } from '../../../ui/AppContainer.js';
import { createScriptedSource, type ScriptEntry } from '../../../ui/sources/scripted.js';
import { runStart, stepEvents } from './events.js';
import { renderSized, settle, waitFor } from './render-sized.js';

export interface StartOptions extends Partial<Omit<AppContainerProps, 'source'>> {
  script?: ScriptEntry[];
  /** Let the scripted source answer commands like the trainer (default true). */
  mimic?: boolean;
  /** Render at this size with our sized streams; default: ink-testing-library's render (100 columns). */
  size?: { columns: number; rows: number };
}

export async function startApp({ script, size, mimic = true, ...props }: StartOptions = {}) {
  const source = createScriptedSource({ script: script ?? [runStart(), ...stepEvents(1), ...stepEvents(2)], mimicTrainer: mimic });
  const tree = <AppContainer source={source} env={{}} coalesceMs={0} {...props} />;
  const ui = size ? renderSized(tree, size) : render(tree);
  const frame = () => ui.lastFrame() ?? '';
  const until = (pattern: RegExp) => waitFor(() => pattern.test(frame()), frame);
  // All scripted messages arrive in one coalesced batch, so the run name showing means all were applied.
  const hasRun = (script ?? [runStart()]).some((e) => 'type' in e && e.type === 'run-start');
  await source.finished;
  await waitFor(() => frame() !== '' && hasRun !== /waiting for the trainer/.test(frame()), frame);
  await settle();
  return {
    source,
    ui,
    frame,
    until,
    /** Write keys (one keypress per call, as a terminal sends them) and let the UI settle. */
    async press(...keys: string[]) {
      for (const k of keys) {
        ui.stdin.write(k);
        await settle(15);
      }
    },
    /**
     * Write `chunk` in ONE stdin write, as a terminal hands over keys that arrive together (key repeat,
     * fast typing over SSH, `tmux send-keys Tab Tab`, a paste). Its keys are handled before this returns
     * (a final lone Esc one tick later: Ink waits to tell it from a sequence); wait for the frame or the
     * calls they lead to (until, waitFor), not for a fixed time.
     */
    type(chunk: string) {
      ui.stdin.write(chunk);
    },
    /**
     * Open the command line and type `text` into it, waiting after each key until the line shows it (the
     * state it needs, not a fixed delay: on a loaded machine a key sent before the previous one is applied
     * can land in the old mode). Does not press enter.
     */
    async command(text: string) {
      ui.stdin.write(':');
      await waitFor(() => /^:/m.test(frame()), frame);
      for (let i = 0; i < text.length; i++) {
        ui.stdin.write(text[i]!);
        // The line shows the tail of a long entry, and a frame line loses its trailing spaces.
        const typed = text.slice(Math.max(0, i - 11), i + 1).trimEnd();
        await waitFor(
          () =>
            frame()
              .split('\n')
              .some((l) => l.startsWith(':') && l.includes(typed)),
          frame,
        );
      }
    },
  };
}

export const KEYS = { esc: '\u001b', tab: '\t', shiftTab: '\u001b[Z', enter: '\r', up: '\u001b[A', down: '\u001b[B', left: '\u001b[D', right: '\u001b[C' };
