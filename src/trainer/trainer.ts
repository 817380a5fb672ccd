/**
 * The ThinkTuning training loop as a library: `Trainer.create(...)` resolves models, data, teacher and
 * run folder; `trainer.run()` is an async generator of plain TrainEvents; `trainer.command(...)` takes
 * pause / resume / step-once / stop / save / reload-templates / set between steps. The headless
 * printer and the dashboard worker both drive this one loop.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../config/train-config.js';
import { applySetting, settableKeys } from '../config/train-config.js';
import { TemplateStore } from '../prompts/templates.js';
import { loadModel, saveModel, type LoadedModel } from '../model/io.js';
import { AdamW } from '../train/optim.js';
import { serializeSafetensors } from '../io/safetensors.js';
import { RewardError } from '../rl/rewards.js';
import { loadRewardFunctions } from '../rl/reward-file.js';
import { builtinModelDir, resolvePromptsDir } from '../paths.js';
import { loadTaskProblems } from '../tasks/task.js';
import { studentPromptFor } from '../tasks/student-prompt.js';
import { stopTokenIds, type GenerationConfig } from '../model/generation-config.js';
import { checkRunFits, checkTeacherFits } from './length-guard.js';
import type { TrainCommand, TrainEvent } from './events.js';
import { LocalTeacher, OpenAITeacher, isBuiltinWorldTokenizer, type Teacher } from './teacher.js';
import { chooseTeacherLayout } from '../prompts/styles.js';
import { isKept, KEEP_FILE, RunDir, RunDirError } from './run-dir.js';
import { OPTIMIZER_FILE, STATE_FILE, optimizerToFile, type TrainerState } from './checkpoint-files.js';
import { lockRunDir, type RunLock } from './run-lock.js';
import { newestUsableCheckpoint } from './resume-point.js';
import type { ResumeChange } from './resume-config.js';
import { promptIndices } from './sampler.js';
import { thinkTuningStep, type StepContext } from './think-step.js';
import { teacherFailureMessage } from './guide.js';
import type { Problem } from '../tasks/datasets.js';

export interface TrainerOptions {
  config: TrainConfig;
  /** The run folder; default <run.runDir>/<timestamp>. */
  runDir?: string;
  /**
   * Continue from the newest whole checkpoint in runDir (resume-point.ts); a run with none yet starts
   * over from step 0. `config` must then be the run's own (resume-config.ts).
   */
  resume?: boolean;
  /** A new run in a folder that holds one: remove that run's logs and checkpoints first (else refused). */
  overwrite?: boolean;
  /** Saved settings this resume changed (resume-config.ts), reported as `setting` events at the start. */
  resumeChanges?: readonly ResumeChange[];
  /** Stop after this many steps in this invocation (the schedule still spans run.totalSteps). */
  maxSteps?: number;
  backend?: { name: string; reason: string };
  /** Use this teacher instead of the one the config describes (tests, programmatic use). */
  teacher?: Teacher;
}

export function resolveModelDir(spec: string): string {
  return spec === 'builtin' ? builtinModelDir() : resolve(spec);
}

async function buildTeacher(config: TrainConfig, startDir: string, loadFrozenStart: () => Promise<LoadedModel>): Promise<Teacher | null> {
  const t = config.teacher;
  if (!config.guidance.enabled) return null;
  const layoutSetting = config.guidance.teacherLayout;
  if (t.kind === 'openai') {
    const layout = chooseTeacherLayout(layoutSetting, { kind: 'openai', builtin: false });
    const teacher = new OpenAITeacher({
      url: t.url!,
      model: t.model!,
      apiKey: process.env[t.apiKeyEnv],
      timeoutMs: t.timeoutMs,
      retries: t.retries,
      concurrency: t.concurrency,
      maxNewTokens: t.maxNewTokens,
      layout,
    });
    // Fail at start, with the server's own words, rather than train a whole run without feedback.
    await teacher.checkEndpoint();
    return teacher;
  }
  const dir = t.kind === 'checkpoint' ? resolve(t.path!) : startDir;
  const loaded = t.kind === 'checkpoint' ? await loadModel(dir) : await loadFrozenStart();
  if (!loaded.tokenizer) throw new RunDirError(`teacher checkpoint ${dir} has no tokenizer.json; copy the tokenizer next to its weights`);
  const what = t.kind === 'frozen-student' ? `frozen copy of ${dir}` : dir;
  const layout = chooseTeacherLayout(layoutSetting, { kind: t.kind, builtin: isBuiltinWorldTokenizer(loaded.tokenizer) });
  return new LocalTeacher(loaded.model, loaded.tokenizer, t.maxNewTokens, what, { layout, stopIds: stopTokenIds(loaded.generation, loaded.tokenizer.eosId) });
}

