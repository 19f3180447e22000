import type { S3Client } from '@aws-sdk/client-s3';
import type { EndpointRecord } from '../emulatorState';
import { s3TargetSettings } from './s3Layout';
import { headBucket } from './s3Target';
import { connectSource } from './sourceDatabase';

/** TestConnection for real: a MySQL login and query on a source, HeadBucket on an S3 target. */
export async function testEndpoint(endpoint: EndpointRecord, s3: S3Client): Promise<{ ok: boolean; message?: string }> {
  try {
    if (endpoint.endpointType === 'source') {
      const connection = await connectSource(endpoint);
      try {
        await connection.query('SELECT 1');
      } finally {
        await connection.end();
      }
    } else {
      const bucket = s3TargetSettings(endpoint.s3Settings).bucket;
      try {
        await headBucket(s3, bucket);
      } catch (error) {
        throw new Error(`Failed to access bucket ${bucket}: ${(error as Error).name} ${(error as Error).message}`.trim());
      }
    }
    return { ok: true };
  } catch (error) {
    const detail = (error as Error).message || (error as Error).name;
    return {
      ok: false,
      message:
        endpoint.endpointType === 'source'
          ? `Test connection for endpoint ${endpoint.identifier} failed: Cannot connect to ${endpoint.engineName} server ${endpoint.serverName}:${endpoint.port}: ${detail}`
          : `Test connection for endpoint ${endpoint.identifier} failed: ${detail}`,
    };
  }
}
