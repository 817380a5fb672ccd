/**
 * Tests run on the project's default backend here (wasm); THINKTUNE_TEST_BACKEND overrides (.ci/run runs
 * the engine, model and trainer tests again with THINKTUNE_TEST_BACKEND=tensorflow after building it).
 * A requested backend that cannot load fails the test file rather than falling back.
 */
import { describeBackend, selectBackend } from '../../src/backend/select.js';

let announced = false;

export async function useTestBackend(): Promise<void> {
  const requested = process.env.THINKTUNE_TEST_BACKEND;
  const choice = await selectBackend(requested ?? 'wasm');
  if (requested && !announced) {
    announced = true;
    process.stderr.write(`test ${describeBackend(choice)}\n`); // which TensorFlow the numbers came from
  }
}
