import type { z } from 'zod';
import type { RunbookKind } from '../config';
import { backfillPartitionsInputSchema } from './backfillPartitions';
import { checkSourceReadinessInputSchema } from './checkSourceReadiness';
import { fullReloadInputSchema } from './fullReload';
import { onboardTableInputSchema } from './onboardTable';
import { pipelineDoctorInputSchema } from './pipelineDoctor';
import { compositeResizeSchema, simpleResizeSchema } from './resizeInstance';
import { schemaDriftWatchInputSchema } from './schemaDriftWatch';

/** The object forms each runbook's input takes (resizeInstance has two), by kind: what the CLI types flags by. */
export const INPUT_FORMS: Record<RunbookKind, z.ZodObject[]> = {
  checkSourceReadiness: [checkSourceReadinessInputSchema],
  onboardTable: [onboardTableInputSchema],
  fullReload: [fullReloadInputSchema],
  resizeInstance: [simpleResizeSchema, compositeResizeSchema],
  backfillPartitions: [backfillPartitionsInputSchema],
  pipelineDoctor: [pipelineDoctorInputSchema],
  schemaDriftWatch: [schemaDriftWatchInputSchema],
};
