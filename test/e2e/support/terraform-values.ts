import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  randomInt,
  randomUUID,
  webcrypto,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  type Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  Pkcs10CertificateRequest,
  Pkcs10CertificateRequestGenerator,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from '../../../server/pki/x509.js';

/**
 * What `terraform apply` would compute for the resources smc-kit's stacks use, without a
 * terraform binary: keys, certificates and random values made the way the tls and random
 * providers make them (formats included: a tls_private_key's private_key_pem is SEC1 for
 * ECDSA, as Go's x509 writes it), and the expressions cdktf writes (`${type.name.attr}`,
 * `${local.x}`, `${file("...")}`, `${sha256(...)}`) evaluated against them. The deploy test
 * uses it to apply exactly the synthesized JSON; it supports what our stacks contain and
 * throws on anything else, so a new construct feature cannot slip past it unnoticed.
 */
export interface TerraformDocument {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly locals?: Record<string, unknown>;
  readonly output?: Record<string, { readonly value?: unknown; readonly sensitive?: boolean }>;
}

type Attributes = Record<string, unknown>;

const crypto: webcrypto.Crypto = webcrypto;
const ECDSA_SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

export class TerraformValues {
  private readonly realized = new Map<string, Promise<Attributes>>();

  constructor(private readonly doc: TerraformDocument) {}

  /** A string with `${...}` interpolations resolved (a lone interpolation keeps its type). */
  async evaluate(value: unknown): Promise<unknown> {
    if (typeof value === 'string') return this.evaluateString(value);
    if (Array.isArray(value)) return Promise.all(value.map((v) => this.evaluate(v)));
    if (value && typeof value === 'object') {
      const entries = await Promise.all(
        Object.entries(value).map(async ([k, v]) => [k, await this.evaluate(v)] as const),
      );
      return Object.fromEntries(entries);
    }
    return value;
  }

  async output(name: string): Promise<unknown> {
    const output = this.doc.output?.[name];
    if (!output) throw new Error(`no output ${name}`);
    return this.evaluate(output.value);
  }

  private async evaluateString(text: string): Promise<unknown> {
    const parts = splitTemplate(text);
    if (parts.length === 1 && parts[0]?.kind === 'expression') {
      return this.expression(parseExpression(parts[0].text));
    }
    const values = await Promise.all(
      parts.map((p) =>
        p.kind === 'literal' ? p.text : this.expression(parseExpression(p.text)).then(String),
      ),
    );
    return values.join('');
  }

  private async expression(node: Expression): Promise<unknown> {
    if (node.kind === 'string') return this.evaluateString(node.value);
    if (node.kind === 'call') {
      const args = await Promise.all(node.args.map((arg) => this.expression(arg)));
      return callFunction(node.name, args);
    }
    const [head, ...rest] = node.path;
    if (head === 'local') {
      const [name, ...attrs] = rest;
      const local = this.doc.locals?.[name ?? ''];
      if (local === undefined) throw new Error(`no local ${name}`);
      return pick(await this.evaluate(local), attrs);
    }
    const [name, attribute, ...more] = rest;
    if (!head || !name || !attribute) throw new Error(`cannot evaluate ${node.path.join('.')}`);
    const attributes = await this.resource(head, name);
    if (!(attribute in attributes)) {
      throw new Error(`${head}.${name} has no attribute ${attribute} in this evaluator`);
    }
    return pick(attributes[attribute], more);
  }

  /** Each resource is created once (like terraform), whatever order references arrive in. */
  private resource(type: string, name: string): Promise<Attributes> {
    const key = `${type}.${name}`;
    let realized = this.realized.get(key);
    if (!realized) {
      const config = this.doc.resource?.[type]?.[name];
      if (!config) throw new Error(`the document has no resource ${key}`);
      realized = this.evaluate(config).then((c) => create(type, c as Attributes));
      this.realized.set(key, realized);
    }
    return realized;
  }
}

function pick(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, key) => (v as Record<string, unknown>)?.[key], value);
}

async function create(type: string, config: Attributes): Promise<Attributes> {
  switch (type) {
    case 'random_password':
    case 'random_string':
      return { result: randomText(config, type === 'random_password') };
    case 'random_uuid':
      return { result: randomUUID() };
    case 'tls_private_key':
      return privateKey(config);
    case 'tls_self_signed_cert':
      return { cert_pem: await selfSignedCertificate(config) };
    case 'tls_cert_request':
      return { cert_request_pem: await certificateRequest(config) };
    case 'tls_locally_signed_cert':
      return { cert_pem: await locallySignedCertificate(config) };
    case 'null_resource':
      return { id: String(randomInt(1e9)) };
    default:
      throw new Error(`resources of type ${type} are not supported by the deploy test`);
  }
}

