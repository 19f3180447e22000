import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';

/**
 * The three object calls the engine's own activities make (Put, Get, Delete), kept in memory for the engine tests on
 * the time-skipping server, which run without moto. What S3 does with them is tested on the stack.
 */
export function memoryS3() {
  const objects = new Map<string, string>();
  const at = (input: { Bucket?: string; Key?: string }) => `${input.Bucket}/${input.Key}`;
  return {
    objects,
    send(command: unknown): Promise<unknown> {
      if (command instanceof PutObjectCommand) {
        objects.set(at(command.input), command.input.Body as string);
        return Promise.resolve({});
      }
      if (command instanceof GetObjectCommand) {
        const text = objects.get(at(command.input));
        if (text === undefined) return Promise.reject(Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }));
        return Promise.resolve({ Body: { transformToString: () => Promise.resolve(text) } });
      }
      if (command instanceof DeleteObjectCommand) {
        objects.delete(at(command.input));
        return Promise.resolve({});
      }
      return Promise.reject(new Error(`memoryS3: ${(command as object).constructor.name} is not one of the engine's calls`));
    },
  };
}
