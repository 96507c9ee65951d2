/** A problem with what the operator asked for, naming the flag (the CLI exits 2 with it). */
export class BackupInputError extends Error {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(`${flag}: ${message}`);
  }
}
