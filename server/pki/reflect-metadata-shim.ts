/**
 * @peculiar/x509 registers its algorithm classes with tsyringe, and tsyringe refuses to load
 * unless `Reflect.getMetadata` exists (the `reflect-metadata` polyfill, which this package
 * does not depend on). Those classes take no constructor arguments and the library is built
 * without decorator metadata, so the only truthful answer to "what metadata does this class
 * have?" is "none". Installed only when no polyfill is present; a real one loaded later
 * simply replaces these (they are writable and configurable).
 */
type MetadataReader = (key: unknown, target: object) => undefined;

const reflect = Reflect as typeof Reflect & {
  getMetadata?: MetadataReader;
  getOwnMetadata?: MetadataReader;
};

for (const name of ['getMetadata', 'getOwnMetadata'] as const) {
  if (typeof reflect[name] !== 'function') {
    Object.defineProperty(reflect, name, {
      value: (() => undefined) satisfies MetadataReader,
      writable: true,
      configurable: true,
    });
  }
}
