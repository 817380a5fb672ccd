// Faults and bad input: SIGKILL mid-step then --resume, NaN losses, a teacher server that fails or
// hangs mid-run, an unwritable run folder, a checkpoint that cannot be written.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { tinyWorldModel } from '../helpers/tiny-world.js';
import { parseTrainConfig, type TrainConfigInput } from '../../src/config/train-config.js';
import { Trainer } from '../../src/trainer/trainer.js';
import { OpenAITeacher } from '../../src/trainer/teacher.js';
import { loadTemplates } from '../../src/prompts/templates.js';
import type { TrainEvent } from '../../src/trainer/events.js';
import { ProgressPrinter } from '../../src/trainer/print.js';
import { parseProgressLine } from '../helpers/progress-lines.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { runCli } from '../helpers/run-cli.js';

let modelDir = '';
before(async () => {
  await useTestBackend();
  modelDir = tinyWorldModel();
});

const base = (over: TrainConfigInput = {}): TrainConfigInput => ({
  model: { checkpoint: modelDir },
  data: { promptsPerStep: 2 },
  grpo: { groupSize: 3, maxNewTokens: 24 },
  guidance: { initPct: 0.5, minPct: 0.4, offThreshold: 0.3, ...(over.guidance ?? {}) },
  teacher: { maxNewTokens: 16, ...(over.teacher ?? {}) },
  optim: { lr: 1e-3, ...(over.optim ?? {}) },
  run: { totalSteps: 3, saveEvery: 1, seed: 5, ...(over.run ?? {}) },
});

async function runAll(t: Trainer): Promise<TrainEvent[]> {
  const events: TrainEvent[] = [];
  for await (const e of t.run()) events.push(e);
  t.dispose();
  return events;
}

const steps = (f: string) =>
  readFileSync(f, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).step as number);
/** "done/total" of each headless step line in `out` (format: src/trainer/print.ts). */
const stepLines = (out: string) =>
  out.split('\n').flatMap((l) => {
    const p = parseProgressLine(l);
    return p?.kind === 'step' ? [`${p.done}/${p.total}`] : [];
  });

