/**
 * Run-time backend choice. Order: tensorflow (GPU), tensorflow (CPU), wasm, cpu — the first that loads.
 * `@tensorflow/tfjs-node(-gpu)` are optionalDependencies: their install script downloads libtensorflow,
 * which fails without network, and npm then installs without them. `--backend` / THINKTUNE_BACKEND
 * force one; a forced backend that cannot load is an error, never a silent fallback. A native backend
 * reports what TensorFlow says (version, GPU or not), so `tensorflow-gpu` running on CPU says so.
 * `thinktune setup-backend` builds the native packages (src/cli/setup-backend.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { installWasmKernels } from './wasm-kernels.js';
import { watchWasmErrors } from './wasm-health.js';
import { startThreadedWasm, wasmThreadsWanted } from './wasm-threads.js';

import { BACKEND_NAMES, type BackendName } from './names.js';

export { BACKEND_NAMES, type BackendName } from './names.js';

export interface BackendChoice {
  name: BackendName;
  /** The tfjs backend id actually active ('tensorflow', 'wasm', 'cpu'). */
  tfBackend: string;
  reason: string;
  /** What the native backend reports about itself; absent for wasm and cpu. */
  native?: NativeTruth;
  /** wasm: the threads its matmuls (XNNPACK) run on, and why not more when fewer were wanted. */
  wasm?: WasmThreads;
}

export interface WasmThreads {
  threads: number;
  /** Why the single-threaded build runs although more threads were wanted; absent otherwise. */
  singleBecause?: string;
}

/** What TensorFlow itself says: its version and whether it placed its ops on a GPU. */
export interface NativeTruth {
  /** The binding's TF_Version, e.g. '2.21.0'; null if the binding does not say. */
  tfVersion: string | null;
  usingGpu: boolean;
}

/**
 * Read the truth off tfjs-node's backend object: `binding.TF_Version` and `isUsingGpuDevice` (set from
 * TF_DeviceList at start-up). tfjs-node-gpu built against a CPU-only TensorFlow, or with no GPU or CUDA
 * library visible, loads fine and runs on CPU: only this tells.
 */
export function nativeTruth(backend: unknown): NativeTruth {
  const b = (backend ?? {}) as { isUsingGpuDevice?: unknown; binding?: { TF_Version?: unknown } };
  const v = b.binding?.TF_Version;
  return { tfVersion: typeof v === 'string' && v ? v : null, usingGpu: b.isUsingGpuDevice === true };
}

export { BackendError } from './errors.js';
import { BackendError } from './errors.js';

const ALIASES: Record<string, BackendName> = {
  gpu: 'tensorflow-gpu',
  'tfjs-node-gpu': 'tensorflow-gpu',
  'tensorflow-gpu': 'tensorflow-gpu',
  node: 'tensorflow',
  'tfjs-node': 'tensorflow',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

export function parseBackendName(raw: string): BackendName {
  const name = ALIASES[raw.trim().toLowerCase()];
  if (!name) throw new BackendError(`unknown backend "${raw}"; use one of ${BACKEND_NAMES.join(', ')}`);
  return name;
}

type TryResult = { ok: true; tfBackend: string; wasm?: WasmThreads } | { ok: false; why: string };

/** Try to activate one backend; returns a failure reason instead of throwing. */
async function tryBackend(name: BackendName): Promise<TryResult> {
  try {
    switch (name) {
      case 'tensorflow-gpu':
        quietTensorflowLog();
        await import('@tensorflow/tfjs-node-gpu' as string);
        break;
      case 'tensorflow':
        quietTensorflowLog();
        await import('@tensorflow/tfjs-node' as string);
        break;
      case 'wasm':
        return await tryWasm();
      case 'cpu':
        await import('@tensorflow/tfjs-backend-cpu');
        break;
    }
    return await activate(name === 'tensorflow-gpu' ? 'tensorflow' : name);
  } catch (err) {
    return { ok: false, why: loadFailure(name, err) };
  }
}

/**
 * The wasm backend, threaded when more than one thread is wanted (wasm-threads.ts); a threaded start
 * that fails falls back to the single-threaded build, and the choice says why.
 */
async function tryWasm(): Promise<TryResult> {
  watchWasmErrors(); // before the module binds its printErr to console.warn
  const wasmModule = await import('@tensorflow/tfjs-backend-wasm');
  installWasmKernels();
  const wanted = wasmThreadsWanted();
  const start = wanted > 1 ? startThreadedWasm(wanted, wasmModule.setThreadsCount) : null;
  if (start && 'why' in start) return activate('wasm', { threads: 1, singleBecause: start.why });
  let ok: boolean;
  try {
    ok = await tf.setBackend('wasm');
    if (ok) await tf.ready();
  } finally {
    start?.finish();
  }
  if (!ok && start) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return activate('wasm', { threads: 1, singleBecause: 'the threaded build did not start' });
  }
  if (!ok) return { ok: false, why: "tf.setBackend('wasm') failed" };
  const threads = wasmModule.getThreadsCount();
  return { ok: true, tfBackend: 'wasm', wasm: { threads, ...(threads < wanted ? { singleBecause: `XNNPACK started ${threads} of ${wanted} threads` } : {}) } };
}

