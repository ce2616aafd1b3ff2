// The library entry point (package.json "exports"): the operations layer, which the CLI, the daemon and the HTTP
// API call, with its context, events, errors and the config loader. Storage is reached through these only.
export { VERSION } from './version.js';
export {
  ERROR_CODES,
  type ErrorCode,
  StrongboxError,
  isStrongboxError,
  exitStatusFor,
  httpStatusFor,
} from './errors.js';
export type { OpEvent, PhaseEvent, ProgressEvent, WarningEvent, Emit } from './events.js';
export { newContext, withContext, type OpContext, type ContextOptions } from './ops/context.js';
export { initRepository, withRepository, SHARED_LOCK_WAIT_MS, type RepoSpec, type RepoAccess } from './ops/repo.js';
export { resolvePassword, type PasswordSource } from './ops/password.js';
export { appRepo, findApp, loadChosenConfig, plainRepo, targetRepo, type RepoChoice } from './ops/target.js';
export { backupPaths, type BackupInput, type BackupOpResult } from './ops/backup.js';
export { backupApps, type AppBackupInput, type AppBackupsResult } from './ops/backup-app.js';
export { restorePaths, type RestoreInput, type RestoreResult } from './ops/restore.js';
export { restoreAppSnapshot, type AppRestoreInput, type AppRestoreResult } from './ops/restore-app.js';
export { dumpComponent, type DumpInput } from './ops/dump.js';
export { listFiles, listSnapshots, resolveRef, type SnapshotQuery } from './ops/snapshots.js';
export { forget, pruneRepository, type ForgetInput, type PruneInput } from './ops/forget.js';
export { checkRepo, parseSubset, type CheckInput } from './ops/check.js';
export { addKey, listKeys, removeKey, unlock } from './ops/keys.js';
export { catObject, repoStats } from './ops/inspect.js';
export { status } from './ops/status.js';
export { drillApp, type DrillInput, type DrillResult, type DrillCheck } from './ops/drill.js';
export { historyPath, listRuns, type HistoryRecord, type RunRecord } from './ops/runs.js';
export { syncRepo, type SyncInput, type SyncOpResult } from './ops/sync.js';
export { copyRepo, type CopyInput, type CopyOpResult } from './ops/copy.js';
export { tarTree, TAR_MANIFEST, type TreeTarInput, type TreeTarResult } from './ops/tree-tar.js';
export {
  exportSnapshot,
  exportSnapshotTar,
  type ExportInput,
  type ExportManifest,
  type ExportResult,
} from './ops/export.js';
export { importSnapshot, type ImportInput, type ImportResult } from './ops/import.js';
export {
  addToken,
  addUser,
  checkPassword,
  checkToken,
  listAccess,
  removeToken,
  removeUser,
  type Principal,
  type Scope,
} from './ops/access.js';
export { backupLabelSchema, noteSchema, periodicitySchema, readDataSchema } from './ops/inputs.js';
export { startServer, type Server, type ServeOptions } from './server/serve.js';
export { createApi, type Api } from './server/app.js';
export { Repository } from './repository/repository.js';
export { configPath, loadConfig, parseConfig, type LoadedConfig } from './config/load.js';
export {
  configJsonSchema,
  type AppConfig,
  type Config,
  type DatabaseConfig,
  type FilesConfig,
  type BucketConfig,
  type PolicyConfig,
  type RepositoryConfig,
} from './config/schema.js';
