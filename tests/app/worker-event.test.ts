import { describe, expect, it } from 'vitest'
import type { EvalEvent } from '../../src/core/events.ts'
import { throttleEvents, tokensPerSecond } from '../../src/app/worker-event.ts'
import type { WorkerEvent } from '../../src/protocol/worker-event.ts'

function progress(done: number, total: number): WorkerEvent {
  const event: EvalEvent = { type: 'progress', kind: 'loglikelihood', done, total, overallDone: done, overallTotal: total, tokens: done * 10, elapsedMs: done * 5 }
  return { type: 'eval', event }
}

describe('throttleEvents', () => {
  it('sends progress at most once per interval, keeps the final one and the order', () => {
    let t = 0
    const out: WorkerEvent[] = []
    const emit = throttleEvents((e) => out.push(e), 100, () => t)
    emit({ type: 'phase', phase: 'evaluating' })
    emit(progress(1, 5)) // t=0: within 100 ms of the phase message → held
    t = 50
    emit(progress(2, 5)) // replaces the held one
    t = 150
    emit(progress(3, 5)) // interval passed → sent
    t = 160
    emit(progress(4, 5)) // held
    emit({ type: 'eval', event: { type: 'scored', task: 't', failedDocs: 0 } }) // flushes 4/5 first
    t = 170
    emit(progress(5, 5)) // final → sent at once
    expect(out.map((e) => (e.type === 'eval' && e.event.type === 'progress' ? `p${e.event.done}` : e.type === 'eval' ? e.event.type : e.type)))
      .toEqual(['phase', 'p3', 'p4', 'scored', 'p5'])
  })

  it('flush sends a held event once', () => {
    let t = 0
    const out: WorkerEvent[] = []
    const emit = throttleEvents((e) => out.push(e), 100, () => t)
    emit({ type: 'load', file: 'onnx/model.onnx', loaded: 10, total: 100 })
    t = 10
    emit({ type: 'load', file: 'onnx/model.onnx', loaded: 20, total: 100 })
    emit.flush()
    emit.flush()
    expect(out).toEqual([
      { type: 'load', file: 'onnx/model.onnx', loaded: 10, total: 100 },
      { type: 'load', file: 'onnx/model.onnx', loaded: 20, total: 100 },
    ])
  })

  it('treats a load with unknown size as never final', () => {
    const out: WorkerEvent[] = []
    const emit = throttleEvents((e) => out.push(e), 100, () => 0)
    emit({ type: 'phase', phase: 'loading-model' })
    emit({ type: 'load', file: 'config.json', loaded: 0, total: 0 })
    expect(out).toHaveLength(1)
  })
})

describe('tokensPerSecond', () => {
  it('divides tokens by elapsed seconds', () => {
    const e = { type: 'progress', kind: 'generate_until', done: 1, total: 2, overallDone: 1, overallTotal: 2, tokens: 300, elapsedMs: 1500 } as const
    expect(tokensPerSecond(e)).toBe(200)
    expect(tokensPerSecond({ ...e, elapsedMs: 0 })).toBe(0)
  })
})

describe('throttleEvents per task', () => {
  it('holds task-progress per task, so one task never hides another, and sends the last of each at once', () => {
    let t = 0
    const out: string[] = []
    const tp = (task: string, docsDone: number, docsTotal: number): WorkerEvent =>
      ({ type: 'eval', event: { type: 'task-progress', task, docsDone, docsTotal, metric: undefined } })
    const emit = throttleEvents((e) => out.push(e.type === 'eval' && e.event.type === 'task-progress' ? `${e.event.task}${e.event.docsDone}` : e.type), 100, () => t)
    emit({ type: 'phase', phase: 'evaluating' })
    emit(tp('a', 1, 3)) // held (within the interval)
    emit(tp('b', 1, 2)) // held beside a1
    emit(tp('a', 2, 3)) // replaces a1
    t = 200
    emit(tp('b', 2, 2)) // final: flushes a2 first
    emit(tp('a', 3, 3)) // final
    expect(out).toEqual(['phase', 'a2', 'b2', 'a3'])
  })
})