function randomText(config: Attributes, password: boolean): string {
  const length = Number(config.length);
  const upper = config.upper !== false;
  const alphabet = `abcdefghijklmnopqrstuvwxyz0123456789${upper ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' : ''}${
    config.special === false || (!password && config.special !== true) ? '' : '!@#%&*()-_=+[]{}<>:?'
  }`;
  for (;;) {
    const text = Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
    const count = (re: RegExp) => (text.match(re) ?? []).length;
    if (
      count(/[A-Z]/g) >= Number(config.min_upper ?? 0) &&
      count(/[a-z]/g) >= Number(config.min_lower ?? 0) &&
      count(/[0-9]/g) >= Number(config.min_numeric ?? 0)
    ) {
      return text;
    }
  }
}

const CURVES: Record<string, string> = { P256: 'prime256v1', P384: 'secp384r1' };

function privateKey(config: Attributes): Attributes {
  if (config.algorithm === 'ECDSA') {
    const curve = CURVES[String(config.ecdsa_curve ?? 'P224')];
    if (!curve)
      throw new Error(`tls_private_key: curve ${String(config.ecdsa_curve)} not supported`);
    const { privateKey: key, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
    return {
      algorithm: 'ECDSA',
      // The tls provider's private_key_pem is what Go's x509.MarshalECPrivateKey writes: SEC1.
      private_key_pem: key.export({ type: 'sec1', format: 'pem' }),
      private_key_pem_pkcs8: key.export({ type: 'pkcs8', format: 'pem' }),
      public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }),
    };
  }
  if (config.algorithm === 'ED25519') {
    const { privateKey: key, publicKey } = generateKeyPairSync('ed25519');
    return {
      algorithm: 'ED25519',
      private_key_pem_pkcs8: key.export({ type: 'pkcs8', format: 'pem' }),
      public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }),
    };
  }
  throw new Error(`tls_private_key: algorithm ${String(config.algorithm)} not supported`);
}

async function signingKeys(pem: string) {
  const key: KeyObject = createPrivateKey(pem);
  const curve = key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256';
  const algorithm = { name: 'ECDSA', namedCurve: curve };
  const privateKey = await crypto.subtle.importKey(
    'pkcs8',
    key.export({ type: 'pkcs8', format: 'der' }),
    algorithm,
    true,
    ['sign'],
  );
  const publicKey = await crypto.subtle.importKey(
    'spki',
    createPublicKey(key).export({ type: 'spki', format: 'der' }),
    algorithm,
    true,
    ['verify'],
  );
  return { privateKey, publicKey };
}

function subjectName(config: Attributes): string {
  const subject = ((config.subject as Attributes[] | undefined) ?? [])[0] ?? {};
  const parts = [
    subject.common_name ? `CN=${String(subject.common_name)}` : null,
    subject.organization ? `O=${String(subject.organization)}` : null,
    subject.organizational_unit ? `OU=${String(subject.organizational_unit)}` : null,
  ].filter((p): p is string => p !== null);
  return parts.join(', ');
}

function usageExtensions(uses: readonly string[]): Extension[] {
  const flags =
    (uses.includes('digital_signature') ? KeyUsageFlags.digitalSignature : 0) |
    (uses.includes('key_encipherment') ? KeyUsageFlags.keyEncipherment : 0) |
    (uses.includes('cert_signing') ? KeyUsageFlags.keyCertSign : 0) |
    (uses.includes('crl_signing') ? KeyUsageFlags.cRLSign : 0);
  const extended = [
    ...(uses.includes('server_auth') ? [ExtendedKeyUsage.serverAuth] : []),
    ...(uses.includes('client_auth') ? [ExtendedKeyUsage.clientAuth] : []),
  ];
  return [
    ...(flags ? [new KeyUsagesExtension(flags, true)] : []),
    ...(extended.length > 0 ? [new ExtendedKeyUsageExtension(extended)] : []),
  ];
}

function sanExtension(config: Attributes): Extension[] {
  const names = [
    ...((config.dns_names as string[] | undefined) ?? []).map((value) => ({
      type: 'dns' as const,
      value,
    })),
    ...((config.ip_addresses as string[] | undefined) ?? []).map((value) => ({
      type: 'ip' as const,
      value,
    })),
  ];
  return names.length > 0 ? [new SubjectAlternativeNameExtension(names)] : [];
}

function validity(config: Attributes) {
  const notBefore = new Date();
  const hours = Number(config.validity_period_hours);
  return { notBefore, notAfter: new Date(notBefore.getTime() + hours * 3_600_000) };
}

const serial = () =>
  randomBytes(16)
    .toString('hex')
    .replace(/^[89a-f]/, '1');