test('SIGKILL mid-step, then --resume: no lost and no duplicated lines for checkpointed steps', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-kill-'));
  try {
    const cfgFile = join(dir, 'config.json');
    writeFileSync(cfgFile, JSON.stringify(base({ run: { totalSteps: 5 } })));
    const runDir = join(dir, 'run');
    const killed = await runCli(['train', '--headless', '--config', cfgFile, '--run-dir', runDir], (line, kill) => {
      const p = parseProgressLine(line);
      if (p?.kind === 'checkpoint' && p.step === 2) kill(); // step 3 has begun or is about to
    });
    assert.equal(killed.signal, 'SIGKILL', killed.out);
    assert.ok(existsSync(join(runDir, 'checkpoints', 'step-2')));
    assert.deepEqual(stepLines(killed.out), ['1/5', '2/5'], 'step lines count from 1');
    const resumed = await runCli(['train', '--headless', '--config', cfgFile, '--run-dir', runDir, '--resume']);
    assert.equal(resumed.code, 0, resumed.out);
    assert.match(resumed.out, /^run .*: steps 3\.\.5 on .*resumed from .*step-2$/m);
    assert.deepEqual(stepLines(resumed.out), ['3/5', '4/5', '5/5'], 'the resumed run goes on counting where the checkpoint left off');
    assert.match(resumed.out, /^step 5\/5 {2}.* ETA 0\.0s$/m);
    assert.match(resumed.out, /^done after step 5 \(completed\)$/m);
    assert.deepEqual(steps(join(runDir, 'metrics.jsonl')), [0, 1, 2, 3, 4]);
    const rolloutSteps = steps(join(runDir, 'rollouts.jsonl'));
    for (let s = 0; s < 5; s++) assert.equal(rolloutSteps.filter((x) => x === s).length, 2 * 3, `rollouts of step ${s}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGKILLs timed into saves and at a random moment: the resumed run ends bit-identical to an uninterrupted one', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-kills-'));
  try {
    const cfgFile = join(dir, 'config.json');
    writeFileSync(cfgFile, JSON.stringify(base({ run: { totalSteps: 4 } })));
    const reference = join(dir, 'reference');
    assert.equal((await runCli(['train', '--headless', '--config', cfgFile, '--run-dir', reference])).code, 0);

    const run = join(dir, 'run');
    // A step line is printed just before that step's checkpoint is written (saveEvery 1): a kill on
    // reading it lands in or right after the save. The random one lands anywhere, a start included.
    const killOnStep = (n: number) => (line: string, kill: () => void) => {
      const p = parseProgressLine(line);
      if (p?.kind === 'step' && p.done === n) kill();
    };
    const killAfter = (ms: number) => {
      let armed = false;
      return (_line: string, kill: () => void) => {
        if (!armed) {
          armed = true;
          setTimeout(kill, ms);
        }
      };
    };
    const randomMs = Math.floor(Math.random() * 3000);
    const signals: (string | null)[] = [];
    for (const plan of [killOnStep(1), killAfter(randomMs), killOnStep(3)]) {
      const args = existsSync(join(run, 'config.json')) ? ['--resume', '--run-dir', run] : ['--config', cfgFile, '--run-dir', run];
      signals.push((await runCli(['train', '--headless', ...args], plan)).signal);
    }
    assert.equal(signals[0], 'SIGKILL', 'the first run was killed at its first save');
    const last = await runCli(['train', '--headless', '--resume', '--run-dir', run]);
    assert.equal(last.code, 0, `random kill after ${randomMs} ms\n${last.out}`);

    const final = (d: string) => join(d, 'checkpoints', 'step-4');
    for (const file of ['model.safetensors', join('thinktune', 'optimizer.safetensors')]) {
      const want = readSafetensors(join(final(reference), file));
      const got = readSafetensors(join(final(run), file));
      assert.deepEqual([...got.keys()], [...want.keys()]);
      for (const [name, t] of want)
        assert.ok(Buffer.from(got.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), `${file} ${name} differs (random kill after ${randomMs} ms)`);
    }
    assert.deepEqual(steps(join(run, 'metrics.jsonl')), [0, 1, 2, 3], 'each step once');
    const rewards = (d: string) =>
      readFileSync(join(d, 'rollouts.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).reward as number);
    assert.deepEqual(rewards(run), rewards(reference));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('non-finite losses are skipped and reported; repeated ones stop the run with a message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-nan-'));
  try {
    const config = parseTrainConfig(base({ guidance: { enabled: false }, optim: { lr: 1e30 }, run: { totalSteps: 8, maxNanSteps: 2 } }));
    const events = await runAll(await Trainer.create({ config, runDir: dir }));
    const w = events.findIndex((e) => e.type === 'warning' && /non-finite/.test(e.message));
    assert.ok(w > 0);
    // The warning follows its step's event and names it as users count steps: index i is step i + 1.
    const skipped = events
      .slice(0, w)
      .filter((e): e is Extract<TrainEvent, { type: 'step' }> => e.type === 'step')
      .at(-1)!;
    assert.match((events[w] as { message: string }).message, new RegExp(`^step ${skipped.step + 1}: non-finite`));
    const fatal = events.find((e) => e.type === 'fatal');
    assert.ok(fatal && /in a row had a non-finite loss; stopping/.test((fatal as { message: string }).message));
    assert.deepEqual(events.at(-1), { type: 'done', step: (events.at(-1) as { step: number }).step, reason: 'nan' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a teacher server that fails or hangs mid-run means "no feedback", a warning per step, and its error in rollouts.jsonl', async () => {
  // Both answer the 1-token start-up check (checkEndpoint), then fail every feedback request.
  const failing = (feedback: (res: ServerResponse) => void) =>
    createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (JSON.parse(body).max_tokens === 1) {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ choices: [{ message: { content: 'OK' } }] }));
        } else feedback(res);
      });
    });
  const broken = failing((res) => {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'CUDA out of memory' } }));
  });
  const slow = failing(() => {}); // never answers
  const servers = [broken, slow];
  for (const s of servers) await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const dir = mkdtempSync(join(tmpdir(), 'tt-teacher-'));
  try {
    const cases: [ReturnType<typeof createServer>, RegExp][] = [
      [broken, /failed after 2 attempts: HTTP 500: CUDA out of memory$/],
      [slow, /failed after 2 attempts: no answer within 300 ms$/],
    ];
    for (const [server, error] of cases) {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
      const config = parseTrainConfig(base({ teacher: { kind: 'openai', url, model: 'm', timeoutMs: 300, retries: 1 }, run: { totalSteps: 2, saveEvery: 0 } }));
      const runDir = join(dir, String(servers.indexOf(server)));
      const events = await runAll(await Trainer.create({ config, runDir }));
      const stepEvents = events.filter((e): e is Extract<TrainEvent, { type: 'step' }> => e.type === 'step');
      assert.equal(stepEvents.length, 2, 'training continued');
      const chosen = stepEvents.reduce((n, e) => n + (e.metrics['guidance/chosen'] ?? 0), 0);
      assert.ok(chosen > 0);
      assert.equal(
        stepEvents.reduce((n, e) => n + (e.metrics['guidance/no_feedback'] ?? 0), 0),
        chosen,
      );
      const fb = events.find((e) => e.type === 'teacher-feedback') as Extract<TrainEvent, { type: 'teacher-feedback' }>;
      assert.match(fb.text, error);
      // The headless output says so once per step that had failures, before that step's line.
      const printer = new ProgressPrinter();
      const lines = events.map((e) => printer.line(e)?.text).filter((l): l is string => l !== undefined);
      const warnings = lines.filter((l) => l.startsWith('warning: teacher: '));
      const stepsWithCalls = stepEvents.filter((e) => (e.metrics['guidance/chosen'] ?? 0) > 0);
      assert.equal(warnings.length, stepsWithCalls.length, lines.join('\n'));
      for (const e of stepsWithCalls) {
        const n = e.metrics['guidance/chosen'];
        const at = lines.findIndex((l) =>
          l.startsWith(`warning: teacher: ${n} of ${n} calls failed at step ${e.step + 1}: teacher at ${url} failed after 2 attempts`),
        );
        assert.ok(at >= 0 && lines[at + 1].startsWith(`step ${e.step + 1}/2 `), lines.join('\n'));
      }
      // rollouts.jsonl keeps the reason, the server's words included.
      const reasons = readFileSync(join(runDir, 'rollouts.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).noFeedbackReason)
        .filter((r) => r !== null);
      assert.equal(reasons.length, chosen);
      for (const r of reasons) assert.match(r, new RegExp(`^teacher-error: teacher at ${url.replace(/[.]/g, '\\.')} ${error.source}`));
    }
  } finally {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OpenAITeacher talks to an OpenAI-compatible server with a concurrency limit', async () => {
  let inFlight = 0;
  let peak = 0;
  const seen: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      seen.push(JSON.parse(body));
      setTimeout(() => {
        inFlight--;
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({ choices: [{ message: { content: '<opinion>correct</opinion> <reason>Wait... fine.</reason> <phrase>\\boxed{1}</phrase>' } }] }),
        );
      }, 30);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const t = new OpenAITeacher({
      url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/`,
      model: 'qwen',
      timeoutMs: 2000,
      retries: 0,
      concurrency: 2,
      maxNewTokens: 50,
    });
    const replies = await t.feedback(
      loadTemplates('prompts'),
      Array.from({ length: 5 }, (_, i) => ({ question: `Q${i}?`, response: 'R.', styles: ['self-agreement' as const] })),
    );
    assert.ok(replies.every((r) => r.ok));
    assert.equal(peak, 2);
    const first = seen[0] as { model: string; temperature: number; messages: { role: string; content: string }[] };
    assert.equal(first.model, 'qwen');
    assert.equal(first.temperature, 0, 'greedy teacher decoding');
    assert.deepEqual(
      first.messages.map((m) => m.role),
      ['system', 'user'],
    );
  } finally {
    server.close();
  }
});

