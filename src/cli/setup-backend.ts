/**
 * `thinktune setup-backend tensorflow|tensorflow-gpu [--from WHEEL|SITE_PACKAGES] [--pip PIP]`: build the
 * native backend against a current TensorFlow instead of the libtensorflow 2.9.1 (CUDA 11.2) that
 * tfjs-node's install script downloads. Steps: check the build tools, find TensorFlow's C libraries
 * (src/backend/tf-libraries.ts), install the npm package without its script, wire deps/, compile the
 * binding (src/backend/native-build.ts), then load it in a child process and say what it sees.
 * Progress goes to stderr; the result lines (version, devices, profile line) to stdout.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BackendError } from '../backend/errors.js';
import {
  buildBinding,
  checkBackendLoads,
  checkBuildTools,
  ensurePackage,
  findOnPath,
  nativePackage,
  wireDeps,
  type NativeCheck,
} from '../backend/native-build.js';
import {
  cacheRoot,
  inspectTensorflowDir,
  pipDownload,
  pipInstalledSite,
  profileLine,
  requireFlavorBuild,
  tensorflowDirOf,
  unpackWheel,
  type NativeFlavor,
  type TfLibraries,
} from '../backend/tf-libraries.js';
import { packageRoot } from '../paths.js';
import { UsageError } from './errors.js';

export interface SetupBackendArgs {
  from?: string;
  pip?: string;
}

export function parseFlavor(raw: string): NativeFlavor {
  const name = raw.trim().toLowerCase();
  if (name === 'tensorflow' || name === 'tensorflow-gpu') return name;
  throw new UsageError(`setup-backend builds tensorflow or tensorflow-gpu, not "${raw}" (wasm and cpu need no setup)`);
}

const log = (s: string) => process.stderr.write(`thinktune setup-backend: ${s}\n`);

export async function setupBackendCommand(rawFlavor: string, a: SetupBackendArgs): Promise<void> {
  const flavor = parseFlavor(rawFlavor);
  if (process.platform !== 'linux') {
    throw new BackendError(`setup-backend builds on Linux only (this is ${process.platform}); use --backend wasm here`);
  }
  checkBuildTools();
  const cache = cacheRoot();
  const libs = await locateTensorflow(flavor, a, cache);
  requireFlavorBuild(libs, flavor);
  log(`TensorFlow ${libs.version} in ${libs.dir}`);
  const pkgDir = await ensurePackage(flavor, packageRoot(), log);
  wireDeps(pkgDir, libs);
  const logFile = join(cache, `build-${flavor}.log`);
  log(`compiling the ${nativePackage(flavor)} binding (a minute or two; log: ${logFile})`);
  await buildBinding(pkgDir, logFile);
  const check = await checkBackendLoads(pkgDir, libs.nvidiaLibDirs);
  for (const line of resultLines(flavor, libs, check)) process.stdout.write(`${line}\n`);
}

/**
 * --from (a wheel, a site-packages, a tensorflow/ folder); else a TensorFlow the user's pip installed;
 * else the user's pip downloads a wheel into the cache.
 */
async function locateTensorflow(flavor: NativeFlavor, a: SetupBackendArgs, cache: string): Promise<TfLibraries> {
  if (a.from) {
    const from = tensorflowDirOf(a.from);
    if ('dir' in from) return inspectTensorflowDir(from.dir);
    log(`unpacking the libraries and headers of ${basename(from.wheel)} into ${cache} (once; reused after)`);
    return inspectTensorflowDir(await unpackWheel(from.wheel, cache, flavor === 'tensorflow-gpu' ? nvidiaWheelsBeside(from.wheel) : []));
  }
  const pip = a.pip ?? findOnPath('pip3') ?? findOnPath('pip');
  if (!pip) {
    throw new BackendError('no TensorFlow to build against and no pip to fetch one: pass --from WHEEL (or a site-packages folder), or --pip PIP');
  }
  const site = await pipInstalledSite(flavor, pip);
  if (site) {
    log(`using the TensorFlow that ${pip} installed in ${site}`);
    return inspectTensorflowDir(join(site, 'tensorflow'));
  }
  log(`asking ${pip} for ${flavor === 'tensorflow-gpu' ? "tensorflow and its 'and-cuda' libraries" : 'tensorflow-cpu'} (into ${cache}/wheels)`);
  const { wheel, extras } = await pipDownload(flavor, pip, cache);
  return inspectTensorflowDir(await unpackWheel(wheel, cache, extras));
}

/** pip download 'tensorflow[and-cuda]' leaves the nvidia-* wheels beside tensorflow's. */
function nvidiaWheelsBeside(wheel: string): string[] {
  const dir = dirname(wheel);
  return readdirSync(dir)
    .filter((f) => f.startsWith('nvidia_') && f.endsWith('.whl'))
    .map((f) => join(dir, f));
}

/** What the user reads at the end: what loaded, what it sees, and the profile line if one is needed. */
export function resultLines(flavor: NativeFlavor, libs: TfLibraries, check: NativeCheck): string[] {
  const devices = check.devices.length ? check.devices.join(', ') : check.usingGpu ? 'GPU' : 'CPU';
  const lines = [`${flavor} backend built: TensorFlow ${check.tfVersion} (${libs.dir}); devices: ${devices}`];
  if (flavor === 'tensorflow-gpu' && !check.usingGpu) {
    const why = check.gpuWarnings[0] ? ` (TensorFlow says: ${check.gpuWarnings[0]})` : '';
    lines.push(`warning: TensorFlow sees no GPU${why}; --backend tensorflow-gpu will run on CPU until it does`);
  }
  const profile = profileLine(libs);
  if (profile) lines.push('add this line to your shell profile (~/.bashrc) so that TensorFlow finds the CUDA libraries:', profile);
  lines.push(`try it: thinktune bench --backend ${flavor} --quick`);
  return lines;
}
