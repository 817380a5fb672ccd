// Backend selection reports what TensorFlow says: its version, and whether a GPU is really in use —
// tfjs-node-gpu built against a CPU-only TensorFlow (or without CUDA libraries) loads and runs on CPU.
// A fake backend object stands in for tfjs-node's (binding.TF_Version, isUsingGpuDevice).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeBackend, loadFailure, nativeTruth, type BackendChoice } from '../../src/backend/select.js';

const fakeNodeBackend = (tfVersion: string, gpu: boolean) => ({ isUsingGpuDevice: gpu, binding: { TF_Version: tfVersion } });

test("the native truth is read off tfjs-node's backend object; anything else has no version and no GPU", () => {
  assert.deepEqual(nativeTruth(fakeNodeBackend('2.21.0', true)), { tfVersion: '2.21.0', usingGpu: true });
  assert.deepEqual(nativeTruth(fakeNodeBackend('2.21.0', false)), { tfVersion: '2.21.0', usingGpu: false });
  assert.deepEqual(nativeTruth({}), { tfVersion: null, usingGpu: false });
  assert.deepEqual(nativeTruth(undefined), { tfVersion: null, usingGpu: false });
});

test('tensorflow-gpu without a GPU says it runs on CPU; with one, it names TensorFlow and the GPU', () => {
  const gpu = (usingGpu: boolean): BackendChoice => ({
    name: 'tensorflow-gpu',
    tfBackend: 'tensorflow',
    reason: 'forced by --backend',
    native: nativeTruth(fakeNodeBackend('2.21.0', usingGpu)),
  });
  assert.equal(describeBackend(gpu(false)), 'backend: tensorflow-gpu (no GPU visible: running on CPU) — TensorFlow 2.21.0; forced by --backend');
  assert.equal(describeBackend(gpu(true)), 'backend: tensorflow-gpu — TensorFlow 2.21.0 on GPU; forced by --backend');
});

test('the native CPU backend names its TensorFlow version; wasm and cpu lines are unchanged', () => {
  const native: BackendChoice = { name: 'tensorflow', tfBackend: 'tensorflow', reason: 'first that loads', native: { tfVersion: '2.21.0', usingGpu: false } };
  assert.equal(describeBackend(native), 'backend: tensorflow — TensorFlow 2.21.0 on CPU; first that loads');
  assert.equal(
    describeBackend({ ...native, native: { tfVersion: null, usingGpu: false } }),
    'backend: tensorflow — TensorFlow (version unknown) on CPU; first that loads',
  );
  assert.equal(describeBackend({ name: 'wasm', tfBackend: 'wasm', reason: 'first that loads' }), 'backend: wasm — first that loads');
});

test('a native package that does not load says what to do about it', () => {
  const missing = new Error("Cannot find package '@tensorflow/tfjs-node' imported from /x/select.ts");
  assert.equal(loadFailure('tensorflow', missing), 'package not installed');
  const noBinding = new Error(
    'The Node.js native addon module (tfjs_binding.node) can not be found at path: /x/lib/napi-v8/tfjs_binding.node. \nPlease run command ...',
  );
  assert.equal(loadFailure('tensorflow-gpu', noBinding), 'installed without its native binding (build it: thinktune setup-backend tensorflow-gpu)');
  const noLib = new Error('libtensorflow_cc.so.2: cannot open shared object file: No such file or directory');
  assert.match(loadFailure('tensorflow', noLib), /^the binding cannot find libtensorflow_cc\.so\.2 \(run thinktune setup-backend tensorflow again/);
  assert.equal(loadFailure('wasm', new Error('x'.repeat(300))).length, 160);
});
