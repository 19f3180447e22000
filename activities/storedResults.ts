import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { storedResultKey, StoredResult, utf8Bytes } from '../domain/boundedResult';
import type { ActivityDeps } from './deps';

/**
 * A run's result (or failure details) too large to return, kept whole in the target bucket (domain/boundedResult.ts).
 * It arrives in parts, one call each, so no activity input is larger than a part; the last part joins them.
 */
export function storedResultActivities(deps: ActivityDeps) {
  const bucket = deps.config.target.bucket;
  return {
    async storeResultPart(input: {
      workflowId: string;
      runId: string;
      part: number;
      parts: number;
      text: string;
    }): Promise<StoredResult | undefined> {
      const key = storedResultKey(input.workflowId, input.runId);
      const partKey = (n: number) => `${key}.parts/${String(n).padStart(5, '0')}`;
      await deps.s3.send(new PutObjectCommand({ Bucket: bucket, Key: partKey(input.part), Body: input.text }));
      if (input.part < input.parts - 1) return undefined;
      let text = '';
      for (let n = 0; n < input.parts; n++) {
        const object = await deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key: partKey(n) }));
        text += await object.Body!.transformToString();
      }
      JSON.parse(text); // a part lost or out of order fails here, before the whole is written
      await deps.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: 'application/json' }));
      for (let n = 0; n < input.parts; n++) await deps.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: partKey(n) }));
      return { location: `s3://${bucket}/${key}`, bytes: utf8Bytes(text) };
    },
  };
}
