/**
 * The document source used when no local mirror is given: this version cannot download from the Hub.
 */
import { HarnessError } from '../core/errors.ts'
import type { DocSource, SplitRef } from '../core/source.ts'
import { DEFAULT_CONFIG } from './mirror-source.ts'

/**
 * A DocSource whose every call throws HUB_UNAVAILABLE naming the dataset and how to pass a mirror.
 * `taskOf` (optional) names the task that needs a ref, so the message can start with it.
 */
export function noHubSource(taskOf?: (ref: SplitRef) => string | undefined): DocSource {
  function fail(ref: SplitRef): never {
    const task = taskOf?.(ref)
    const config = ref.name ?? DEFAULT_CONFIG
    const who = task === undefined ? 'this run' : `task '${task}'`
    throw new HarnessError(
      'HUB_UNAVAILABLE',
      `${who} needs dataset ${ref.path}${ref.name === undefined ? '' : ` (config ${ref.name})`} from the Hugging Face Hub,` +
        ' which this version cannot download yet; pass --data-dir DIR with a local mirror' +
        ` (DIR/${ref.path}/${config}/${ref.split}.jsonl)`,
      { task, path: ref.path, name: ref.name, split: ref.split },
    )
  }
  return {
    description: 'the Hugging Face Hub (not available in this version)',
    async hasSplit(ref) {
      return fail(ref)
    },
    async loadSplit(ref) {
      return fail(ref)
    },
  }
}
