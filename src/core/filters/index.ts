/** lm-eval filter pipelines: public entry point of src/core/filters. */

export {
  DEFAULT_FILTER, FILTER_NAMES, applyFilterPipeline, compileFilterPipeline,
  type FilterPipeline, type FilterStep,
} from './pipeline.ts'
