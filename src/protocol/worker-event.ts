/**
 * What the worker streams to the page during a run (a discriminated union on `type`); app/worker-event.ts throttles
 * the stream to a few messages per second.
 */
import type { EvalEvent } from '../core/events.ts'
import type { DeviceReport } from './device.ts'

/** Coarse stage of a run. */
export type RunPhase = 'loading-python' | 'loading-model' | 'evaluating' | 'finishing'

export type WorkerEvent =
  | { readonly type: 'phase'; readonly phase: RunPhase }
  | {
    readonly type: 'load'
    /** model file being read, e.g. 'onnx/model.onnx' */
    readonly file: string
    /** bytes read so far */
    readonly loaded: number
    /** bytes in the file; 0 when unknown */
    readonly total: number
  }
  /** the device the model was loaded on (sent again if 'auto' falls back to wasm) */
  | { readonly type: 'device'; readonly report: DeviceReport }
  /** an engine event, unchanged */
  | { readonly type: 'eval'; readonly event: EvalEvent }

