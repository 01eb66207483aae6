/**
 * Where documents come from. Adapters (src/data) implement it for a local mirror, the Hub, dropped files.
 */

/** One dataset row, as the Hub serves it (JSON-safe: no bigint). */
export type Doc = Record<string, unknown>

/** Names one split of one dataset, as lm-eval's dataset_path / dataset_name / split. */
export interface SplitRef {
  /** Hub dataset id, e.g. 'allenai/ai2_arc' */
  readonly path: string
  /** config name, e.g. 'ARC-Easy'; undefined = the dataset's default config */
  readonly name: string | undefined
  /** split name, e.g. 'test' */
  readonly split: string
}

/** A source of docs (the rows of dataset splits). */
export interface DocSource {
  /** human-readable description for messages, e.g. 'data dir public/datasets' */
  readonly description: string
  /** what to do about splits it lacks, for the pre-flight message (default: add them to the data) */
  readonly missingHint?: string
  /** how to run without shots when only few-shot splits are missing (default: the CLI's 'run 0-shot with --num-fewshot 0') */
  readonly zeroShotHint?: string
  /** whether the split exists */
  hasSplit(ref: SplitRef): Promise<boolean>
  /** all rows of a split in dataset order; throws HarnessError DATASET_NOT_FOUND / DATASET_SPLIT_MISSING */
  loadSplit(ref: SplitRef): Promise<Doc[]>
  /** where a split's rows came from (for the results file); absent or undefined when the source cannot say */
  originOf?(ref: SplitRef): Promise<SplitOrigin | undefined>
}

/** Where a split's rows came from. */
export interface SplitOrigin {
  /** e.g. 'the Hugging Face Hub at https://huggingface.co' */
  readonly source: string
  /** the dataset repo's commit when known (40 hex chars) */
  readonly revision?: string
  /** when it was fetched, unix milliseconds (cached splits) */
  readonly fetchedAt?: number
}
