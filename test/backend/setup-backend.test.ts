// `thinktune setup-backend`: the checks that run before anything is built (tools, flavor, wheel platform,
// CPU-only TensorFlow for tensorflow-gpu, no wheel and no pip), the deps/ wiring, the TensorFlow log
// parsing and the result lines. Nothing here compiles: .ci/run builds for real where a wheel is at hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readlinkSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEnv, checkBuildTools, findOnPath, lastErrorLine, nativePackage, parseTfLog, wireDeps } from '../../src/backend/native-build.js';
import { inspectTensorflowDir, pipInstalledSite } from '../../src/backend/tf-libraries.js';
import { parseFlavor, resultLines, setupBackendCommand } from '../../src/cli/setup-backend.js';
import { fakeSitePackages } from './fakes.js';

/** A PATH folder holding stand-ins for the named tools (scripts that do nothing). */
function fakeTools(names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'thinktune-bin-'));
  for (const n of names) {
    writeFileSync(join(dir, n), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, n), 0o755);
  }
  return dir;
}

/** Run `fn` with PATH (and the cache) pointed elsewhere, then put them back. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const TOOLS = ['gcc', 'g++', 'make', 'python3'];
const otherArch = process.arch === 'arm64' ? 'x86_64' : 'aarch64';

test('missing build tools are named together in one line, with the package that brings them', () => {
  const some = fakeTools(['gcc', 'make']);
  assert.equal(findOnPath('gcc', { PATH: some }), join(some, 'gcc'));
  assert.equal(findOnPath('g++', { PATH: some }), null);
  assert.throws(
    () => checkBuildTools({ PATH: some }),
    (e: Error) => {
      assert.equal(e.name, 'BackendError');
      assert.equal(
        e.message,
        'cannot build the TensorFlow binding: g++, python3 not found on PATH; install a C++ toolchain (Debian/Ubuntu: apt-get install build-essential python3), or use --backend wasm',
      );
      return true;
    },
  );
  assert.doesNotThrow(() => checkBuildTools({ PATH: fakeTools(TOOLS) }));
});

test('setup-backend takes tensorflow or tensorflow-gpu only', () => {
  assert.equal(parseFlavor('TensorFlow-GPU'), 'tensorflow-gpu');
  assert.equal(nativePackage(parseFlavor('tensorflow')), '@tensorflow/tfjs-node');
  assert.throws(
    () => parseFlavor('wasm'),
    (e: Error) => e.name === 'UsageError' && /builds tensorflow or tensorflow-gpu, not "wasm"/.test(e.message),
  );
});

test('before anything is built: no wheel and no pip, a wheel for another CPU, a CPU-only TensorFlow for tensorflow-gpu', {
  skip: process.platform !== 'linux',
}, async () => {
  const env = { PATH: fakeTools(TOOLS), THINKTUNE_CACHE: mkdtempSync(join(tmpdir(), 'thinktune-cache-')) };
  await withEnv(env, async () => {
    await assert.rejects(setupBackendCommand('tensorflow', {}), /^BackendError: no TensorFlow to build against and no pip to fetch one: pass --from WHEEL/);
    const wheelDir = mkdtempSync(join(tmpdir(), 'thinktune-wheel-'));
    const wheel = join(wheelDir, `tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_17_${otherArch}.whl`);
    writeFileSync(wheel, '');
    await assert.rejects(
      setupBackendCommand('tensorflow', { from: wheel }),
      new RegExp(`built for manylinux_2_17_${otherArch} .* but this machine is linux/${process.arch}`),
    );
    const site = fakeSitePackages({ cuda: false });
    await assert.rejects(setupBackendCommand('tensorflow-gpu', { from: site }), /is a CPU-only build; for tensorflow-gpu install the CUDA one/);
  });
});

test("without --from, a TensorFlow the user's pip installed is used (here a CPU-only one, refused for tensorflow-gpu)", {
  skip: process.platform !== 'linux',
}, async () => {
  const site = fakeSitePackages({ cuda: false });
  const bin = fakeTools(TOOLS);
  const pip = join(bin, 'pip');
  writeFileSync(
    pip,
    `#!/bin/sh\n[ "$1" = show ] && [ "$2" = tensorflow ] && printf 'Name: tensorflow\\nVersion: 2.21.0\\nLocation: ${site}\\n' && exit 0\nexit 1\n`,
  );
  chmodSync(pip, 0o755);
  assert.equal(await pipInstalledSite('tensorflow-gpu', pip), site);
  assert.equal(await pipInstalledSite('tensorflow', join(bin, 'gcc')), null, 'a pip that knows no tensorflow');
  await withEnv({ PATH: bin, THINKTUNE_CACHE: mkdtempSync(join(tmpdir(), 'thinktune-cache-')) }, async () => {
    await assert.rejects(setupBackendCommand('tensorflow-gpu', {}), /is a CPU-only build/);
  });
});

test('the errors print as one thinktune: line', { skip: process.platform !== 'linux' }, () => {
  const site = fakeSitePackages({ cuda: false });
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'setup-backend', 'tensorflow-gpu', '--from', site], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, PATH: `${fakeTools(TOOLS)}:${process.env.PATH}` },
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^thinktune: TensorFlow 2\.21\.0 in .* is a CPU-only build;[^\n]*\n$/);
});

test('deps/ points at the TensorFlow folder: headers, libtensorflow.so and the SONAMEs the binding records', () => {
  const tf = join(fakeSitePackages({ cuda: false }), 'tensorflow');
  const pkg = mkdtempSync(join(tmpdir(), 'thinktune-pkg-'));
  mkdirSync(join(pkg, 'lib', 'napi-v8'), { recursive: true });
  writeFileSync(join(pkg, 'lib', 'napi-v8', 'tfjs_binding.node'), 'stale');
  wireDeps(pkg, inspectTensorflowDir(tf));
  assert.equal(readlinkSync(join(pkg, 'deps', 'include')), join(tf, 'include'));
  assert.equal(readlinkSync(join(pkg, 'deps', 'lib', 'libtensorflow.so')), join(tf, 'libtensorflow_cc.so.2'));
  assert.equal(readlinkSync(join(pkg, 'deps', 'lib', 'libtensorflow_cc.so.2')), join(tf, 'libtensorflow_cc.so.2'));
  assert.equal(readlinkSync(join(pkg, 'deps', 'lib', 'libtensorflow_framework.so')), join(tf, 'libtensorflow_framework.so.2'));
  assert.equal(readlinkSync(join(pkg, 'deps', 'lib', 'libtensorflow_framework.so.2')), join(tf, 'libtensorflow_framework.so.2'));
  assert.ok(!existsSync(join(pkg, 'lib')), 'a stale binding is removed before the build');
});

test("node-gyp is pointed at Node's own headers when nothing else is configured", () => {
  const prefix = mkdtempSync(join(tmpdir(), 'thinktune-node-'));
  mkdirSync(join(prefix, 'include', 'node'), { recursive: true });
  writeFileSync(join(prefix, 'include', 'node', 'node_api.h'), '');
  const execPath = join(prefix, 'bin', 'node');
  assert.equal(buildEnv({}, execPath).npm_config_nodedir, prefix);
  assert.equal(buildEnv({ npm_config_nodedir: '/usr' }, execPath).npm_config_nodedir, '/usr');
  assert.equal(buildEnv({}, '/nowhere/bin/node').npm_config_nodedir, undefined);
});

test("TensorFlow's start-up log gives the devices and why a GPU was not used", () => {
  const log = [
    'I0000 00:00:1.0 1 gpu_device.cc:2020] Created device /job:localhost/replica:0/task:0/device:GPU:0 with 22000 MB memory:  -> device: 0, name: NVIDIA A10G',
    'W0000 00:00:1.0 1 gpu_device.cc:2343] Cannot dlopen some GPU libraries. Please make sure the missing libraries mentioned above are installed properly.',
  ].join('\n');
  assert.deepEqual(parseTfLog(log), {
    devices: ['/job:localhost/replica:0/task:0/device:GPU:0'],
    gpuWarnings: ['Cannot dlopen some GPU libraries. Please make sure the missing libraries mentioned above are installed properly.'],
  });
  assert.equal(
    lastErrorLine('CXX x.o\n../binding/tfjs_backend.cc:12:10: fatal error: tensorflow/c/c_api.h: No such file\ncompilation terminated.'),
    '../binding/tfjs_backend.cc:12:10: fatal error: tensorflow/c/c_api.h: No such file',
  );
});

test('the result lines: version and devices, a warning when tensorflow-gpu sees no GPU, the profile line', () => {
  const cpuLibs = inspectTensorflowDir(join(fakeSitePackages({ cuda: false }), 'tensorflow'));
  const cpu = resultLines('tensorflow', cpuLibs, { tfVersion: '2.21.0', usingGpu: false, devices: [], gpuWarnings: [] });
  assert.match(cpu[0], /^tensorflow backend built: TensorFlow 2\.21\.0 \(.*\); devices: CPU$/);
  assert.equal(cpu.length, 2);
  const site = fakeSitePackages({ cuda: true, dist: 'tensorflow', nvidia: ['cudnn'] });
  const gpuLibs = inspectTensorflowDir(join(site, 'tensorflow'));
  const gpu = resultLines('tensorflow-gpu', gpuLibs, { tfVersion: '2.21.0', usingGpu: false, devices: [], gpuWarnings: ['Cannot dlopen some GPU libraries.'] });
  assert.match(gpu[1], /^warning: TensorFlow sees no GPU \(TensorFlow says: Cannot dlopen some GPU libraries\.\); --backend tensorflow-gpu will run on CPU/);
  assert.ok(gpu.includes(`export LD_LIBRARY_PATH="${join(site, 'nvidia/cudnn/lib')}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"`));
});
