/**
 * Building `@tensorflow/tfjs-node(-gpu)`'s binding against a TensorFlow the user already has. The npm
 * package is installed without its install script (that script downloads libtensorflow 2.9.1, CUDA 11.2),
 * its `deps/include` and `deps/lib` are pointed at the chosen TensorFlow (binding.gyp links
 * `-ltensorflow -ltensorflow_framework` with rpath `$ORIGIN/../../deps/lib`), and the binding is compiled
 * from source (`npm run build-addon-from-source` = node-pre-gyp + node-gyp). A prebuilt binding is never
 * used: it is built against 2.9.1's symbols and does not load against another TensorFlow.
 */
import { accessSync, constants, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { execa } from 'execa';
import { BackendError } from './errors.js';
import { TF_FRAMEWORK, TF_LIBRARY, type NativeFlavor, type TfLibraries } from './tf-libraries.js';

/** The tfjs-node version the binding source comes from (package.json's optionalDependencies). */
export const TFJS_NODE_VERSION = '4.22.0';

export function nativePackage(flavor: NativeFlavor): string {
  return flavor === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
}

/** An executable on PATH, or null. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** node-gyp needs a C and C++ compiler, make and python3; say which are missing, all at once. */
export function checkBuildTools(env: NodeJS.ProcessEnv = process.env): void {
  const missing = ['gcc', 'g++', 'make', 'python3'].filter((t) => !findOnPath(t, env));
  if (missing.length > 0) {
    throw new BackendError(
      `cannot build the TensorFlow binding: ${missing.join(', ')} not found on PATH; ` +
        'install a C++ toolchain (Debian/Ubuntu: apt-get install build-essential python3), or use --backend wasm',
    );
  }
}

/** The installed package folder, resolved from the thinktune folder as `import()` resolves it; null if absent. */
export function findPackageDir(pkg: string, root: string): string | null {
  try {
    return dirname(createRequire(join(root, 'package.json')).resolve(`${pkg}/package.json`));
  } catch {
    return null;
  }
}

/** Install the npm package without its install script (no libtensorflow download), if it is not there. */
export async function ensurePackage(flavor: NativeFlavor, root: string, log: (s: string) => void): Promise<string> {
  const pkg = nativePackage(flavor);
  const found = findPackageDir(pkg, root);
  if (found) return found;
  log(`installing ${pkg}@${TFJS_NODE_VERSION} (without its libtensorflow download) in ${root}`);
  const args = ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `${pkg}@${TFJS_NODE_VERSION}`];
  const r = await execa('npm', args, { cwd: root, reject: false, all: true });
  if (r.exitCode !== 0) throw new BackendError(`npm ${args.join(' ')} failed (exit ${r.exitCode}): ${lastLine(String(r.all))}`);
  const dir = findPackageDir(pkg, root);
  if (!dir) throw new BackendError(`npm installed ${pkg} but it cannot be resolved from ${root}`);
  return dir;
}

/**
 * Point `<pkg>/deps` at the TensorFlow folder: `include` -> its headers; `lib/libtensorflow.so` and the
 * SONAMEs the binding records (libtensorflow_cc.so.2, libtensorflow_framework.so.2) -> its libraries.
 * The old binding (lib/) is removed so that a failed build cannot leave a stale one behind.
 */
export function wireDeps(pkgDir: string, libs: TfLibraries): void {
  const deps = join(pkgDir, 'deps');
  rmSync(deps, { recursive: true, force: true });
  rmSync(join(pkgDir, 'lib'), { recursive: true, force: true });
  rmSync(join(pkgDir, 'build'), { recursive: true, force: true });
  mkdirSync(join(deps, 'lib'), { recursive: true });
  symlinkSync(join(libs.dir, 'include'), join(deps, 'include'));
  const links: Record<string, string> = {
    'libtensorflow.so': TF_LIBRARY,
    [TF_LIBRARY]: TF_LIBRARY,
    'libtensorflow_framework.so': TF_FRAMEWORK,
    [TF_FRAMEWORK]: TF_FRAMEWORK,
  };
  for (const [link, target] of Object.entries(links)) symlinkSync(join(libs.dir, target), join(deps, 'lib', link));
  writeFileSync(join(deps, 'thinktune-source.json'), JSON.stringify({ tensorflow: libs.dir, version: libs.version }, null, 2) + '\n');
}

