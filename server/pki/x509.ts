// The shim must run before @peculiar/x509 loads tsyringe: every PKI file imports the library
// through this module, never directly.
import './reflect-metadata-shim.js';

export * from '@peculiar/x509';
