/**
 * Wraps a DocSource so that a split it cannot give — missing, or the Hub unreachable — whose dataset is stored
 * locally under other configs fails with one line saying so (DATASET_CONFIG_MISMATCH: "local allenai/ai2_arc has
 * config 'default'; the task wants 'ARC-Easy'") instead of a Hub error about a dataset the user believes they gave.
 */
import { configMismatchMessage, DEFAULT_CONFIG_FOLDER } from '../core/data-presence.ts'
import { HarnessError } from '../core/errors.ts'
import type { DocSource, SplitRef } from '../core/source.ts'
import type { FileAccess } from './file-access.ts'

/** `source`, whose failures name a config mismatch with the mirror `local` (which must be able to list). */
export function configHintSource(source: DocSource, local: FileAccess, fix: string): DocSource {
  async function mismatch(ref: SplitRef): Promise<HarnessError | undefined> {
    const wanted = ref.name ?? DEFAULT_CONFIG_FOLDER
    const configs = (await local.list?.(ref.path).catch(() => undefined)) ?? []
    if (configs.length === 0 || configs.includes(wanted)) return undefined
    return new HarnessError('DATASET_CONFIG_MISMATCH', `${configMismatchMessage(ref.path, configs, wanted)}; ${fix}`, {
      path: ref.path, name: wanted, split: ref.split, configs,
    })
  }
  return {
    ...source,
    async hasSplit(ref) {
      let has: boolean
      try {
        has = await source.hasSplit(ref)
      } catch (e) {
        throw (await mismatch(ref)) ?? e
      }
      if (has) return true
      const m = await mismatch(ref)
      if (m) throw m
      return false
    },
    async loadSplit(ref) {
      try {
        return await source.loadSplit(ref)
      } catch (e) {
        throw (await mismatch(ref)) ?? e
      }
    },
  }
}