async function selfSignedCertificate(config: Attributes): Promise<string> {
  const keys = await signingKeys(String(config.private_key_pem));
  const isCa = config.is_ca_certificate === true;
  const certificate = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: subjectName(config),
      keys,
      signingAlgorithm: ECDSA_SIGNING,
      ...validity(config),
      extensions: [
        new BasicConstraintsExtension(isCa, undefined, true),
        ...usageExtensions((config.allowed_uses as string[] | undefined) ?? []),
        ...sanExtension(config),
        ...(config.set_subject_key_id === true
          ? [await SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto)]
          : []),
      ],
    },
    crypto,
  );
  return `${certificate.toString('pem')}\n`;
}

async function certificateRequest(config: Attributes): Promise<string> {
  const keys = await signingKeys(String(config.private_key_pem));
  const request = await Pkcs10CertificateRequestGenerator.create(
    {
      name: subjectName(config),
      keys,
      signingAlgorithm: ECDSA_SIGNING,
      extensions: sanExtension(config),
    },
    crypto,
  );
  return `${request.toString('pem')}\n`;
}

async function locallySignedCertificate(config: Attributes): Promise<string> {
  const request = new Pkcs10CertificateRequest(String(config.cert_request_pem));
  const ca = new X509Certificate(String(config.ca_cert_pem));
  const caKeys = await signingKeys(String(config.ca_private_key_pem));
  const caKeyId = ca.getExtension(SubjectKeyIdentifierExtension)?.keyId;
  const san = request.extensions.find((e) => e instanceof SubjectAlternativeNameExtension);
  const certificate = await X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: request.subject,
      issuer: ca.subject,
      publicKey: request.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ECDSA_SIGNING,
      ...validity(config),
      extensions: [
        new BasicConstraintsExtension(config.is_ca_certificate === true, undefined, true),
        ...usageExtensions((config.allowed_uses as string[] | undefined) ?? []),
        ...(san ? [san] : []),
        ...(caKeyId ? [new AuthorityKeyIdentifierExtension(caKeyId)] : []),
      ],
    },
    crypto,
  );
  return `${certificate.toString('pem')}\n`;
}

function callFunction(name: string, args: readonly unknown[]): unknown {
  switch (name) {
    case 'file':
      return readFileSync(String(args[0]).replace(/^~(?=\/)/, homedir()), 'utf8');
    case 'sha256':
      return createHash('sha256').update(String(args[0])).digest('hex');
    default:
      throw new Error(`function ${name}() is not supported by the deploy test`);
  }
}

// ---- the expression subset cdktf writes ----

type Expression =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'traversal'; readonly path: readonly string[] }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Expression[] };

/** Literal text and `${...}` parts; braces inside quoted strings do not close a part. */
function splitTemplate(text: string): { kind: 'literal' | 'expression'; text: string }[] {
  const parts: { kind: 'literal' | 'expression'; text: string }[] = [];
  let i = 0;
  let literal = '';
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      literal += '${';
      i += 3;
    } else if (text.startsWith('${', i)) {
      if (literal) parts.push({ kind: 'literal', text: literal });
      literal = '';
      let depth = 1;
      let j = i + 2;
      let quoted = false;
      for (; j < text.length && depth > 0; j++) {
        const c = text[j];
        if (quoted) {
          if (c === '\\') j++;
          else if (c === '"') quoted = false;
        } else if (c === '"') quoted = true;
        else if (c === '{') depth++;
        else if (c === '}') depth--;
      }
      parts.push({ kind: 'expression', text: text.slice(i + 2, j - 1) });
      i = j;
    } else {
      literal += text[i];
      i++;
    }
  }
  if (literal || parts.length === 0) parts.push({ kind: 'literal', text: literal });
  return parts;
}

function parseExpression(source: string): Expression {
  let at = 0;
  const skip = () => {
    while (/\s/.test(source[at] ?? '')) at++;
  };
  const parse = (): Expression => {
    skip();
    if (source[at] === '"') {
      let value = '';
      at++;
      while (at < source.length && source[at] !== '"') {
        if (source[at] === '\\') {
          const next = source[at + 1];
          value += next === 'n' ? '\n' : next === 't' ? '\t' : (next ?? '');
          at += 2;
        } else value += source[at++];
      }
      at++;
      return { kind: 'string', value };
    }
    const identifier = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+|\[\d+\])*/.exec(source.slice(at));
    if (!identifier) throw new Error(`cannot parse expression ${JSON.stringify(source)}`);
    at += identifier[0].length;
    skip();
    if (source[at] === '(') {
      at++;
      const args: Expression[] = [];
      skip();
      while (source[at] !== ')') {
        args.push(parse());
        skip();
        if (source[at] === ',') at++;
        skip();
      }
      at++;
      return { kind: 'call', name: identifier[0], args };
    }
    return {
      kind: 'traversal',
      path: identifier[0].split(/\.|\[|\]/).filter((p) => p !== ''),
    };
  };
  const expression = parse();
  skip();
  if (at !== source.length)
    throw new Error(`unexpected text in expression ${JSON.stringify(source)}`);
  return expression;
}
