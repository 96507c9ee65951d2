/** Why the PKI refused: the enrollment route maps the CSR codes to 400, PKI_CORRUPT stops start-up. */
export type PkiErrorCode = 'CSR_INVALID' | 'CSR_KEY_UNSUPPORTED' | 'PKI_CORRUPT';

export class PkiError extends Error {
  override readonly name = 'PkiError';
  readonly code: PkiErrorCode;

  constructor(code: PkiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