async function activate(tfBackend: string, wasm?: WasmThreads): Promise<TryResult> {
  if (!(await tf.setBackend(tfBackend))) return { ok: false, why: `tf.setBackend('${tfBackend}') failed` };
  await tf.ready();
  return { ok: true, tfBackend, ...(wasm ? { wasm } : {}) };
}

/** TensorFlow's C++ start-up INFO lines (oneDNN, CPU features) would bury our own; TF_CPP_MIN_LOG_LEVEL set by the user wins. */
function quietTensorflowLog(): void {
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
}

/** Why a backend did not load, in a few words that say what to do. */
export function loadFailure(name: BackendName, err: unknown): string {
  const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
  if (/Cannot find (module|package)/.test(msg)) return 'package not installed';
  if (/tfjs_binding\.node\) can not be found/.test(msg)) return `installed without its native binding (build it: thinktune setup-backend ${name})`;
  const lib = /(lib[\w.+-]+\.so[\d.]*): cannot open shared object file/.exec(msg);
  if (lib) return `the binding cannot find ${lib[1]} (run thinktune setup-backend ${name} again, or set LD_LIBRARY_PATH as it said)`;
  return msg.slice(0, 160);
}

/**
 * Pick and activate the backend. `forced` (from --backend) wins over THINKTUNE_BACKEND; otherwise the
 * first of BACKEND_NAMES that loads. The reason names what was skipped and why.
 */
export async function selectBackend(forced?: string, env: NodeJS.ProcessEnv = process.env): Promise<BackendChoice> {
  // PROD: skip tfjs's per-op debug checks and its "install tfjs-node" banner (we print our own line).
  tf.env().set('PROD', true);
  const requested = forced ?? env.THINKTUNE_BACKEND;
  if (requested) {
    const name = parseBackendName(requested);
    const r = await tryBackend(name);
    if (!r.ok) {
      const hint =
        name.startsWith('tensorflow') && !r.why.includes('setup-backend') ? ` (build it with \`thinktune setup-backend ${name}\`; see README "Backends")` : '';
      throw new BackendError(`backend "${name}" was forced but cannot load: ${r.why}${hint}`);
    }
    return chosen(name, r, forced ? 'forced by --backend' : 'forced by THINKTUNE_BACKEND');
  }
  const skipped: string[] = [];
  for (const name of BACKEND_NAMES) {
    const r = await tryBackend(name);
    if (r.ok) {
      const reason = skipped.length ? `first that loads (${skipped.join('; ')})` : 'first that loads';
      return chosen(name, r, reason);
    }
    skipped.push(`${name}: ${r.why}`);
  }
  throw new BackendError(`no TensorFlow.js backend could be loaded (${skipped.join('; ')})`);
}

/** The choice of a backend that loaded, with what it says about itself (native truth, wasm threads). */
function chosen(name: BackendName, r: Extract<TryResult, { ok: true }>, reason: string): BackendChoice {
  const c: BackendChoice = { name, tfBackend: r.tfBackend, reason, ...(r.wasm ? { wasm: r.wasm } : {}) };
  return c.tfBackend === 'tensorflow' ? { ...c, native: nativeTruth(tf.backend()) } : c;
}

/**
 * `backend: wasm — first that loads`; a native one also says its TensorFlow version and where it runs,
 * and tensorflow-gpu without a GPU says so rather than pretending.
 */
export function describeBackend(c: BackendChoice): string {
  if (c.wasm) {
    const threads = `${c.wasm.threads} thread${c.wasm.threads > 1 ? 's' : ''}`;
    return `backend: ${c.name} (${threads}${c.wasm.singleBecause ? `: ${c.wasm.singleBecause}` : ''}) — ${c.reason}`;
  }
  if (!c.native) return `backend: ${c.name} — ${c.reason}`;
  const tfv = `TensorFlow ${c.native.tfVersion ?? '(version unknown)'}`;
  if (c.name === 'tensorflow-gpu' && !c.native.usingGpu) return `backend: tensorflow-gpu (no GPU visible: running on CPU) — ${tfv}; ${c.reason}`;
  return `backend: ${c.name} — ${tfv} on ${c.native.usingGpu ? 'GPU' : 'CPU'}; ${c.reason}`;
}
