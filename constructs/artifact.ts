import { PropsError } from '../provider/props-error.js';
import { DEFAULT_NODE_VERSION, DEFAULT_SMC_VERSION } from './version.js';

export interface ArtifactProps {
  /** smc-kit version to install. @default DEFAULT_SMC_VERSION */
  readonly version?: string;
  /**
   * What `npm install -g` installs: a package spec (`smc-kit@1.2.3`, `@acme/smc-kit@1.2.3`)
   * or an https URL of an npm tarball. @default `smc-kit@${version}`
   */
  readonly artifact?: string;
  /** Node.js version on the hosts (>= 20.9). @default DEFAULT_NODE_VERSION */
  readonly nodeVersion?: string;
}

export interface ResolvedArtifact {
  readonly version: string;
  readonly artifact: string;
  readonly nodeVersion: string;
}

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const PACKAGE_SPEC = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*@[0-9A-Za-z.+-]+$/;
const TARBALL_URL = /^https:\/\/[A-Za-z0-9.-]+(:\d+)?\/[A-Za-z0-9._~%/@+-]*\.tgz$/;

export function resolveArtifact(props: ArtifactProps, field = 'artifact'): ResolvedArtifact {
  const version = props.version ?? DEFAULT_SMC_VERSION;
  if (!SEMVER.test(version))
    throw new PropsError('version', 'must be a semantic version such as 1.2.3', version);
  const artifact = props.artifact ?? `smc-kit@${version}`;
  if (!PACKAGE_SPEC.test(artifact) && !TARBALL_URL.test(artifact)) {
    throw new PropsError(
      field,
      'must be a package spec with a version (smc-kit@1.2.3) or an https URL ending in .tgz',
      artifact,
    );
  }
  const nodeVersion = props.nodeVersion ?? DEFAULT_NODE_VERSION;
  const [major = 0, minor = 0] = nodeVersion.split('.').map(Number);
  if (!/^\d+\.\d+\.\d+$/.test(nodeVersion) || major < 20 || (major === 20 && minor < 9)) {
    throw new PropsError(
      'nodeVersion',
      'must be a Node.js version from 20.9.0 (x.y.z)',
      nodeVersion,
    );
  }
  return { version, artifact, nodeVersion };
}
