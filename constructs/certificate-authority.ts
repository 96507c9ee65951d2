import { CertRequest } from '@cdktf/provider-tls/lib/cert-request/index.js';
import { LocallySignedCert } from '@cdktf/provider-tls/lib/locally-signed-cert/index.js';
import { PrivateKey } from '@cdktf/provider-tls/lib/private-key/index.js';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider/index.js';
import { SelfSignedCert } from '@cdktf/provider-tls/lib/self-signed-cert/index.js';
import { Construct } from 'constructs';
import type { Platform, SecretHandle } from '../provider/platform.js';
import { PropsError } from '../provider/props-error.js';
import { ensureProvider } from '../provider/terraform-providers.js';
import { PKI_ECDSA_CURVE } from '../server/pki/layout.js';

export interface AgentCertificateAuthorityProps {
  readonly platform: Platform;
  /** Subject organisation of every certificate. @default 'smc-kit' */
  readonly organization?: string;
  /** Subject CN of the CA. @default `${organization} agent CA` */
  readonly commonName?: string;
  /** Prefix of the CA's secret names (`<prefix>-certificate`, `<prefix>-private-key`). @default 'ca' */
  readonly secretPrefix?: string;
  /** CA lifetime in days. @default 3650 */
  readonly caValidityDays?: number;
  /** Server and MDM certificate lifetime in days; renewed by terraform 30 days before expiry. @default 397 */
  readonly certificateValidityDays?: number;
}

/** A certificate and its key, both delivered as secrets (the PEMs span lines). */
export interface IssuedCertificate {
  readonly certificate: SecretHandle;
  readonly privateKey: SecretHandle;
}

export interface CertificateRequest {
  /** Subject CN. @default the first DNS name */
  readonly commonName?: string;
  /** DNS names the certificate covers. @default [] */
  readonly dnsNames?: readonly string[];
  /** IP addresses it covers (literals or references). @default [] */
  readonly ipAddresses?: readonly string[];
  /** What the certificate authenticates: a TLS server, or a TLS client (an agent). @default 'server' */
  readonly usage?: 'server' | 'client';
  /** Subject OU, e.g. the connector's role for the server (server/pki/layout.ts). @default none */
  readonly organizationalUnit?: string;
}

const HOURS_PER_DAY = 24;

/**
 * A deployment CA (tls provider; keys live in Terraform state, marked sensitive, and in the
 * platform's secret store). The server needs the CA key to sign agents' enrollment requests;
 * every component's certificate is signed by it, as in the guide's architecture chapter. Keys
 * are ECDSA on the curve the server's PKI signs with (server/pki/layout.ts), so the server
 * can load the CA it is given instead of refusing it at start.
 */
export class AgentCertificateAuthority extends Construct {
  /** The CA certificate: public, given to agents and browsers. */
  readonly caCertificatePem: string;
  readonly caCertificate: SecretHandle;
  readonly caPrivateKey: SecretHandle;
  private readonly platform: Platform;
  private readonly caKeyPem: string;
  private readonly organization: string;
  private readonly validityHours: number;

  constructor(scope: Construct, id: string, props: AgentCertificateAuthorityProps) {
    super(scope, id);
    this.platform = props.platform;
    this.organization = props.organization ?? 'smc-kit';
    const prefix = props.secretPrefix ?? 'ca';
    if (!/^[a-z][a-z0-9-]{0,40}$/.test(prefix)) {
      throw new PropsError(
        'certificateAuthority.secretPrefix',
        'must be lower-case letters, digits and hyphens',
        prefix,
      );
    }
    const caDays = positiveInteger(
      'certificateAuthority.caValidityDays',
      props.caValidityDays ?? 3650,
      36_500,
    );
    const days = positiveInteger(
      'certificateAuthority.certificateValidityDays',
      props.certificateValidityDays ?? 397,
      caDays,
    );
    this.validityHours = days * HOURS_PER_DAY;
    ensureProvider(this, 'tls', (stack) => new TlsProvider(stack, 'tls'));

    const key = new PrivateKey(this, 'CaKey', { algorithm: 'ECDSA', ecdsaCurve: PKI_ECDSA_CURVE });
    const cert = new SelfSignedCert(this, 'CaCert', {
      privateKeyPem: key.privateKeyPem,
      subject: [
        {
          commonName: props.commonName ?? `${this.organization} agent CA`,
          organization: this.organization,
        },
      ],
      isCaCertificate: true,
      setSubjectKeyId: true,
      validityPeriodHours: caDays * HOURS_PER_DAY,
      allowedUses: ['cert_signing', 'crl_signing', 'digital_signature'],
    });
    this.caKeyPem = key.privateKeyPem;
    this.caCertificatePem = cert.certPem;
    this.caCertificate = this.platform.secret(this, 'CaCertSecret', {
      name: `${prefix}-certificate`,
      value: cert.certPem,
      contentType: 'application/x-pem-file',
    });
    this.caPrivateKey = this.platform.secret(this, 'CaKeySecret', {
      name: `${prefix}-private-key`,
      value: key.privateKeyPem,
      contentType: 'application/x-pem-file',
    });
  }

  /** A certificate signed by this CA; `secretName` prefixes its two secrets. */
  issue(id: string, secretName: string, request: CertificateRequest): IssuedCertificate {
    const dnsNames = request.dnsNames ?? [];
    const ipAddresses = request.ipAddresses ?? [];
    const commonName = request.commonName ?? dnsNames[0];
    if (!commonName) {
      throw new PropsError(`${id}.commonName`, 'must be given when there are no DNS names');
    }
    const scope = new Construct(this, id);
    const key = new PrivateKey(scope, 'Key', { algorithm: 'ECDSA', ecdsaCurve: PKI_ECDSA_CURVE });
    const certRequest = new CertRequest(scope, 'Request', {
      privateKeyPem: key.privateKeyPem,
      subject: [
        {
          commonName,
          organization: this.organization,
          ...(request.organizationalUnit ? { organizationalUnit: request.organizationalUnit } : {}),
        },
      ],
      ...(dnsNames.length > 0 ? { dnsNames: [...dnsNames] } : {}),
      ...(ipAddresses.length > 0 ? { ipAddresses: [...ipAddresses] } : {}),
    });
    const cert = new LocallySignedCert(scope, 'Cert', {
      certRequestPem: certRequest.certRequestPem,
      caPrivateKeyPem: this.caKeyPem,
      caCertPem: this.caCertificatePem,
      validityPeriodHours: this.validityHours,
      earlyRenewalHours: 30 * HOURS_PER_DAY,
      allowedUses: [
        'digital_signature',
        request.usage === 'client' ? 'client_auth' : 'server_auth',
      ],
    });
    return {
      certificate: this.platform.secret(scope, 'CertSecret', {
        name: `${secretName}-certificate`,
        value: cert.certPem,
        contentType: 'application/x-pem-file',
      }),
      privateKey: this.platform.secret(scope, 'KeySecret', {
        name: `${secretName}-private-key`,
        value: key.privateKeyPem,
        contentType: 'application/x-pem-file',
      }),
    };
  }
}

function positiveInteger(field: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new PropsError(field, `must be an integer from 1 to ${max}`, value);
  }
  return value;
}
