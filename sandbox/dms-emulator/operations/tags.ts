import { z } from 'zod';
import { arnKind } from '../arns';
import { invalidValue, notFound } from '../dmsFault';
import type { EmulatorContext } from '../emulatorContext';
import type { Tag } from '../emulatorState';
import type { OperationTable } from '../operation';
import { parseInput, tagsInput } from '../requestValidation';

function taggable(ctx: EmulatorContext, arn: string): { tags: Tag[] } {
  const kind = arnKind(arn);
  if (!kind) throw invalidValue(`${arn} is not a DMS resource ARN`);
  const resource =
    kind === 'rep'
      ? ctx.state.instances.find((i) => i.arn === arn)
      : kind === 'endpoint'
        ? ctx.state.endpoints.find((e) => e.arn === arn)
        : ctx.state.tasks.find((t) => t.arn === arn);
  if (!resource) throw notFound(`Resource ${arn} not found`);
  return resource;
}

export const tagOperations: OperationTable = {
  AddTagsToResource: {
    mutating: true,
    run(ctx, body) {
      const input = parseInput('AddTagsToResource', z.object({ ResourceArn: z.string(), Tags: tagsInput.unwrap() }), body);
      const resource = taggable(ctx, input.ResourceArn);
      for (const tag of input.Tags) {
        resource.tags = resource.tags.filter((t) => t.Key !== tag.Key);
        resource.tags.push(tag);
      }
      ctx.changed();
      return {};
    },
  },

  RemoveTagsFromResource: {
    mutating: true,
    run(ctx, body) {
      const input = parseInput('RemoveTagsFromResource', z.object({ ResourceArn: z.string(), TagKeys: z.array(z.string()) }), body);
      const resource = taggable(ctx, input.ResourceArn);
      resource.tags = resource.tags.filter((t) => !input.TagKeys.includes(t.Key));
      ctx.changed();
      return {};
    },
  },

  ListTagsForResource: {
    mutating: false,
    run(ctx, body) {
      const input = parseInput(
        'ListTagsForResource',
        z.object({ ResourceArn: z.string().optional(), ResourceArnList: z.array(z.string()).optional() }),
        body,
      );
      const arns = [...(input.ResourceArn ? [input.ResourceArn] : []), ...(input.ResourceArnList ?? [])];
      if (arns.length === 0) throw invalidValue('ListTagsForResource needs ResourceArn or ResourceArnList');
      return { TagList: arns.flatMap((arn) => taggable(ctx, arn).tags.map((tag) => ({ ...tag, ResourceArn: arn }))) };
    },
  },
};
