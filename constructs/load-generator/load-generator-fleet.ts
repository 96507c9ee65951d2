import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { AzureContainerShards } from '../../provider/azure/container-shards.js';
import { KubernetesLoadGeneratorJob } from './kubernetes-job.js';
import {
  type LoadGeneratorFleetProps,
  type ResolvedLoadGeneratorFleet,
  resolveLoadGeneratorFleet,
} from './props.js';
import {
  CA_FILE,
  CA_MOUNT_DIR,
  ENROLL_TOKEN_ENV,
  REPORT_CONTAINER_URL_ENV,
  REPORT_SAS_ENV,
  REPORTS_DIR,
  shardScript,
} from './simulate-script.js';

/**
 * Runs `smc simulate --shard i/N` on N machines at once, against a deployed agent plane, and
 * gathers their JSON reports where `smc report merge --from` reads them: on Kubernetes an
 * Indexed Job whose completion index is the shard (reports on a shared claim), on Azure
 * without a cluster one container instance per shard (reports in a blob container). The
 * enrollment token and the CA come from secrets (a Kubernetes Secret, Key Vault) by
 * reference, never from the configuration's plain text.
 */
export class LoadGeneratorFleet extends Construct {
  readonly settings: ResolvedLoadGeneratorFleet;
  /** Kubernetes: the Job and its reports claim. */
  readonly kubernetes?: KubernetesLoadGeneratorJob;
  /** Azure: the container groups and the reports storage. */
  readonly azure?: AzureContainerShards;

  constructor(scope: Construct, id: string, props: LoadGeneratorFleetProps) {
    // Checked before joining the tree: bad props leave no half-built node behind.
    const fleet = resolveLoadGeneratorFleet(props);
    super(scope, id);
    this.settings = fleet;
    if (fleet.engine === 'kubernetes') {
      this.kubernetes = new KubernetesLoadGeneratorJob(this, 'Kubernetes', fleet);
      new TerraformOutput(this, 'ReportsClaim', {
        description:
          'PersistentVolumeClaim holding shard-<i>-of-<N>.json; copy it out and run smc report merge --from',
        value: `${fleet.kubernetes.namespace}/${this.kubernetes.reportsClaim.metadata.name}`,
      }).overrideLogicalId('loadgen_reports_claim');
      return;
    }
    const azure = fleet.azure;
    if (!azure) throw new Error('unreachable: resolveLoadGeneratorFleet requires azure');
    this.azure = new AzureContainerShards(this, 'Azure', {
      location: azure.location,
      resourceGroupName: azure.resourceGroupName,
      namePrefix: azure.namePrefix,
      image: fleet.image,
      cpu: fleet.cpu,
      memoryGb: fleet.memoryGb,
      commands: Array.from({ length: fleet.shards }, (_, i) => [
        'sh',
        '-c',
        shardScript(fleet, { shardExpression: String(i + 1), uploadToBlob: true }),
      ]),
      keyVaultId: azure.keyVaultId,
      secretVariables: { [ENROLL_TOKEN_ENV]: azure.enrollTokenSecretName },
      secretFiles: { mountPath: CA_MOUNT_DIR, files: { [CA_FILE]: azure.caSecretName } },
      reports: {
        containerUrlVariable: REPORT_CONTAINER_URL_ENV,
        sasVariable: REPORT_SAS_ENV,
        expiry: azure.reportUploadExpiry,
        mountPath: REPORTS_DIR,
      },
      subnetIds: azure.subnetIds,
    });
    new TerraformOutput(this, 'ReportsContainerUrl', {
      description:
        'blob container holding shard-<i>-of-<N>.json; smc report merge --from this URL (with a read+list SAS in SMC_REPORTS_SAS)',
      value: `${this.azure.storageAccount.primaryBlobEndpoint}${this.azure.container.name}`,
    }).overrideLogicalId('loadgen_reports_container_url');
  }
}
