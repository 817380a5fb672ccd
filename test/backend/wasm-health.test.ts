// The wasm backend's out-of-memory failures are printed, not thrown; the watch turns the first one into
// an error at the next forward or backward pass instead of wrong numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertWasmHealthy, resetWasmHealth, watchWasmErrors } from '../../src/backend/wasm-health.js';

test('an XNNPACK allocation failure printed by the wasm module stops the next check, in one line', (t) => {
  watchWasmErrors();
  const quiet = t.mock.method(process.stderr, 'write', () => true); // the message is still printed; keep the test output clean
  try {
    assertWasmHealthy();
    console.warn('some other warning');
    assertWasmHealthy();
    console.warn('XNN status for xnn_create_fully_connected_nc_f32 is not successful. Got status 6. Use -c dbg to see XNN logs.');
    assert.throws(assertWasmHealthy, (e: Error) => {
      assert.equal(e.name, 'BackendError');
      assert.equal(e.message.split('\n').length, 1);
      assert.match(e.message, /^the wasm backend failed \("XNN status for xnn_create_fully_connected_nc_f32 is not successful/);
      assert.match(e.message, /use --backend tensorflow/);
      return true;
    });
    assert.throws(assertWasmHealthy, /wasm backend failed/, 'once failed, always failed');
  } finally {
    quiet.mock.restore();
    resetWasmHealth();
  }
  assertWasmHealthy();
});
