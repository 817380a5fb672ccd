/**
 * End to end: the real `thinktune train` on a terminal (an 80x24 tmux pane on a private tmux server),
 * with a tiny untrained model so steps take a fraction of a second. Reads the screen with
 * capture-pane: the step counter advances; p pauses (and the counter stops), p resumes; q saves a
 * checkpoint and quits, leaving the terminal usable (cooked mode, cursor visible, a shell prompt).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { useTestBackend } from '../helpers/backend.js';
import { saveTinyModel } from '../helpers/tiny-model.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tmuxVersion = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
const skip = tmuxVersion.status === 0 ? false : 'tmux is not installed (`tmux -V` failed); this end-to-end dashboard test drives a real terminal through tmux';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('thinktune train in a terminal: steps advance, p pauses and resumes, q saves and restores the terminal', { skip, timeout: 120_000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'thinktune-e2e-'));
  const server = `thinktune-e2e-${process.pid}`; // a private tmux server: nothing of the person's own tmux is touched
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
  const screen = () => tmux('capture-pane', '-p', '-t', 'e2e');
  const header = () => screen().split('\n')[0] ?? '';
  const stepShown = () => Number(/step (\d+)\/50/.exec(header())?.[1] ?? -1);
  const waitUntil = async (what: string, check: () => boolean, timeoutMs: number) => {
    const start = Date.now();
    while (!check()) {
      if (Date.now() - start > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}; the screen:\n${screen()}`);
      await sleep(100);
    }
  };
  try {
    await useTestBackend();
    const model = saveTinyModel(1, tmp);
    const runDir = join(tmp, 'run');
    const script = join(tmp, 'run.sh');
    const train = [
      'node --import tsx src/cli/main.ts train',
      `--set model.checkpoint=${model}`,
      '--set run.totalSteps=50',
      '--set data.promptsPerStep=2',
      '--set grpo.groupSize=2',
      '--set grpo.maxNewTokens=16',
      '--set teacher.maxNewTokens=8',
      `--run-dir ${runDir}`,
    ].join(' ');
    // After the dashboard exits: its status, the terminal modes it left behind, then a shell prompt.
    writeFileSync(script, `cd '${repo}'\n${train}\necho "EXIT=$?"\nstty -a > '${join(tmp, 'stty.txt')}'\nPS1='e2e$ ' exec sh -i\n`);
    tmux('new-session', '-d', '-s', 'e2e', '-x', '80', '-y', '24', '-e', `XDG_CONFIG_HOME=${join(tmp, 'config')}`, '-e', 'THINKTUNE_ASCII=', `sh '${script}'`);

    await waitUntil('the step counter to reach 2', () => stepShown() >= 2, 60_000);
    assert.match(header(), /▶ running/);

    tmux('send-keys', '-t', 'e2e', 'p');
    await waitUntil('the header to show paused', () => /‖ paused/.test(header()), 15_000);
    const pausedAt = stepShown();
    await sleep(3000);
    assert.match(header(), /‖ paused/);
    assert.equal(stepShown(), pausedAt, `the step counter moved while paused:\n${screen()}`);

    tmux('send-keys', '-t', 'e2e', 'p');
    await waitUntil('the step counter to move again after resuming', () => stepShown() > pausedAt, 15_000);

    tmux('send-keys', '-t', 'e2e', 'q');
    await waitUntil('the dashboard to exit', () => /^EXIT=\d+/m.test(screen()), 30_000);
    assert.match(screen(), /^EXIT=0$/m);
    await waitUntil('a shell prompt', () => /^e2e\$/m.test(screen()), 10_000);

    const saved = readdirSync(join(runDir, 'checkpoints')).filter((n) => /^step-\d+$/.test(n));
    assert.ok(saved.length > 0, 'q saved a checkpoint');
    const newest = Math.max(...saved.map((n) => Number(n.slice(5))));
    assert.ok(newest > pausedAt, `checkpoint step-${newest} covers the steps run after resuming (paused at ${pausedAt})`);
    assert.ok(existsSync(join(runDir, 'checkpoints', `step-${newest}`, 'thinktune', 'state.json')), 'the checkpoint is complete');

    // The terminal is given back: line editing and echo on, cursor visible.
    const stty = readFileSync(join(tmp, 'stty.txt'), 'utf8');
    assert.match(stty, /(^|\s)icanon(\s|$)/m, `still in raw mode:\n${stty}`);
    assert.match(stty, /(^|\s)echo(\s|$)/m, `echo left off:\n${stty}`);
    assert.equal(tmux('display-message', '-p', '-t', 'e2e', '#{cursor_flag}').trim(), '1', 'the cursor is visible again');
  } finally {
    spawnSync('tmux', ['-L', server, 'kill-server']);
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('thinktune watch in a terminal: a finished run says so, keys sent together all land, commands say the run is gone', {
  skip,
  timeout: 180_000,
}, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'thinktune-e2e-watch-'));
  const server = `thinktune-e2e-watch-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
  const screen = () => tmux('capture-pane', '-p', '-t', 'w');
  const waitUntil = async (what: string, check: () => boolean, timeoutMs: number) => {
    const start = Date.now();
    while (!check()) {
      if (Date.now() - start > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}; the screen:\n${screen()}`);
      await sleep(100);
    }
  };
  try {
    await useTestBackend();
    const model = saveTinyModel(3, tmp);
    const runDir = join(tmp, 'run');
    const sets = [
      `model.checkpoint=${model}`,
      'run.totalSteps=3',
      'data.promptsPerStep=2',
      'grpo.groupSize=2',
      'grpo.maxNewTokens=16',
      'guidance.enabled=false',
    ];
    const done = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'train', '--headless', ...sets.flatMap((s) => ['--set', s]), '--run-dir', runDir],
      {
        cwd: repo,
        encoding: 'utf8',
      },
    );
    assert.equal(done.status, 0, done.stderr);
    const script = join(tmp, 'watch.sh');
    writeFileSync(script, `cd '${repo}'\nnode --import tsx src/cli/main.ts watch '${runDir}'\necho "EXIT=$?"\nPS1='e2e$ ' exec sh -i\n`);
    tmux('new-session', '-d', '-s', 'w', '-x', '80', '-y', '24', '-e', `XDG_CONFIG_HOME=${join(tmp, 'config')}`, `sh '${script}'`);
    await waitUntil('the header to say the run finished', () => /■ finished \(since/.test(screen().split('\n')[0] ?? ''), 60_000);
    // Two keys in one send-keys call reach the dashboard as one chunk: both must act.
    tmux('send-keys', '-t', 'w', 'Tab', 'Tab');
    await waitUntil('two tabs to move the focus to templates', () => /\[templates\]/.test(screen()), 15_000);
    tmux('send-keys', '-t', 'w', 'p');
    await waitUntil('p to say the run is not running', () => /not running/.test(screen()), 15_000);
    tmux('send-keys', '-t', 'w', 'q');
    await waitUntil('the watcher to exit', () => /^EXIT=\d+/m.test(screen()), 30_000);
    assert.match(screen(), /^EXIT=0$/m);
  } finally {
    spawnSync('tmux', ['-L', server, 'kill-server']);
    rmSync(tmp, { recursive: true, force: true });
  }
});
