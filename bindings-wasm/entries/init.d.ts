import type * as api from './index'
/** Instantiates the module from a WebAssembly.Module, its bytes, a Response or a URL, and returns the API. */
export function initDropshipWebhooks(moduleOrPath: WebAssembly.Module | BufferSource | Response | URL | string): Promise<typeof api>
export default initDropshipWebhooks
