export {
  type AgentCertificateAuthority,
  loadAgentCertificateAuthority,
} from './agent-certificate-authority.js';
export { agentIdFromPeerCertificate, isAgentId } from './agent-id.js';
export {
  type LoadedPki,
  type LoadOrCreatePkiOptions,
  loadOrCreatePki,
} from './load-or-create-pki.js';
export { PkiError, type PkiErrorCode } from './pki-error.js';
export type { PkiFiles, PkiMaterial } from './pki-material.js';
