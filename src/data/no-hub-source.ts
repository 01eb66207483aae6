/**
 * The document source used when no local mirror is given: this version cannot download from the Hub.
 */
import { HarnessError } from '../core/errors.ts'
import type { DocSource, SplitRef } from '../core/source.ts'
import { DEFAULT_CONFIG } from './mirror-source.ts'

/** Options of noHubSource. */
export interface NoHubOptions {
  /** true: the Hub is off because the run is offline (--offline or HF_HUB_OFFLINE=1), and the message says so */
  readonly offline?: boolean
}

/**
 * A DocSource whose every call throws HUB_UNAVAILABLE naming the dataset and how to pass a mirror.
 * `taskOf` (optional) names the task that needs a ref, so the message can start with it.
 */
export function noHubSource(taskOf?: (ref: SplitRef) => string | undefined, opts: NoHubOptions = {}): DocSource {
  function fail(ref: SplitRef): never {
    const task = taskOf?.(ref)
    const config = ref.name ?? DEFAULT_CONFIG
    const who = task === undefined ? 'this run' : `task '${task}'`
    throw new HarnessError(
      'HUB_UNAVAILABLE',
      `${who} needs dataset ${ref.path}${ref.name === undefined ? '' : ` (config ${ref.name})`} from the Hugging Face Hub,` +
        (opts.offline ? ' and this run is offline (--offline or HF_HUB_OFFLINE=1)' : ' which this version cannot download yet') +
        '; pass --data-dir DIR with a local mirror' +
        ` (DIR/${ref.path}/${config}/${ref.split}.jsonl)`,
      { task, path: ref.path, name: ref.name, split: ref.split },
    )
  }
  return {
    description: opts.offline ? 'the Hugging Face Hub (offline)' : 'the Hugging Face Hub (not available in this version)',
    async hasSplit(ref) {
      return fail(ref)
    },
    async loadSplit(ref) {
      return fail(ref)
    },
  }
}
