import { PropsError } from '../provider/props-error.js';
import { DEFAULT_NODE_MIRROR, DEFAULT_NODE_VERSION, DEFAULT_SMC_VERSION } from './version.js';

/**
 * Where hosts get smc-kit and Node.js. The defaults are the public sources (npm's registry,
 * nodejs.org); every one of them can point at an internal or offline mirror instead, the
 * guide's offline installation scenario.
 */
export interface ArtifactProps {
  /** smc-kit version to install. @default DEFAULT_SMC_VERSION */
  readonly version?: string;
  /**
   * What `npm install -g` installs: a package spec (`smc-kit@1.2.3`, `@acme/smc-kit@1.2.3`) or
   * an http(s) URL of an npm tarball (an internal mirror; for hosts without any registry, the
   * self-contained bundle `npm run pack:offline` makes). @default `smc-kit@${version}`
   */
  readonly artifact?: string;
  /** npm registry the hosts install from (an internal mirror). @default npm's own */
  readonly npmRegistry?: string;
  /** Node.js version on the hosts (>= 20.9). @default DEFAULT_NODE_VERSION */
  readonly nodeVersion?: string;
  /**
   * A mirror of https://nodejs.org/dist with its layout: `v<version>/node-v<version>-linux-<arch>.tar.xz`
   * beside `v<version>/SHASUMS256.txt`. @default 'https://nodejs.org/dist'
   */
  readonly nodeMirror?: string;
}

export interface ResolvedArtifact {
  readonly version: string;
  readonly artifact: string;
  readonly npmRegistry: string | undefined;
  readonly nodeVersion: string;
  readonly nodeMirror: string;
}

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const PACKAGE_SPEC = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*@[0-9A-Za-z.+-]+$/;

export function resolveArtifact(props: ArtifactProps): ResolvedArtifact {
  const version = props.version ?? DEFAULT_SMC_VERSION;
  if (!SEMVER.test(version))
    throw new PropsError('version', 'must be a semantic version such as 1.2.3', version);
  const artifact = props.artifact ?? `smc-kit@${version}`;
  if (!PACKAGE_SPEC.test(artifact) && !isMirrorUrl(artifact, /\.(tgz|tar\.gz)$/)) {
    throw new PropsError(
      'artifact',
      'must be a package spec with a version (smc-kit@1.2.3) or an http(s) URL ending in .tgz',
      artifact,
    );
  }
  if (props.npmRegistry !== undefined && !isMirrorUrl(props.npmRegistry)) {
    throw new PropsError(
      'npmRegistry',
      'must be an http(s) URL such as https://npm.example.internal/',
      props.npmRegistry,
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
  const nodeMirror = (props.nodeMirror ?? DEFAULT_NODE_MIRROR).replace(/\/+$/, '');
  if (!isMirrorUrl(nodeMirror)) {
    throw new PropsError(
      'nodeMirror',
      'must be an http(s) URL of a folder laid out like https://nodejs.org/dist',
      props.nodeMirror,
    );
  }
  return { version, artifact, npmRegistry: props.npmRegistry, nodeVersion, nodeMirror };
}

/**
 * An http or https URL the role scripts can put in single quotes: no quotes, spaces, `$` or
 * braces (Terraform would read `${` as template syntax). Plain http is allowed for mirrors on
 * an internal network; Node.js is still checked against the release's SHASUMS256.txt.
 */
function isMirrorUrl(value: unknown, path?: RegExp): boolean {
  if (typeof value !== 'string' || /[\s'"$`{}\\]/.test(value)) return false;
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') &&
      url.hostname !== '' &&
      url.username === '' &&
      (path === undefined || path.test(url.pathname))
    );
  } catch {
    return false;
  }
}
