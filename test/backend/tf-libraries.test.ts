// Finding TensorFlow's C libraries for `thinktune setup-backend`: wheel names and platform tags, the
// tensorflow/ folder check, the CPU-only refusal for tensorflow-gpu, the profile line. No build, no pip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkWheelPlatform,
  compareVersions,
  parsePipShowLocation,
  distInfoVersion,
  elfArch,
  extraRequirements,
  inspectTensorflowDir,
  parseCudaBuild,
  parseWheelName,
  profileLine,
  requireFlavorBuild,
  tensorflowDirOf,
  wheelArch,
  wheelOs,
} from '../../src/backend/tf-libraries.js';
import { fakeSitePackages } from './fakes.js';

test('wheel names split into distribution, version and platform tag (PEP 427), with or without a build tag', () => {
  assert.deepEqual(parseWheelName('/tmp/x/tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl'), {
    distribution: 'tensorflow_cpu',
    version: '2.21.0',
    python: 'cp311',
    abi: 'cp311',
    platform: 'manylinux_2_27_x86_64',
  });
  assert.equal(parseWheelName('tensorflow-2.16.1-1-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl').version, '2.16.1');
  assert.throws(
    () => parseWheelName('tensorflow.tar.gz'),
    (e: Error) => e.name === 'BackendError' && /not a wheel file name/.test(e.message),
  );
});

test('platform tags name the OS and CPU as process.platform and process.arch spell them', () => {
  assert.equal(wheelArch('manylinux_2_27_x86_64'), 'x64');
  assert.equal(wheelArch('manylinux_2_17_aarch64.manylinux2014_aarch64'), 'arm64');
  assert.equal(wheelArch('macosx_12_0_arm64'), 'arm64');
  assert.equal(wheelArch('win_amd64'), 'x64');
  assert.equal(wheelArch('any'), null);
  assert.equal(wheelOs('manylinux_2_27_x86_64'), 'linux');
  assert.equal(wheelOs('macosx_12_0_arm64'), 'darwin');
  assert.equal(wheelOs('win_amd64'), 'win32');
});

test('a wheel for another CPU or OS is refused in one line that names both', () => {
  const arm = parseWheelName('tensorflow-2.21.0-cp311-cp311-manylinux_2_17_aarch64.whl');
  assert.doesNotThrow(() => checkWheelPlatform(arm, 'linux', 'arm64'));
  assert.throws(
    () => checkWheelPlatform(arm, 'linux', 'x64'),
    (e: Error) => {
      assert.equal(e.name, 'BackendError');
      assert.equal(e.message.split('\n').length, 1);
      assert.match(e.message, /built for manylinux_2_17_aarch64 \(linux\/arm64\) but this machine is linux\/x64/);
      return true;
    },
  );
  const mac = parseWheelName('tensorflow-2.16.2-cp311-cp311-macosx_12_0_arm64.whl');
  assert.throws(() => checkWheelPlatform(mac, 'linux', 'arm64'), /this machine is linux\/arm64/);
});

test("an ELF library's CPU comes from its header; anything else is unknown", () => {
  const dir = mkdtempSync(join(tmpdir(), 'thinktune-elf-'));
  const elf = Buffer.alloc(64);
  elf.writeUInt32BE(0x7f454c46, 0);
  elf[5] = 1; // little-endian
  elf.writeUInt16LE(0xb7, 18); // EM_AARCH64
  writeFileSync(join(dir, 'a.so'), elf);
  writeFileSync(join(dir, 'b.so'), 'not an elf file at all');
  assert.equal(elfArch(join(dir, 'a.so')), 'arm64');
  assert.equal(elfArch(join(dir, 'b.so')), null);
  assert.equal(elfArch(process.execPath), process.platform === 'linux' ? process.arch : null);
});

test('the version comes from the TensorFlow dist-info, and build_info.py says whether it is a CUDA build', () => {
  assert.equal(distInfoVersion(['numpy-2.0.dist-info', 'tensorflow_io_gcs_filesystem-0.37.1.dist-info', 'tensorflow-2.20.0.dist-info']), '2.20.0');
  assert.equal(distInfoVersion(['tensorflow_cpu-2.21.0.dist-info']), '2.21.0');
  assert.equal(distInfoVersion(['keras-3.0.dist-info']), null);
  assert.equal(parseCudaBuild("build_info = collections.OrderedDict([('is_cuda_build', False), ('is_rocm_build', False)])"), false);
  assert.equal(parseCudaBuild("build_info = {'is_cuda_build': True, 'cuda_version': '12.5.1'}"), true);
  assert.equal(parseCudaBuild('# nothing here'), null);
});

