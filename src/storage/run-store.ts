/**
 * Run history: one record per evaluation run, written when it starts and updated when it ends, so a run a
 * reload or crash interrupted is found again (status 'running') and can be resumed.
 */
import type { RunRecord } from '../protocol/eval-store.ts'
import type { EvalzDb } from './db.ts'
import { commit } from './db.ts'

/** Stores (inserts or replaces) a run. */
export async function putRun(db: EvalzDb, run: RunRecord): Promise<void> {
  await db.put('runs', run)
}

/** A run by id. */
export async function getRun(db: EvalzDb, id: string): Promise<RunRecord | undefined> {
  return db.get('runs', id)
}

/** All runs, newest first. */
export async function listRuns(db: EvalzDb): Promise<RunRecord[]> {
  return (await db.getAllFromIndex('runs', 'createdAt')).reverse()
}

/** Deletes a run (missing ids are ignored). */
export async function deleteRun(db: EvalzDb, id: string): Promise<void> {
  await db.delete('runs', id)
}

/** Runs still marked 'running' (left by a reload or crash), newest first. */
export async function unfinishedRuns(db: EvalzDb): Promise<RunRecord[]> {
  const runs = await db.getAllFromIndex('runs', 'status', 'running')
  return runs.sort((a, b) => b.createdAt - a.createdAt)
}

/** Applies `change` to a stored run in one transaction; returns the new record, undefined when there is no such run. */
export async function updateRun(
  db: EvalzDb, id: string, change: (run: RunRecord) => RunRecord,
): Promise<RunRecord | undefined> {
  const tx = db.transaction('runs', 'readwrite')
  return commit(tx, async () => {
    const run = await tx.store.get(id)
    const next = run === undefined ? undefined : change(run)
    if (next !== undefined) await tx.store.put({ ...next, id })
    return next
  })
}
