import { loadKeysAtRisk } from '../domain/consumerHazards';
import { completeMarker, MarkerMove, MarkerState, newMarker, NewMarker, RewriteMarker } from '../domain/consumerMarkers';
import type { ActivityDeps } from './deps';
import { listObjectPages, putJsonObject, readJsonObject } from './s3Objects';

/** Rewrite markers on S3 (domain/consumerMarkers.ts) and the keys a new load would take again. */
export function consumerMarkerActivities(deps: ActivityDeps) {
  const bucket = deps.config.target.bucket;
  return {
    /**
     * Full-load keys the next load of a table may write again (domain/consumerHazards.ts loadKeysAtRisk; partition
     * sequences other than `YYYYMMDD` are not detected).
     */
    async findLoadKeyCollisions(input: { tablePrefix: string; at: string }): Promise<string[]> {
      const keys: string[] = [];
      for await (const page of listObjectPages(deps.s3, bucket, input.tablePrefix)) for (const o of page) if (o.Key) keys.push(o.Key);
      return loadKeysAtRisk(keys, input.tablePrefix, new Date(input.at));
    },

    /**
     * Keys that moves will write again: for each move, the keys under `to` that a file under `from` lands on (a
     * backfill's staged `LOAD00000001.parquet` published into a day that already holds one). Those are the paths an
     * exactly-once consumer has seen.
     */
    async findMoveCollisions(input: { moves: Array<{ from: string; to: string }> }): Promise<string[]> {
      const found: string[] = [];
      for (const move of input.moves) {
        const live = new Set<string>();
        for await (const page of listObjectPages(deps.s3, bucket, move.to)) for (const o of page) if (o.Key) live.add(o.Key);
        for await (const page of listObjectPages(deps.s3, bucket, move.from))
          for (const o of page) {
            const landing = `${move.to}${(o.Key ?? '').slice(move.from.length)}`;
            if (o.Key && live.has(landing)) found.push(landing);
          }
      }
      return found.sort();
    },

    /** Writes a new marker (state `started`); a retry finds it and keeps it. */
    async startRewriteMarker(input: { key: string; marker: Omit<NewMarker, 'at'> }): Promise<RewriteMarker> {
      const existing = await readJsonObject<RewriteMarker>(deps.s3, bucket, input.key);
      if (existing && existing.runbook.workflowId === input.marker.runbook.workflowId) return existing;
      const marker = newMarker({ ...input.marker, at: new Date().toISOString() });
      await putJsonObject(deps.s3, bucket, input.key, marker);
      return marker;
    },

    /** Completes a marker: its final state, what was written and moved. */
    async completeRewriteMarker(input: {
      key: string;
      state: MarkerState;
      moves?: MarkerMove[];
      note?: string;
      writtenUnder?: string;
    }): Promise<RewriteMarker | undefined> {
      const marker = await readJsonObject<RewriteMarker>(deps.s3, bucket, input.key);
      if (!marker) return undefined;
      let written: string[] | undefined;
      if (input.writtenUnder !== undefined) {
        written = [];
        for await (const page of listObjectPages(deps.s3, bucket, input.writtenUnder))
          for (const o of page) if (o.Key && /\/LOAD[0-9A-F]{8}\.parquet$/.test(o.Key)) written.push(o.Key);
      }
      const done = completeMarker(marker, {
        state: input.state,
        at: new Date().toISOString(),
        moves: input.moves,
        note: input.note,
        written,
      });
      await putJsonObject(deps.s3, bucket, input.key, done);
      return done;
    },
  };
}
