/** The worker protocol lives with the engine (src/trainer/protocol.ts); the UI imports it from there. */
export * from '../src/trainer/protocol.js';
