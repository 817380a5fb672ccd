/**
 * Run-time backend choice. Order: tensorflow (GPU), tensorflow (CPU), wasm, cpu — the first that loads.
 * `@tensorflow/tfjs-node(-gpu)` are optionalDependencies: their install script downloads libtensorflow,
 * which fails without network, and npm then installs without them. `--backend` / THINKTUNE_BACKEND
 * force one; a forced backend that cannot load is an error, never a silent fallback.
 */
import * as tf from '@tensorflow/tfjs-core';
import { installWasmKernels } from './wasm-kernels.js';
import { watchWasmErrors } from './wasm-health.js';

export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendChoice {
  name: BackendName;
  /** The tfjs backend id actually active ('tensorflow', 'wasm', 'cpu'). */
  tfBackend: string;
  reason: string;
}

export { BackendError } from './errors.js';
import { BackendError } from './errors.js';

const ALIASES: Record<string, BackendName> = {
  gpu: 'tensorflow-gpu', 'tfjs-node-gpu': 'tensorflow-gpu', 'tensorflow-gpu': 'tensorflow-gpu',
  node: 'tensorflow', 'tfjs-node': 'tensorflow', tensorflow: 'tensorflow',
  wasm: 'wasm', cpu: 'cpu',
};

export function parseBackendName(raw: string): BackendName {
  const name = ALIASES[raw.trim().toLowerCase()];
  if (!name) throw new BackendError(`unknown backend "${raw}"; use one of ${BACKEND_NAMES.join(', ')}`);
  return name;
}

/** Try to activate one backend; returns a failure reason instead of throwing. */
async function tryBackend(name: BackendName): Promise<{ ok: true; tfBackend: string } | { ok: false; why: string }> {
  try {
    switch (name) {
      case 'tensorflow-gpu':
        await import('@tensorflow/tfjs-node-gpu' as string);
        break;
      case 'tensorflow':
        await import('@tensorflow/tfjs-node' as string);
        break;
      case 'wasm':
        watchWasmErrors(); // before the module binds its printErr to console.warn
        await import('@tensorflow/tfjs-backend-wasm');
        installWasmKernels();
        break;
      case 'cpu':
        await import('@tensorflow/tfjs-backend-cpu');
        break;
    }
    const tfBackend = name === 'tensorflow-gpu' ? 'tensorflow' : name;
    if (!(await tf.setBackend(tfBackend))) return { ok: false, why: `tf.setBackend('${tfBackend}') failed` };
    await tf.ready();
    return { ok: true, tfBackend };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    const missing = /Cannot find (module|package)/.test(msg);
    return { ok: false, why: missing ? 'package not installed' : msg.slice(0, 160) };
  }
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
      const hint = name.startsWith('tensorflow')
        ? ' (install it with `npm install @tensorflow/tfjs-node' + (name === 'tensorflow-gpu' ? '-gpu' : '') + '`; see README "Backends")'
        : '';
      throw new BackendError(`backend "${name}" was forced but cannot load: ${r.why}${hint}`);
    }
    return { name, tfBackend: r.tfBackend, reason: forced ? 'forced by --backend' : 'forced by THINKTUNE_BACKEND' };
  }
  const skipped: string[] = [];
  for (const name of BACKEND_NAMES) {
    const r = await tryBackend(name);
    if (r.ok) {
      const reason = skipped.length ? `first that loads (${skipped.join('; ')})` : 'first that loads';
      return { name, tfBackend: r.tfBackend, reason };
    }
    skipped.push(`${name}: ${r.why}`);
  }
  throw new BackendError(`no TensorFlow.js backend could be loaded (${skipped.join('; ')})`);
}

export function describeBackend(c: BackendChoice): string {
  return `backend: ${c.name} — ${c.reason}`;
}
