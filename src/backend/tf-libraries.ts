/**
 * Where `thinktune setup-backend` gets TensorFlow's C libraries: a Python wheel (a zip), an installed
 * site-packages/tensorflow folder, or a wheel the user's pip downloads. Any TensorFlow 2.x wheel ships
 * `libtensorflow_cc.so.2` + `libtensorflow_framework.so.2` and the C API headers under
 * `tensorflow/include/`, which is all the tfjs-node binding links against (its own download, libtensorflow
 * 2.9.1, wants CUDA 11.2). Pure checks here (names, platform tags, versions); the unpacking and pip calls
 * are thin wrappers around `unzip` and `pip`.
 */
import { existsSync, mkdirSync, openSync, readSync, closeSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { BackendError } from './errors.js';

export type NativeFlavor = 'tensorflow' | 'tensorflow-gpu';

/** The parts of a wheel file name (PEP 427): `{dist}-{version}(-{build})?-{python}-{abi}-{platform}.whl`. */
export interface WheelName {
  distribution: string;
  version: string;
  python: string;
  abi: string;
  platform: string;
}

export function parseWheelName(file: string): WheelName {
  const m = /^([A-Za-z0-9_.]+)-([^-]+)(?:-\d[^-]*)?-([^-]+)-([^-]+)-([^-]+)\.whl$/.exec(basename(file));
  if (!m) throw new BackendError(`${basename(file)} is not a wheel file name (expected NAME-VERSION-PY-ABI-PLATFORM.whl)`);
  return { distribution: m[1].toLowerCase().replace(/[-.]/g, '_'), version: m[2], python: m[3], abi: m[4], platform: m[5] };
}

/** The CPU a platform tag is built for, spelled as `process.arch` spells it; null for `any` or unknown tags. */
export function wheelArch(platform: string): string | null {
  const tag = platform.split('.')[0]; // compound tags (manylinux_2_17_x86_64.manylinux2014_x86_64) agree
  if (/(x86_64|amd64)$/i.test(tag)) return 'x64';
  if (/(aarch64|arm64)$/i.test(tag)) return 'arm64';
  if (/(i686|win32)$/i.test(tag)) return 'ia32';
  if (/ppc64le$/.test(tag)) return 'ppc64';
  if (/s390x$/.test(tag)) return 's390x';
  return null;
}

/** The OS of a platform tag, as `process.platform` spells it. */
export function wheelOs(platform: string): string | null {
  if (/linux/.test(platform)) return 'linux';
  if (/^macosx/.test(platform)) return 'darwin';
  if (/^win/.test(platform)) return 'win32';
  return null;
}

/** A wheel for another machine fails here, before anything is unpacked or built. */
export function checkWheelPlatform(w: WheelName, os: string = process.platform, arch: string = process.arch): void {
  const wOs = wheelOs(w.platform);
  const wArch = wheelArch(w.platform);
  if ((wOs && wOs !== os) || (wArch && wArch !== arch)) {
    throw new BackendError(
      `the wheel ${w.distribution}-${w.version} is built for ${w.platform} (${wOs ?? '?'}/${wArch ?? '?'}) but this machine is ${os}/${arch}; ` +
        'get the wheel for this machine (pip download picks it: pip download tensorflow-cpu --no-deps -d DIR)',
    );
  }
}

/** The CPU an ELF shared library is built for (e_machine at byte 18), as `process.arch` spells it. */
export function elfArch(file: string): string | null {
  const buf = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  try {
    if (readSync(fd, buf, 0, 20, 0) < 20 || buf.readUInt32BE(0) !== 0x7f454c46) return null;
  } finally {
    closeSync(fd);
  }
  const machine = buf[5] === 2 ? buf.readUInt16BE(18) : buf.readUInt16LE(18);
  return ({ 62: 'x64', 183: 'arm64', 3: 'ia32', 21: 'ppc64', 22: 's390x' } as Record<number, string>)[machine] ?? null;
}

/** A TensorFlow package folder (`.../site-packages/tensorflow`) as the binding build needs it. */
export interface TfLibraries {
  /** Holds libtensorflow_cc.so.2, libtensorflow_framework.so.2 and include/. */
  dir: string;
  /** From the site-packages' tensorflow*.dist-info folder, e.g. '2.21.0' ('unknown' without one). */
  version: string;
  /** From python/platform/build_info.py; null when the file is absent. */
  cudaBuild: boolean | null;
  /** `<site-packages>/nvidia/<name>/lib` folders (CUDA, cuDNN... pip wheels), for the loader path. */
  nvidiaLibDirs: string[];
}

export const TF_LIBRARY = 'libtensorflow_cc.so.2';
export const TF_FRAMEWORK = 'libtensorflow_framework.so.2';

/** The TensorFlow distribution's `<name>-<version>.dist-info` folder in a site-packages, e.g. '2.21.0'. */
export function distInfoVersion(entries: string[]): string | null {
  for (const e of entries) {
    const m = /^(?:tensorflow|tensorflow[_-](?:cpu|gpu|intel)|tf[_-]nightly(?:[_-]cpu)?)-([^-]+)\.dist-info$/i.exec(e);
    if (m) return m[1];
  }
  return null;
}

/** `('is_cuda_build', True)` (or `'is_cuda_build': True`) in build_info.py; null when the file does not say. */
export function parseCudaBuild(buildInfo: string): boolean | null {
  const m = /['"]is_cuda_build['"]\s*[:,]\s*(True|False)/.exec(buildInfo);
  return m ? m[1] === 'True' : null;
}

export function inspectTensorflowDir(dir: string, arch: string = process.arch): TfLibraries {
  for (const f of [TF_LIBRARY, TF_FRAMEWORK, 'include/tensorflow/c/c_api.h', 'include/tensorflow/c/eager/c_api.h']) {
    if (!existsSync(join(dir, f))) {
      throw new BackendError(`${dir} has no ${f}: pass --from a TensorFlow 2.x wheel (.whl) or the site-packages folder that holds tensorflow/`);
    }
  }
  const libArch = elfArch(join(dir, TF_LIBRARY));
  if (libArch && libArch !== arch) {
    throw new BackendError(`${join(dir, TF_LIBRARY)} is built for ${libArch} but this machine is ${arch}; use a TensorFlow built for ${arch}`);
  }
  const buildInfo = join(dir, 'python/platform/build_info.py');
  const site = dirname(dir);
  const version = distInfoVersion(readdirSync(site));
  const nvidia = join(site, 'nvidia');
  const nvidiaLibDirs = existsSync(nvidia)
    ? readdirSync(nvidia)
        .map((d) => join(nvidia, d, 'lib'))
        .filter((d) => existsSync(d))
        .sort()
    : [];
  return {
    dir,
    version: version ?? 'unknown',
    cudaBuild: existsSync(buildInfo) ? parseCudaBuild(readFileSync(buildInfo, 'utf8')) : null,
    nvidiaLibDirs,
  };
}

/** `tensorflow-gpu` needs TensorFlow's CUDA build; a CPU-only one would only pretend. */
export function requireFlavorBuild(libs: TfLibraries, flavor: NativeFlavor): void {
  if (flavor === 'tensorflow-gpu' && libs.cudaBuild === false) {
    throw new BackendError(
      `TensorFlow ${libs.version} in ${libs.dir} is a CPU-only build; for tensorflow-gpu install the CUDA one ` +
        "(pip install 'tensorflow[and-cuda]', then --from its site-packages), or run: thinktune setup-backend tensorflow",
    );
  }
}

/** The shell profile line that lets the loader find the CUDA libraries of the nvidia-* wheels; null if none. */
export function profileLine(libs: TfLibraries): string | null {
  if (libs.nvidiaLibDirs.length === 0) return null;
  return `export LD_LIBRARY_PATH="${libs.nvidiaLibDirs.join(':')}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"`;
}

/** `$XDG_CACHE_HOME/thinktune` or `~/.cache/thinktune`; THINKTUNE_CACHE overrides. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.THINKTUNE_CACHE) return resolve(env.THINKTUNE_CACHE);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'thinktune');
}

/** What `--from` names: a wheel, a site-packages folder, or the tensorflow/ folder itself. */
export function tensorflowDirOf(from: string): { wheel: string } | { dir: string } {
  const p = resolve(from);
  if (!existsSync(p)) throw new BackendError(`--from ${from}: no such file or folder`);
  if (statSync(p).isFile()) {
    if (!p.endsWith('.whl')) throw new BackendError(`--from ${from}: expected a TensorFlow wheel (.whl) or a site-packages folder`);
    return { wheel: p };
  }
  if (existsSync(join(p, TF_LIBRARY))) return { dir: p };
  if (existsSync(join(p, 'tensorflow', TF_LIBRARY))) return { dir: join(p, 'tensorflow') };
  throw new BackendError(`--from ${from}: neither it nor its tensorflow/ folder holds ${TF_LIBRARY} (TensorFlow 2.x)`);
}

/** The members of a wheel the build needs: the two libraries, the headers, the build facts. */
const WHEEL_MEMBERS = [
  'tensorflow/libtensorflow_cc.so*',
  'tensorflow/libtensorflow_framework.so*',
  'tensorflow/include/*',
  'tensorflow/python/platform/build_info.py',
  '*.dist-info/*',
];

/**
 * Unpack a TensorFlow wheel (and any nvidia-* wheels beside it, as pip lays them out) into
 * `<cache>/<dist>-<version>/`, a site-packages of its own; unpacked once, reused after.
 */
export async function unpackWheel(wheel: string, cache: string, extraWheels: string[] = []): Promise<string> {
  const w = parseWheelName(wheel);
  checkWheelPlatform(w);
  const dest = join(cache, `${w.distribution}-${w.version}`);
  if (existsSync(join(dest, '.complete'))) {
    // Unpacked before without the CUDA wheels (for tensorflow, say): add them now.
    if (extraWheels.length && !existsSync(join(dest, 'nvidia'))) for (const extra of extraWheels) await unzip(extra, dest, ['nvidia/*']);
    return join(dest, 'tensorflow');
  }
  const tmp = `${dest}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await unzip(wheel, tmp, WHEEL_MEMBERS);
  for (const extra of extraWheels) await unzip(extra, tmp, ['nvidia/*']);
  writeFileSync(join(tmp, '.complete'), `${basename(wheel)}\n`);
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  return join(dest, 'tensorflow');
}

async function unzip(zip: string, dest: string, members: string[]): Promise<void> {
  // Exit 11 = some pattern matched nothing (build_info.py is not in every wheel): the folder is checked after.
  const r = await execa('unzip', ['-q', '-o', zip, ...members, '-d', dest], { reject: false });
  if ((r as { code?: string }).code === 'ENOENT') {
    throw new BackendError('unzip is not installed (Debian/Ubuntu: apt-get install unzip); or pass --from an installed site-packages folder');
  }
  if (r.exitCode !== 0 && r.exitCode !== 11) {
    throw new BackendError(`unzip ${basename(zip)} failed (exit ${r.exitCode}): ${String(r.stderr).split('\n')[0]}`);
  }
}

/** The pip packages of a flavor: CPU gets the CPU-only wheel; GPU the CUDA build plus its and-cuda extras. */
export function pipPackage(flavor: NativeFlavor): string {
  return flavor === 'tensorflow-gpu' ? 'tensorflow' : 'tensorflow-cpu';
}

/** The requirements a wheel's METADATA lists under an extra (`Requires-Dist: x<2; extra == "and-cuda"`). */
export function extraRequirements(metadata: string, extra: string): string[] {
  const out: string[] = [];
  for (const line of metadata.split('\n')) {
    const m = /^Requires-Dist:\s*([^;]+);(.*)$/.exec(line.trim());
    if (m && new RegExp(`extra\\s*==\\s*["']${extra}["']`).test(m[2])) out.push(m[1].trim());
  }
  return out;
}

/** `pip show` names of an installed TensorFlow that serves a flavor, in order of preference. */
export function installedCandidates(flavor: NativeFlavor): string[] {
  return flavor === 'tensorflow-gpu' ? ['tensorflow'] : ['tensorflow-cpu', 'tensorflow'];
}

/** The `Location:` (site-packages) line of `pip show`. */
export function parsePipShowLocation(out: string): string | null {
  return /^Location:\s*(.+)$/m.exec(out)?.[1].trim() || null;
}

/** A TensorFlow the user's pip already installed (`pip install 'tensorflow[and-cuda]'`): its site-packages, or null. */
export async function pipInstalledSite(flavor: NativeFlavor, pip: string): Promise<string | null> {
  for (const name of installedCandidates(flavor)) {
    const r = await execa(pip, ['show', name], { reject: false });
    const site = r.exitCode === 0 ? parsePipShowLocation(String(r.stdout)) : null;
    if (site && existsSync(join(site, 'tensorflow', TF_LIBRARY))) return site;
  }
  return null;
}

/**
 * Ask the user's pip for the wheel(s): `pip download --no-deps` into `<cache>/wheels`. Returns the
 * TensorFlow wheel and, for GPU, the nvidia-* wheels of its `and-cuda` extra.
 */
export async function pipDownload(flavor: NativeFlavor, pip: string, cache: string): Promise<{ wheel: string; extras: string[] }> {
  const dir = join(cache, 'wheels');
  mkdirSync(dir, { recursive: true });
  const pkg = pipPackage(flavor);
  await runPip(pip, ['download', '--no-deps', '--only-binary=:all:', '-d', dir, pkg]);
  const wheel = newestWheel(dir, pkg);
  if (flavor === 'tensorflow') return { wheel, extras: [] };
  const meta = await execa('unzip', ['-p', wheel, '*.dist-info/METADATA'], { reject: false });
  const reqs = extraRequirements(String(meta.stdout), 'and-cuda');
  if (reqs.length === 0) return { wheel, extras: [] };
  await runPip(pip, ['download', '--no-deps', '--only-binary=:all:', '-d', dir, ...reqs]);
  const extras = readdirSync(dir)
    .filter((f) => f.startsWith('nvidia_') && f.endsWith('.whl'))
    .map((f) => join(dir, f));
  return { wheel, extras };
}

async function runPip(pip: string, args: string[]): Promise<void> {
  const r = await execa(pip, args, { reject: false, stdout: 'inherit', stderr: 'inherit' });
  if ((r as { code?: string }).code === 'ENOENT') throw new BackendError(`${pip} not found; pass --pip PATH or --from WHEEL`);
  if (r.exitCode !== 0) throw new BackendError(`${pip} ${args.slice(0, 2).join(' ')} failed (exit ${r.exitCode}); pass --from a wheel you downloaded`);
}

/** The newest `<pkg>-*.whl` in a folder (by version, then file time). */
export function newestWheel(dir: string, pkg: string): string {
  const dist = pkg.toLowerCase().replace(/[-.]/g, '_');
  const found = readdirSync(dir)
    .filter((f) => f.endsWith('.whl'))
    .map((f) => ({ f, w: parseWheelName(f) }))
    .filter(({ w }) => w.distribution === dist)
    .sort((a, b) => compareVersions(b.w.version, a.w.version));
  if (found.length === 0) throw new BackendError(`pip left no ${pkg} wheel in ${dir}`);
  return join(dir, found[0].f);
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