test('an unwritable run folder is a one-line error; a failed checkpoint leaves the previous one intact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-disk-'));
  try {
    writeFileSync(join(dir, 'not-a-folder'), 'x');
    const config = parseTrainConfig(base({ run: { totalSteps: 2 } }));
    await assert.rejects(
      Trainer.create({ config, runDir: join(dir, 'not-a-folder', 'run') }),
      (e: Error) => /cannot write run folder/.test(e.message) && !e.message.includes('\n'),
    );
    // Block step-2's checkpoint folder with unrelated content: the save is refused, step-1 survives.
    const runDir = join(dir, 'run');
    mkdirSync(join(runDir, 'checkpoints', 'step-2'), { recursive: true });
    writeFileSync(join(runDir, 'checkpoints', 'step-2', 'precious.txt'), 'do not delete');
    const events = await runAll(await Trainer.create({ config: parseTrainConfig(base({ guidance: { enabled: false }, run: { totalSteps: 2 } })), runDir }));
    // Step 2 is the last: its failed save ends the run as an error, not a warning (stops.test.ts).
    const fatal = events.find((e) => e.type === 'fatal' && /checkpoint at step 2 was not written/.test(e.message));
    assert.ok(fatal, JSON.stringify(events.filter((e) => e.type === 'warning' || e.type === 'fatal')));
    assert.ok(existsSync(join(runDir, 'checkpoints', 'step-1', 'model.safetensors')));
    assert.equal(readFileSync(join(runDir, 'checkpoints', 'step-2', 'precious.txt'), 'utf8'), 'do not delete');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
