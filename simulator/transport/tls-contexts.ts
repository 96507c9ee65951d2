import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';

export interface ClientIdentityPem {
  readonly keyPem: string;
  readonly certPem: string;
}

/**
 * Client TLS contexts, shared so a generator can hold tens of thousands of sessions. Node
 * makes a SecureContext per connection (~1 ms of CPU: the agent's PEM key and certificate are
 * parsed again), and with a `ca` each context also holds its own copy of the CA store (~10 KiB).
 * Here each identity's context is made once and reused for every reconnect, without a CA
 * store of its own: the first connection is verified by OpenSSL against the CA as usual
 * (chain and host name), and later ones are accepted only when the server presents a
 * certificate that such a verified connection already saw (its SHA-256 is pinned). Anything
 * else gets the full verification again, so nothing is trusted that OpenSSL did not verify.
 */
export class ClientTlsContexts {
  private readonly pinned = new Set<string>();
  private readonly byIdentity = new WeakMap<ClientIdentityPem, SecureContext>();
  private anonymous: SecureContext | undefined;

  constructor(private readonly caPem: string) {}

  /** Connection options for `identity` (none: server-auth only, as for enrollment). */
  optionsFor(identity: ClientIdentityPem | undefined, verify: boolean) {
    if (verify || this.pinned.size === 0) {
      return {
        ca: this.caPem,
        ...(identity ? { key: identity.keyPem, cert: identity.certPem } : {}),
        minVersion: 'TLSv1.2' as const,
        pinned: false,
      };
    }
    return { secureContext: this.contextFor(identity), rejectUnauthorized: false, pinned: true };
  }

  /** After 'secureConnect': whether to keep the connection (and what it taught us). */
  accept(socket: TLSSocket, pinned: boolean): boolean {
    // A resumed session is one this generator set up earlier (we resume only our own
    // tickets), and only the server that issued the ticket can complete it: it proved itself
    // then. The certificate is not sent again, so there is nothing to compare.
    if (socket.isSessionReused()) return true;
    const fingerprint = socket.getPeerX509Certificate()?.fingerprint256;
    if (!fingerprint) return false;
    if (pinned) return this.pinned.has(fingerprint);
    // rejectUnauthorized (the default) already refused anything OpenSSL could not verify.
    if (!socket.authorized) return false;
    this.pinned.add(fingerprint);
    return true;
  }

  private contextFor(identity: ClientIdentityPem | undefined): SecureContext {
    if (!identity) {
      this.anonymous ??= createSecureContext({ minVersion: 'TLSv1.2' });
      return this.anonymous;
    }
    let context = this.byIdentity.get(identity);
    if (!context) {
      context = createSecureContext({
        key: identity.keyPem,
        cert: identity.certPem,
        minVersion: 'TLSv1.2',
      });
      this.byIdentity.set(identity, context);
    }
    return context;
  }
}
