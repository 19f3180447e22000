import { z } from 'zod';
import { isCalendarDay } from '../calendarDays';
import { tableNameSchema } from '../tableName';
import { dryRunSchema, requestedBySchema, requestedBySignatureSchema } from './common';

const day = z
  .string()
  .regex(/^\d{8}$/, 'must be a date as YYYYMMDD (for example 20260601)')
  .refine(isCalendarDay, { message: 'is not a calendar date' });

export const backfillPartitionsInputSchema = z
  .object({
    table: tableNameSchema,
    from: day,
    to: day,
    dateColumn: z.string().regex(/^[A-Za-z0-9_$]{1,64}$/, 'must be a MySQL column name (letters, digits, _ or $)'),
    dryRun: dryRunSchema,
    requestedBy: requestedBySchema,
    requestedBySignature: requestedBySignatureSchema,
  })
  .strict()
  .refine((i) => i.from <= i.to, { path: ['to'], message: 'must not be before from' });

export type BackfillPartitionsInput = z.input<typeof backfillPartitionsInputSchema>;
