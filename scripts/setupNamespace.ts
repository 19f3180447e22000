import { Connection } from '@temporalio/client';
import { temporalConnectSettings } from '../worker/temporalConnection';
import { cloudRegistrationCommand, INDEXED_TYPES, searchAttributeProblems } from '../worker/searchAttributeCheck';

/**
 * `npm run setup:namespace`: registers the runbooks' custom search attributes in the namespace of the Temporal
 * connection settings (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, profiles), with the operator service's
 * AddSearchAttributes where the server allows it (self-hosted, dev server). Temporal Cloud manages them with tcld or
 * its UI: the command is printed. Exits non-zero when something is still missing.
 */
async function main(): Promise<void> {
  const { connectionOptions, namespace } = temporalConnectSettings();
  const address = connectionOptions.address ?? '127.0.0.1:7233';
  const connection = await Connection.connect(connectionOptions);
  try {
    const problems = await searchAttributeProblems(connection, namespace);
    const wrongType = problems.filter((p) => p.registeredAs);
    const missing = problems.filter((p) => !p.registeredAs);
    for (const p of wrongType) {
      console.error(
        `${p.attribute.name} is registered in ${namespace} as ${p.registeredAs}, not ${p.attribute.type}: remove it (temporal operator search-attribute remove --namespace ${namespace} --name ${p.attribute.name}) and run this again`,
      );
    }
    if (missing.length === 0) {
      if (wrongType.length === 0) console.log(`namespace ${namespace} at ${address}: every search attribute is registered`);
      process.exitCode = wrongType.length ? 1 : 0;
      return;
    }
    if (/\.tmprl\.cloud(:\d+)?$/.test(address)) {
      console.error(`namespace ${namespace} is on Temporal Cloud, whose search attributes are managed with tcld or the Cloud UI:`);
      console.error(`  ${cloudRegistrationCommand(missing, namespace)}`);
      process.exitCode = 1;
      return;
    }
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((p) => [p.attribute.name, INDEXED_TYPES[p.attribute.type]])),
      });
    } catch (error) {
      console.error(`the server refused to register search attributes in ${namespace}: ${(error as Error).message}`);
      console.error('On Temporal Cloud (or in the Cloud UI, Namespace > Search Attributes):');
      console.error(`  ${cloudRegistrationCommand(missing, namespace)}`);
      process.exitCode = 1;
      return;
    }
    for (const p of missing) console.log(`registered ${p.attribute.name} (${p.attribute.type}) in ${namespace}`);
    process.exitCode = wrongType.length ? 1 : 0;
  } finally {
    await connection.close();
  }
}

main().catch((error: Error) => {
  console.error(`setup:namespace failed: ${error.message}`);
  process.exit(1);
});
