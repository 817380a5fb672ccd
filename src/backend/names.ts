/**
 * The backend names, in the order they are tried. A file of its own so that what only needs the names
 * (the config schema, and through it the dashboard's thread) does not load tfjs with select.ts.
 */
export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
