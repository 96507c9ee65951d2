// Deep paths only: the package root loads every Kubernetes resource type.
import { JobV1 } from '@cdktf/provider-kubernetes/lib/job-v1/index.js';
import { PersistentVolumeClaimV1 } from '@cdktf/provider-kubernetes/lib/persistent-volume-claim-v1/index.js';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider/index.js';
import { Construct } from 'constructs';
import { ensureProvider } from '../../provider/terraform-providers.js';
import type { ResolvedLoadGeneratorFleet } from './props.js';
import {
  CA_FILE,
  CA_MOUNT_DIR,
  ENROLL_TOKEN_ENV,
  REPORTS_DIR,
  shardScript,
} from './simulate-script.js';

export const LOAD_GENERATOR_JOB_NAME = 'smc-loadgen';

/**
 * The shards as one Indexed Job: `completions` = `parallelism` = N, so all shards run at the
 * same time (a merge of shards that did not overlap would describe no real load), and the
 * pod's JOB_COMPLETION_INDEX (0-based) is its shard. No retries: a shard run again later
 * would measure another moment and overwrite its report. The token and the CA come from the
 * named Secret; the reports go to a ReadWriteMany claim every pod mounts.
 */
export class KubernetesLoadGeneratorJob extends Construct {
  readonly job: JobV1;
  readonly reportsClaim: PersistentVolumeClaimV1;

  constructor(scope: Construct, id: string, fleet: ResolvedLoadGeneratorFleet) {
    super(scope, id);
    // Configured by the usual KUBE_CONFIG_PATH / KUBE_* variables where terraform runs.
    ensureProvider(this, 'kubernetes', (stack) => new KubernetesProvider(stack, 'kubernetes', {}));
    const k = fleet.kubernetes;
    const labels = { 'app.kubernetes.io/name': LOAD_GENERATOR_JOB_NAME };
    this.reportsClaim = new PersistentVolumeClaimV1(this, 'Reports', {
      metadata: { name: `${LOAD_GENERATOR_JOB_NAME}-reports`, namespace: k.namespace, labels },
      spec: {
        accessModes: ['ReadWriteMany'],
        ...(k.storageClassName ? { storageClassName: k.storageClassName } : {}),
        resources: { requests: { storage: k.reportsVolumeSize } },
      },
      // A claim on a class that binds on first use stays Pending until the Job's pods come.
      waitUntilBound: false,
    });
    const memory = `${Math.round(fleet.memoryGb * 1024)}Mi`;
    const cpu = `${Math.round(fleet.cpu * 1000)}m`;
    this.job = new JobV1(this, 'Job', {
      metadata: { name: LOAD_GENERATOR_JOB_NAME, namespace: k.namespace, labels },
      spec: {
        completionMode: 'Indexed',
        completions: fleet.shards,
        parallelism: fleet.shards,
        backoffLimit: 0,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: '1000', fsGroup: '1000' },
            container: [
              {
                name: 'simulate',
                image: fleet.image,
                command: [
                  'sh',
                  '-c',
                  shardScript(fleet, {
                    shardExpression: '$((JOB_COMPLETION_INDEX + 1))',
                    uploadToBlob: false,
                  }),
                ],
                // npx caches under $HOME; the image's user 1000 (node) has one.
                env: [
                  { name: 'HOME', value: '/tmp' },
                  {
                    name: ENROLL_TOKEN_ENV,
                    valueFrom: { secretKeyRef: { name: k.secretName, key: k.enrollTokenKey } },
                  },
                ],
                resources: {
                  requests: { cpu, memory },
                  limits: { cpu, memory },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMount: [
                  { name: 'ca', mountPath: CA_MOUNT_DIR, readOnly: true },
                  { name: 'reports', mountPath: REPORTS_DIR },
                ],
              },
            ],
            volume: [
              {
                name: 'ca',
                secret: {
                  secretName: k.secretName,
                  items: [{ key: k.caKey, path: CA_FILE }],
                  defaultMode: '0444',
                },
              },
              {
                name: 'reports',
                persistentVolumeClaim: { claimName: this.reportsClaim.metadata.name },
              },
            ],
          },
        },
      },
      // terraform apply returns once the pods are created; `kubectl wait` follows the run.
      waitForCompletion: false,
    });
  }
}
