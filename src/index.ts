// The library entry point (package.json "exports"): the public pieces other programs may build on.
// Kept to re-exports only; the operations layer (src/ops) joins them here once it lands.
export { VERSION } from './version.js';
export { ERROR_CODES, type ErrorCode, StrongboxError, isStrongboxError, exitStatusFor, httpStatusFor } from './errors.js';
export { Repository, type InitOptions } from './repository/repository.js';
export {
  openBackend, createLocalBackend, createMemoryBackend, withRetry,
  BackendError, type Backend, type BackendCapabilities, type FileInfo, type FileType, type Handle, type OpenOptions,
} from './backends/index.js';
export { configPath, loadConfig, parseConfig, type LoadedConfig } from './config/load.js';
export {
  configJsonSchema, type AppConfig, type Config, type DatabaseConfig, type FilesConfig, type PolicyConfig,
  type RepositoryConfig,
} from './config/schema.js';