/**
 * node-gyp takes Node's headers from `nodedir` (npm config) or downloads them; Node's own install
 * prefix usually has them (`<prefix>/include/node`), so point it there when nothing else is set.
 */
export function buildEnv(env: NodeJS.ProcessEnv = process.env, execPath: string = process.execPath): NodeJS.ProcessEnv {
  if (env.npm_config_nodedir) return env;
  const prefix = dirname(dirname(execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? { ...env, npm_config_nodedir: prefix } : env;
}

/** Compile the binding; the compiler's output goes to `logFile`, its last line into the error. */
export async function buildBinding(pkgDir: string, logFile: string): Promise<void> {
  mkdirSync(dirname(logFile), { recursive: true });
  const r = await execa('npm', ['run', 'build-addon-from-source'], { cwd: pkgDir, env: buildEnv(), reject: false, all: true });
  writeFileSync(logFile, String(r.all ?? ''));
  if (r.exitCode !== 0) {
    throw new BackendError(`building the TensorFlow binding failed (exit ${r.exitCode}): ${lastErrorLine(String(r.all ?? ''))}; full log: ${logFile}`);
  }
}

/** What the rebuilt backend reports in a fresh process. */
export interface NativeCheck {
  tfVersion: string;
  usingGpu: boolean;
  /** TensorFlow's own "Created device ..." log lines, e.g. '/job:localhost/replica:0/task:0/device:GPU:0'. */
  devices: string[];
  /** TensorFlow's warnings about GPU libraries it could not load (the cause of a CPU-only GPU build). */
  gpuWarnings: string[];
}

/**
 * Load the package in a child process (a broken binding can crash it), run one matmul, report.
 * `libDirs` go on the child's LD_LIBRARY_PATH, as the printed profile line would put them.
 */
export async function checkBackendLoads(pkgDir: string, libDirs: string[] = []): Promise<NativeCheck> {
  const script = [
    `const tf = require(${JSON.stringify(pkgDir)});`,
    'const b = tf.backend();',
    'const y = Array.from(tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]])).dataSync());',
    'console.log(JSON.stringify({ tf: b.binding.TF_Version, gpu: !!b.isUsingGpuDevice, y }));',
  ].join('\n');
  const env: NodeJS.ProcessEnv = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '0' };
  if (libDirs.length) env.LD_LIBRARY_PATH = [...libDirs, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  const r = await execa(process.execPath, ['-e', script], { reject: false, env });
  const stderr = String(r.stderr);
  if (r.exitCode !== 0) throw new BackendError(`the rebuilt binding does not load: ${lastErrorLine(stderr)}`);
  const out = JSON.parse(String(r.stdout).trim().split('\n').pop() ?? '{}') as { tf?: string; gpu?: boolean; y?: number[] };
  if (JSON.stringify(out.y) !== '[17,39]')
    throw new BackendError(`the rebuilt binding computes wrong numbers (matMul gave ${JSON.stringify(out.y)}, expected [17,39])`);
  return { tfVersion: out.tf ?? 'unknown', usingGpu: out.gpu === true, ...parseTfLog(stderr) };
}

/** Devices and GPU-library warnings from TensorFlow's startup log (TF_CPP_MIN_LOG_LEVEL=0). */
export function parseTfLog(stderr: string): { devices: string[]; gpuWarnings: string[] } {
  const devices = [...stderr.matchAll(/Created device (\S+)/g)].map((m) => m[1]);
  const gpuWarnings = stderr
    .split('\n')
    .filter((l) => /Cannot dlopen some GPU libraries|Could not find cuda drivers|failed call to cuInit|Could not load dynamic library/.test(l))
    .map((l) => l.replace(/^.*?\] /, '').trim());
  return { devices: [...new Set(devices)], gpuWarnings: [...new Set(gpuWarnings)] };
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .filter((l) => l.trim())
      .pop()
      ?.trim()
      .slice(0, 200) ?? 'no output'
  );
}

/** The first line that looks like the error (compiler `error:`, npm ERR!, a thrown Error), else the last. */
export function lastErrorLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const hit = lines.find((l) => /(^|\s)(error|Error):|fatal error|cannot open shared object/.test(l));
  return (hit ?? lines.pop() ?? 'no output').slice(0, 200);
}