test('--from takes a wheel, a site-packages folder or the tensorflow/ folder; anything else is one clear line', () => {
  const site = fakeSitePackages({ cuda: false });
  assert.deepEqual(tensorflowDirOf(site), { dir: join(site, 'tensorflow') });
  assert.deepEqual(tensorflowDirOf(join(site, 'tensorflow')), { dir: join(site, 'tensorflow') });
  writeFileSync(join(site, 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl'), '');
  assert.ok('wheel' in tensorflowDirOf(join(site, 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl')));
  assert.throws(() => tensorflowDirOf(join(site, 'nope')), /--from .*nope: no such file or folder/);
  assert.throws(() => tensorflowDirOf(join(site, 'tensorflow', 'include')), /holds libtensorflow_cc\.so\.2/);
  assert.throws(() => tensorflowDirOf(join(site, 'tensorflow', 'python', 'platform', 'build_info.py')), /expected a TensorFlow wheel/);
});

test('a TensorFlow folder is inspected for its libraries, headers, version, CUDA build and nvidia library folders', () => {
  const site = fakeSitePackages({ cuda: true, dist: 'tensorflow', nvidia: ['cudnn', 'cublas'] });
  const libs = inspectTensorflowDir(join(site, 'tensorflow'));
  assert.equal(libs.version, '2.21.0');
  assert.equal(libs.cudaBuild, true);
  assert.deepEqual(libs.nvidiaLibDirs, [join(site, 'nvidia', 'cublas', 'lib'), join(site, 'nvidia', 'cudnn', 'lib')]);
  assert.throws(() => inspectTensorflowDir(join(site, 'tensorflow', 'include')), /has no libtensorflow_cc\.so\.2/);
});

test('tensorflow-gpu refuses a CPU-only TensorFlow and says what to install instead', () => {
  const cpu = inspectTensorflowDir(join(fakeSitePackages({ cuda: false }), 'tensorflow'));
  assert.doesNotThrow(() => requireFlavorBuild(cpu, 'tensorflow'));
  assert.throws(
    () => requireFlavorBuild(cpu, 'tensorflow-gpu'),
    (e: Error) => {
      assert.equal(e.name, 'BackendError');
      assert.match(e.message, /^TensorFlow 2\.21\.0 in .* is a CPU-only build; .*pip install 'tensorflow\[and-cuda\]'/);
      return true;
    },
  );
  const gpu = inspectTensorflowDir(join(fakeSitePackages({ cuda: true, dist: 'tensorflow' }), 'tensorflow'));
  assert.doesNotThrow(() => requireFlavorBuild(gpu, 'tensorflow-gpu'));
});

test('the profile line puts the nvidia-* library folders on LD_LIBRARY_PATH, and is absent without them', () => {
  const cpu = inspectTensorflowDir(join(fakeSitePackages({ cuda: false }), 'tensorflow'));
  assert.equal(profileLine(cpu), null);
  const site = fakeSitePackages({ cuda: true, dist: 'tensorflow', nvidia: ['cublas', 'cudnn'] });
  const line = profileLine(inspectTensorflowDir(join(site, 'tensorflow')));
  assert.equal(line, `export LD_LIBRARY_PATH="${join(site, 'nvidia/cublas/lib')}:${join(site, 'nvidia/cudnn/lib')}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"`);
});

test("the and-cuda extra's requirements are read from the wheel METADATA", () => {
  const meta = [
    'Requires-Dist: numpy>=1.26.0',
    'Requires-Dist: nvidia-cublas-cu12<13.0,>=12.5.3.2; extra == "and-cuda"',
    'Requires-Dist: nvidia-cudnn-cu12<10.0,>=9.3.0.75; extra == "and-cuda"',
    'Requires-Dist: tensorflow-io-gcs-filesystem>=0.23.1; (sys_platform != "win32") and extra == "gcs-filesystem"',
  ].join('\n');
  assert.deepEqual(extraRequirements(meta, 'and-cuda'), ['nvidia-cublas-cu12<13.0,>=12.5.3.2', 'nvidia-cudnn-cu12<10.0,>=9.3.0.75']);
});

test("pip show's Location line is the site-packages folder", () => {
  assert.equal(
    parsePipShowLocation('Name: tensorflow\nVersion: 2.21.0\nLocation: /home/u/.venv/lib/python3.11/site-packages\nRequires: absl-py\n'),
    '/home/u/.venv/lib/python3.11/site-packages',
  );
  assert.equal(parsePipShowLocation('WARNING: Package(s) not found: tensorflow'), null);
});

test('versions compare numerically', () => {
  assert.ok(compareVersions('2.21.0', '2.9.1') > 0);
  assert.equal(compareVersions('2.21', '2.21.0'), 0);
});
