/** Tests run on the project's default backend here (wasm); THINKTUNE_TEST_BACKEND overrides. */
import { selectBackend } from '../../src/backend/select.js';

export async function useTestBackend(): Promise<void> {
  await selectBackend(process.env.THINKTUNE_TEST_BACKEND ?? 'wasm');
}
