/**
 * The load generator's own answer to tsyringe (loaded by @peculiar/x509) demanding
 * `Reflect.getMetadata`: the library carries no decorator metadata, so "no metadata" is the
 * truthful reply. Kept here rather than borrowed from server/ so the load process speaks only
 * the protocol, as a remote agent would. Must be imported before @peculiar/x509.
 */
const target = Reflect as unknown as Record<string, unknown>;
for (const name of ['getMetadata', 'getOwnMetadata']) {
  if (typeof target[name] !== 'function') {
    Object.defineProperty(Reflect, name, {
      value: () => undefined,
      writable: true,
      configurable: true,
    });
  }
}
