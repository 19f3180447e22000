import { DescribeReplicationTasksCommand } from '@aws-sdk/client-database-migration-service';
import { targetEndpointOf } from '../../domain/config';
import type { CheckResult } from '../../domain/doctor/findings';
import { evaluateSmallFiles, SmallFilesFacts } from '../../domain/doctor/smallFiles';
import type { FileSettings } from '../../domain/fileSizing';
import type { ActivityDeps } from '../deps';
import { auditFileSizes } from './fileSizeListing';
import { DoctorCheckInput, doctorFacts, tableLabel } from './doctorFacts';

const numeric = (value: unknown) => (typeof value === 'number' ? value : undefined);

/** File sizes of every replicated table in scope, and the endpoint settings that would make bigger files. */
export function smallFilesCheck(deps: ActivityDeps) {
  /** Running tasks that write through an endpoint: ModifyEndpoint waits until they are stopped. */
  async function runningTasksOn(endpointArn: string): Promise<string[]> {
    const arns: string[] = [];
    let marker: string | undefined;
    do {
      const page = await deps.dmsGateway.call('DescribeReplicationTasks', endpointArn, (c) =>
        c.send(
          new DescribeReplicationTasksCommand({
            Filters: [{ Name: 'endpoint-arn', Values: [endpointArn] }],
            MaxRecords: 100,
            Marker: marker,
            WithoutSettings: true,
          }),
        ),
      );
      arns.push(...(page.ReplicationTasks ?? []).filter((t) => t.Status === 'running').map((t) => t.ReplicationTaskArn ?? ''));
      marker = page.Marker;
    } while (marker);
    return arns;
  }

  return {
    async checkSmallFiles(input: DoctorCheckInput & { writeRateWindowHours?: number }): Promise<CheckResult> {
      const facts = doctorFacts(deps);
      const config = deps.config;
      const groups = facts.groups(input.taskGroups);
      const tasks = await facts.tasks(groups);
      const targetBytes = config.thresholds.targetFileSizeMb * 1024 * 1024;
      const endpoints = new Map<string, Promise<SmallFilesFacts['endpoint']>>();
      const endpointFor = (identifier: string) => {
        let found = endpoints.get(identifier);
        if (!found) {
          found = facts.endpoint(identifier).then(async (e) => {
            if (!e) return undefined;
            const s = e.s3Settings ?? {};
            const settings: Partial<FileSettings> = {
              CdcMaxBatchInterval: numeric(s.CdcMaxBatchInterval),
              CdcMinFileSize: numeric(s.CdcMinFileSize),
              MaxFileSize: numeric(s.MaxFileSize),
            };
            return {
              identifier,
              arn: e.arn,
              settings,
              runningTaskArns: await runningTasksOn(e.arn),
              sharedWith: [],
            };
          });
          endpoints.set(identifier, found);
        }
        return found;
      };

      const out: SmallFilesFacts[] = [];
      for (const group of groups) {
        const task = tasks[group.taskIdentifier];
        if (!task) continue;
        const endpointId = targetEndpointOf(config, group);
        const endpoint = await endpointFor(endpointId);
        const sharedWith = config.taskGroups
          .filter((g) => g.name !== group.name && targetEndpointOf(config, g) === endpointId)
          .map((g) => g.name);
        for (const stat of await facts.stats(task)) {
          const table = tableLabel(stat);
          const audit = await auditFileSizes(deps.s3, config.target.bucket, `${config.target.folder}/${stat.schema}/${stat.table}/`, {
            targetBytes,
            windowHours: input.writeRateWindowHours ?? 24,
            onPage: (progress) => facts.beat({ table, ...progress }),
          });
          out.push({ table, group: group.name, tableClass: group.tableClass, audit, endpoint: endpoint && { ...endpoint, sharedWith } });
        }
      }
      return evaluateSmallFiles(out, config.thresholds);
    },
  };
}