export class Trainer {
  private readonly queue: TrainCommand[] = [];
  private wake: (() => void) | null = null;
  private paused = false;
  private stepOnce = false;
  private stopRequested: { save: boolean } | null = null;
  private saveRequested = false;
  private controlOffset = 0;
  /** Folders of interrupted saves that create() removed; run() reports them after run-start. */
  private staleRemoved = 0;
  /** What create() did to the folder or the settings (takeover, overwrite, fallback, changes), said after run-start. */
  private startNotes: TrainEvent[] = [];

  private constructor(
    private config: TrainConfig,
    readonly runDir: RunDir,
    private readonly ctx: StepContext,
    private readonly problems: Problem[],
    private startStep: number,
    private readonly resumedFrom: string | null,
    private readonly opts: TrainerOptions,
    /** The student's generation_config.json, carried into every checkpoint. */
    private readonly generation: GenerationConfig,
    /** This process's hold on the run folder; released by dispose(). */
    private readonly lock: RunLock,
  ) {}

  static async create(opts: TrainerOptions): Promise<Trainer> {
    const runDir = new RunDir(resolve(opts.runDir ?? join(opts.config.run.runDir, new Date().toISOString().replace(/[:.]/g, '-'))));
    runDir.ensure();
    // First the lock: until it is ours, another process may be writing here (its temp folders included).
    const lock = lockRunDir(runDir.path);
    try {
      return await Trainer.createLocked(opts, runDir, lock);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  private static async createLocked(opts: TrainerOptions, runDir: RunDir, lock: RunLock): Promise<Trainer> {
    const config = opts.config;
    const notes: TrainEvent[] = [];
    if (lock.tookOver) notes.push({ type: 'warning', message: `took over ${runDir.path} from ${lock.tookOver}` });
    const staleRemoved = runDir.removeStaleTemps();
    const startDir = resolveModelDir(config.model.checkpoint);
    if (config.model.checkpoint === 'builtin' && !existsSync(startDir)) {
      throw new RunDirError(`the built-in model is missing (${startDir}); run \`thinktune pretrain\` to make it, or set model.checkpoint to a model folder`);
    }
    const existing = opts.resume ? null : runDir.existingRun();
    if (existing !== null) {
      if (!opts.overwrite) {
        throw new RunDirError(
          `${runDir.path} already holds a run (${existing}); continue it with --resume, start it over with --overwrite (removes its logs and checkpoints), or choose another --run-dir`,
        );
      }
      notes.push({ type: 'warning', message: `--overwrite: removed the earlier run in ${runDir.path} (${existing})` });
    }
    const resumeFrom = opts.resume ? await newestUsableCheckpoint(runDir, config.run.seed) : null;
    if (opts.resume && resumeFrom === null) {
      // Stopped or crashed before its first checkpoint: nothing to continue, so it starts over cleanly
      // (the same seed makes the same rollouts, so marks made on them stay, and recorded evaluations).
      runDir.clearRun({ sameRun: true });
      notes.push({ type: 'warning', message: `--resume: ${runDir.path} has no checkpoint yet; the run starts over from step 1 with its saved config` });
    }
    for (const line of resumeFrom?.setAside ?? []) notes.push({ type: 'warning', message: line });
    for (const c of opts.resumeChanges ?? []) notes.push({ type: 'setting', key: c.key, value: c.to, ok: true, error: null });
    // What this start loads is disposed if a later check fails (a run that does not fit, a missing
    // tokenizer): a dashboard or an in-process comparison that goes on must not keep its tensors.
    const owned: { dispose(): void }[] = [];
    try {
      const studentLoaded = resumeFrom ? resumeFrom.loaded : await loadModel(startDir);
      owned.push(studentLoaded.model);
      const tokenizer = studentLoaded.tokenizer;
      if (!tokenizer) throw new RunDirError(`${startDir} has no tokenizer.json; the student needs its tokenizer next to its weights`);
      const rewards = await loadRewardFunctions(config.grpo.rewards, { cwd: process.cwd() });
      const optimizer = new AdamW({ weightDecay: config.optim.weightDecay, beta1: config.optim.beta1, beta2: config.optim.beta2, eps: config.optim.eps });
      owned.push(optimizer);
      const state: TrainerState | null = resumeFrom?.state ?? null;
      if (resumeFrom) {
        optimizer.setState(resumeFrom.optimizer);
        runDir.truncateAfter('metrics.jsonl', resumeFrom.step - 1);
        runDir.truncateAfter('rollouts.jsonl', resumeFrom.step - 1);
      }
      const templates = new TemplateStore(resolvePromptsDir(config.guidance.promptsDir));
      // The frozen starting weights are both the default teacher and the KL reference: one copy serves both
      // (neither is ever trained), so a run with beta > 0 holds two models, not three.
      let frozenStart: Promise<LoadedModel> | null = null;
      const loadFrozenStart = () =>
        (frozenStart ??= loadModel(startDir).then((m) => {
          owned.push(m.model);
          return m;
        }));
      const teacher = opts.teacher ?? (await buildTeacher(config, startDir, loadFrozenStart));
      if (teacher && !opts.teacher) owned.push(teacher);
      const reference = config.grpo.beta > 0 ? (await loadFrozenStart()).model : null;
      const d = config.data;
      const problems = loadTaskProblems({ task: d.task, split: d.split, file: d.file, difficulty: d.difficulty, count: 20000 });
      const studentPrompt = studentPromptFor(tokenizer, d.task, config.prompt);
      checkRunFits(studentLoaded.model.config, problems, studentPrompt, config);
      if (teacher) checkTeacherFits(teacher, templates.current, problems, config);
      const ctx: StepContext = {
        config,
        student: studentLoaded.model,
        reference,
        tokenizer,
        optimizer,
        teacher,
        templates,
        rewards,
        studentPrompt,
        stopIds: stopTokenIds(studentLoaded.generation, tokenizer.eosId),
        styleCounter: state?.styleCounter ?? 0,
      };
      // --overwrite deletes the earlier run only now, once everything above has loaded and fits: a start
      // that fails (a bad model, a teacher that cannot answer) leaves the earlier run as it was.
      if (existing !== null) runDir.clearRun();
      runDir.writeJson('config.json', config);
      const trainer = new Trainer(config, runDir, ctx, problems, state?.completedSteps ?? 0, resumeFrom?.path ?? null, opts, studentLoaded.generation, lock);
      // Commands a watcher wrote before this start (a past `stop`, say) belong to an earlier process.
      trainer.controlOffset = runDir.controlEnd();
      trainer.staleRemoved = staleRemoved;
      trainer.startNotes = notes;
      return trainer;
    } catch (e) {
      for (const o of owned.reverse()) o.dispose();
      throw e;
    }
  }

  /** Queue a command; it takes effect at the next step boundary. */
  command(c: TrainCommand): void {
    this.queue.push(c);
    this.wake?.();
  }

  private *drainCommands(): Generator<TrainEvent> {
    const fromWatcher = this.runDir.readControl(this.controlOffset);
    this.controlOffset = fromWatcher.offset;
    for (const c of fromWatcher.commands) this.queue.push(c as TrainCommand);
    while (this.queue.length) {
      const c = this.queue.shift()!;
      switch (c.type) {
        case 'pause':
          this.paused = true;
          yield { type: 'state', state: 'paused' };
          break;
        case 'resume':
          this.paused = false;
          yield { type: 'state', state: 'running' };
          break;
        case 'step-once':
          this.stepOnce = true;
          break;
        case 'stop':
          this.stopRequested = { save: c.save ?? true };
          yield { type: 'state', state: 'stopping' };
          break;
        case 'save':
          this.saveRequested = true;
          break;
        case 'reload-templates':
          yield* this.refreshTemplates(true);
          break;
        case 'set':
          yield* this.applySet(c.key, c.value);
          break;
      }
    }
  }

  private *applySet(key: string, value: unknown): Generator<TrainEvent> {
    if (!settableKeys().includes(key)) {
      yield { type: 'setting', key, value, ok: false, error: `${key} cannot change during a run; settable now: ${settableKeys().join(', ')}` };
      return;
    }
    try {
      this.config = applySetting(this.config, key, value);
      this.ctx.config = this.config;
    } catch (e) {
      yield { type: 'setting', key, value, ok: false, error: (e as Error).message };
      return;
    }
    yield { type: 'setting', key, value, ok: true, error: null };
    // The run's config.json follows, so that --resume goes on with what the run was last trained with.
    try {
      this.runDir.writeJson('config.json', this.config);
    } catch (e) {
      yield { type: 'warning', message: `${key} is set for this process, but ${(e as Error).message.split('\n')[0]}; a --resume would use the old value` };
    }
  }

  private *refreshTemplates(force = false): Generator<TrainEvent> {
    const r = this.ctx.templates.refresh({ force });
    if (r.changed) yield { type: 'templates', version: r.version, changed: r.files, error: null };
    else if (r.error) yield { type: 'templates', version: r.version, changed: [], error: r.error };
    // An explicit reload is always answered, so the dashboard can clear its "pending" badges.
    else if (force) yield { type: 'templates', version: r.version, changed: [], error: null };
  }

  /** `keep`: a save a person asked for, marked so rotation never deletes it (run-dir.ts KEEP_FILE). */
  private saveCheckpoint(completed: number, keep = false): string {
    const path = this.runDir.checkpointPath(completed);
    const state: TrainerState = {
      completedSteps: completed,
      styleCounter: this.ctx.styleCounter,
      seed: this.config.run.seed,
      templateVersion: this.ctx.templates.version,
      optimizerStep: this.ctx.optimizer.stepCount,
      task: this.config.data.task,
      prompt: this.config.prompt,
    };
    // Optimizer moments and the trainer state go into the checkpoint folder atomically with the weights.
    saveModel(path, this.ctx.student, {
      tokenizer: this.ctx.tokenizer,
      generation: this.generation,
      extraFiles: {
        [STATE_FILE]: JSON.stringify(state, null, 2) + '\n',
        [OPTIMIZER_FILE]: serializeSafetensors(optimizerToFile(this.ctx.optimizer.getState())),
        // A re-save of the same step (paused, :save twice) keeps the marker an earlier save or an evaluation left.
        ...(keep || isKept(path) ? { [KEEP_FILE]: '' } : {}),
      },
    });
    this.runDir.prune(this.config.run.keepCheckpoints);
    return path;
  }

  /**
   * Save, and say so. A failed save mid-run is a warning (the previous checkpoint is intact) and the
   * run goes on; a failed `final` save (the last step, a stop) is fatal, because the run ends with
   * its newest steps unsaved and must not look like a success.
   */
  private checkpointEvent(step: number, when: string, final = false, keep = false): TrainEvent {
    try {
      return { type: 'checkpoint', step, path: this.saveCheckpoint(step, keep) };
    } catch (e) {
      const why = (e as Error).message.split('\n')[0];
      if (!final) return { type: 'warning', message: `checkpoint ${when} failed: ${why}` };
      const prev = this.runDir.checkpoints()[0];
      const kept = prev ? `the newest saved checkpoint is ${prev.path}` : 'no checkpoint of this run is saved';
      return { type: 'fatal', message: `checkpoint ${when} was not written (${why}); ${kept}` };
    }
  }

  /** Say how many leftovers of interrupted saves create() removed, so the vanished folders are explained. */
  private staleTempsEvent(): TrainEvent[] {
    if (this.staleRemoved === 0) return [];
    const n = this.staleRemoved;
    return [
      {
        type: 'warning',
        message: `removed ${n} unfinished checkpoint folder${n === 1 ? '' : 's'} left by an interrupted save (checkpoints/step-N.tmp-* / .old-*)`,
      },
    ];
  }

  async *run(): AsyncGenerator<TrainEvent> {
    const total = this.config.run.totalSteps;
    const last = Math.min(total, this.opts.maxSteps !== undefined ? this.startStep + this.opts.maxSteps : total);
    yield {
      type: 'run-start',
      runDir: this.runDir.path,
      runName: this.runDir.name,
      totalSteps: total,
      startStep: this.startStep,
      backend: this.opts.backend?.name ?? tf.getBackend(),
      backendReason: this.opts.backend?.reason ?? '',
      config: this.config,
      resumedFrom: this.resumedFrom,
      stopAt: last, // --max-steps: the ETA and the dashboard count to here, not to totalSteps
    };
    yield* this.startNotes;
    yield* this.staleTempsEvent();
    let nanRun = 0;
    let step = this.startStep;
    let reason: 'completed' | 'stopped' | 'nan' = 'completed';
    while (step < last) {
      // A step is one long synchronous computation: without this the event loop never runs, so a
      // SIGINT/SIGTERM handler (which queues `stop`) would not run until the whole run was over.
      await new Promise<void>((r) => setImmediate(r));
      yield* this.drainCommands();
      while (this.paused && !this.stepOnce && !this.stopRequested) {
        if (this.saveRequested) {
          this.saveRequested = false;
          yield this.checkpointEvent(step, 'on request', false, true);
        }
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, 500); // also poll the watcher's control file
        });
        this.wake = null;
        yield* this.drainCommands();
      }
      if (this.stopRequested) {
        reason = 'stopped';
        break;
      }
      this.stepOnce = false;
      yield* this.refreshTemplates();
      yield { type: 'step-start', step };
      const problems = promptIndices(this.problems.length, this.config.run.seed, step, this.config.data.promptsPerStep).map((i) => this.problems[i]);
      let out: Awaited<ReturnType<typeof thinkTuningStep>>;
      try {
        out = await thinkTuningStep(this.ctx, step, problems);
      } catch (e) {
        // A reward module that throws or returns garbage stops the run with its own one-line message.
        if (!(e instanceof RewardError)) throw e;
        yield { type: 'fatal', message: e.message };
        reason = 'stopped';
        break;
      }
      this.runDir.appendLines('rollouts.jsonl', out.rollouts);
      this.runDir.appendLines('metrics.jsonl', [out.metrics]);
      yield { type: 'rollouts', step, rollouts: out.rollouts };
      // Said on every screen (headless line, dashboard notice), not only in rollouts.jsonl.
      const teacherFailed = teacherFailureMessage(step, out.rollouts);
      if (teacherFailed !== null) yield { type: 'warning', message: teacherFailed };
      for (const a of out.teacherAnswers) yield { type: 'teacher-feedback', step, ...a };
      yield { type: 'step', step, metrics: out.metrics };
      step++;
      if (out.skipped) {
        nanRun++;
        yield { type: 'warning', message: `step ${step}: non-finite loss or gradient; the update was skipped (${nanRun} in a row)` }; // step counts this one: its 1-based number
        if (nanRun >= this.config.run.maxNanSteps) {
          yield {
            type: 'fatal',
            message: `${nanRun} steps in a row had a non-finite loss; stopping. Lower optim.lr or check the data, then --resume from the last checkpoint`,
          };
          reason = 'nan';
          break;
        }
      } else nanRun = 0;
      const every = this.config.run.saveEvery;
      // `last` is the end of the run or of --max-steps: either way a run that ends is resumable.
      if (this.saveRequested || (every > 0 && step % every === 0) || step === last) {
        const requested = this.saveRequested;
        this.saveRequested = false;
        yield this.checkpointEvent(step, `at step ${step}`, step === last, requested);
      }
    }
    if (reason === 'stopped' && this.stopRequested?.save && !this.runDir.checkpoints().some((c) => c.step === step)) {
      yield this.checkpointEvent(step, 'at stop', true);
    }
    yield { type: 'done', step, reason };
  }

  dispose(): void {
    this.ctx.student.dispose();
    // The reference may be the teacher's model too (see create); disposing a tensor twice is a no-op.
    this.ctx.reference?.dispose();
    this.ctx.teacher?.dispose();
    this.ctx.optimizer.dispose();
    this.lock.release();
  }
}
