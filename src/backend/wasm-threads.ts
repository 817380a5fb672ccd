/**
 * tfjs-backend-wasm's threaded build (XNNPACK on a pthread pool) under Node.
 *
 * tfjs 4.22 turns its threaded build off under Node (WASM_HAS_MULTITHREAD_SUPPORT is false there, tfjs
 * issue 3830) because its Emscripten glue hands the pthread workers blob: URLs, which Node's Worker does
 * not take, and caps the pool at half of os.cpus() (it assumes two hyper-threads per core). Training on
 * wasm is bound by single-threaded matmuls (docs/engine.md), and the threaded build measured 1.6-1.9x on
 * the projection matmuls on both cores of a 2-core machine, so it is worth switching on. While the
 * backend initializes, this module:
 *
 * - records the text of the two Blobs tfjs makes (the pthread worker script and the module factory the
 *   worker evaluates) and writes them to files in the user's cache folder (named by a hash of their text);
 * - answers URL.createObjectURL for the worker Blob with that file's path, so `new Worker(path)` loads;
 * - has the worker script read the factory from its file instead of from a blob: URL, with the bundle's
 *   module-scope names (`require$$0 = require('fs')`, ...) that the factory's text refers to defined first;
 * - makes os.cpus() report twice the threads wanted, so the pool gets `threads` threads.
 * Everything is put back once the backend is ready, and the pool's workers are unref'd (they would keep
 * the process alive). The markers it depends on are checked in the package's text first: if any is
 * missing (another tfjs version), the single-threaded build runs and the reason says why.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';

const require = createRequire(import.meta.url);
/** The CommonJS `os` object: the one the wasm bundle's `require('os')` reads cpus() from. */
const os = require('node:os') as typeof import('node:os');

/** tfjs caps XNNPACK's pool at 8 threads (the Emscripten pool's pre-started workers). */
export const MAX_WASM_THREADS = 8;

const FACTORY_PREFIX = 'var WasmBackendModuleThreadedSimd';
const WORKER_LOADS_FACTORY = 'importScripts(objectUrl)';
const MARKERS = [FACTORY_PREFIX.slice(4) + ' = ', WORKER_LOADS_FACTORY, '.cpus().length', 'mainScriptUrlOrBlob'];

/** Threads wanted: THINKTUNE_WASM_THREADS if set (1 = the single-threaded build), else one per core (at most 8). */
export function wasmThreadsWanted(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.THINKTUNE_WASM_THREADS;
  if (raw === undefined || raw === '') return Math.min(availableParallelism(), MAX_WASM_THREADS);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS) {
    throw new Error(`THINKTUNE_WASM_THREADS must be a whole number from 1 to ${MAX_WASM_THREADS}, not "${raw}"`);
  }
  return n;
}

/**
 * The environment for one of `jobs` parallel child processes: the cores shared out, so that N jobs do
 * not each start a thread per core (a pool thread preempted by a neighbour stalls every matmul it is
 * part of). A THINKTUNE_WASM_THREADS the user set is kept.
 */
export function wasmThreadsPerJob(jobs: number, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.THINKTUNE_WASM_THREADS) return {};
  return { THINKTUNE_WASM_THREADS: String(Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(availableParallelism() / jobs)))) };
}

/** A threaded start in progress: call finish() once tf.setBackend('wasm') has settled, whatever it returned. */
export interface ThreadedStart {
  finish(): void;
}

interface WasmModuleLike {
  PThread?: { runningWorkers?: { unref(): void }[]; unusedWorkers?: { unref(): void }[] };
}

/** The bundle's `var require$$N = require('X');` lines, as a prelude that defines the same names in a worker. */
function bundlePrelude(bundleText: string, factoryFile: string): string {
  const names = [...bundleText.matchAll(/^var (require\$\$\d+) = require\('([\w/:-]+)'\);$/gm)].map(
    ([, name, mod]) => `${name} = require(${JSON.stringify(mod)})`,
  );
  return `var ${[...names, 'commonjsGlobal = globalThis', `_scriptDir = ${JSON.stringify(factoryFile)}`].join(', ')};\n`;
}

/**
 * Make `file` hold exactly `text`: kept when it does, else written by rename, so a process starting beside
 * this one never reads half a file (a pthread worker that fails to load takes the whole process down).
 */
function ensureFile(file: string, text: string): string {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return file;
  const partial = `${file}.${process.pid}.${threadId}.partial`;
  writeFileSync(partial, text);
  renameSync(partial, file);
  return file;
}

/** The user's own cache folder (XDG), not a shared temp folder: these files are run as code. */
function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const dir = join(base, 'thinktune', 'wasm-threads');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * Prepare the threaded build for `threads` threads. Call after importing tfjs-backend-wasm and before
 * tf.setBackend('wasm'). Returns the reason instead when it cannot (then nothing was changed).
 */
export function startThreadedWasm(threads: number, setThreadsCount: (n: number) => void): ThreadedStart | { why: string } {
  let bundlePath: string;
  let bundleText: string;
  try {
    bundlePath = require.resolve('@tensorflow/tfjs-backend-wasm');
    bundleText = readFileSync(bundlePath, 'utf8');
  } catch (err) {
    return { why: `cannot read the wasm backend's script (${String(err).slice(0, 80)})` };
  }
  const missing = MARKERS.find((m) => !bundleText.includes(m));
  if (missing) return { why: `this tfjs-backend-wasm does not have the code the threaded start relies on ("${missing}")` };

  let dir: string;
  try {
    dir = cacheDir();
  } catch (err) {
    return { why: `cannot make its cache folder (${String(err).slice(0, 80)})` };
  }
  const factoryFile = join(dir, `factory-${hashOf(bundleText)}.js`);
  const prelude = bundlePrelude(bundleText, factoryFile);
  const texts = new WeakMap<Blob, string>();
  const RealBlob = globalThis.Blob;
  const realCreateObjectURL = URL.createObjectURL;
  const realCpus = os.cpus;

  class RecordingBlob extends RealBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      const text = (parts ?? []).every((p) => typeof p === 'string') ? (parts as string[]).join('') : null;
      if (text === null) return;
      texts.set(this, text);
      // The factory Blob is never turned into a URL in this thread: the workers get the Blob itself.
      if (text.startsWith(FACTORY_PREFIX)) ensureFile(factoryFile, prelude + text);
    }
  }
  globalThis.Blob = RecordingBlob;
  // Asked once per pool worker (8 times) for the same Blob text: the file is checked and written once.
  let workerFile: string | null = null;
  URL.createObjectURL = (blob: Blob) => {
    const text = texts.get(blob);
    if (text === undefined || !text.includes(WORKER_LOADS_FACTORY)) return realCreateObjectURL(blob);
    if (workerFile === null) {
      const worker = text.replace(WORKER_LOADS_FACTORY, `importScripts(${JSON.stringify(factoryFile)})`);
      workerFile = ensureFile(join(dir, `pthread-worker-${hashOf(worker)}.js`), worker);
    }
    return workerFile;
  };
  os.cpus = () => {
    const cpus = realCpus();
    return Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]);
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);

  return {
    finish() {
      globalThis.Blob = RealBlob;
      URL.createObjectURL = realCreateObjectURL;
      os.cpus = realCpus;
      const pthread = (tf.findBackend('wasm') as unknown as { wasm?: WasmModuleLike } | undefined)?.wasm?.PThread;
      for (const w of [...(pthread?.runningWorkers ?? []), ...(pthread?.unusedWorkers ?? [])]) w.unref();
    },
  };
}
