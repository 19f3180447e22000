import { iamActionsFor } from './iamActions';

interface MiddlewareStackLike {
  add(
    middleware: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>,
    options: { step: 'initialize'; name: string },
  ): void;
}

/**
 * Turns an AWS "access denied" answer into an error that names the missing permission and what to do, for every
 * command of the client: `s3:PutObject was denied … add it to the worker's IAM policy (npm run iam-policy)`.
 */
export function explainAccessDenied(client: { middlewareStack: unknown }, prefix: string): void {
  (client.middlewareStack as MiddlewareStackLike).add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const e = error as Error;
        if (!/AccessDenied|UnauthorizedOperation|NotAuthorized/i.test(`${e.name} ${e.message}`)) throw error;
        const actions = iamActionsFor(prefix, context.commandName ?? 'UnknownCommand').join(' and ');
        e.message = `${actions} was denied to the worker's AWS identity (${e.name}: ${e.message}); add ${actions} to its IAM policy for this resource (npm run iam-policy prints the policy this pipeline needs)`;
        throw e;
      }
    },
    { step: 'initialize', name: 'explainAccessDenied' },
  );
}
