/**
 * The platform layer: finding and loading the package's compiled parts (the N-API addon in
 * `native/`, the WASM module in `wasm/`) behind typed interfaces. Foundation level: imports
 * only `types/`. Loading is lazy; nothing here runs at import time.
 */
export type { ArtifactName, BuildStatus } from './build_status.js';
export { buildStatus, packageRoot } from './build_status.js';
export type { NativeAddon } from './native_addon.js';
export { loadNativeAddon } from './native_addon.js';
export type { KimberliteWasm } from './wasm_module.js';
export { loadWasmModule } from './wasm_module.js';
