import { loadClientConnectConfig } from '@temporalio/envconfig';

/**
 * Temporal connection settings the way the Temporal CLI reads them (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TLS files, profiles in the standard config file, TEMPORAL_PROFILE), so one profile serves both.
 */
export function temporalConnectSettings() {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  return { connectionOptions, namespace: namespace ?? 'default' };
}
