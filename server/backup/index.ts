export { type BackupOptions, type BackupResult, backup } from './backup.js';
export { BackupInputError } from './backup-error.js';
export { ArchiveRefused, type BackupManifest } from './manifest.js';
export { type RenameHostResult, renameHost } from './rename-host.js';
export { type RestoreOptions, type RestoreResult, restore } from './restore.js';
