import { describe, expect, it } from 'vitest'
import { handleInterrupts, interruptMessage } from '../../src/cli/interrupt.ts'

describe('SIGINT during a run says what was kept and how to go on (issue 17: it exited silently)', () => {
  it('one line naming the output folder and the cache, then exit 130', () => {
    const lines: string[] = []
    const codes: number[] = []
    const release = handleInterrupts({ output: '/tmp/out', cacheDir: '/tmp/cache' }, l => lines.push(l), c => codes.push(c))
    process.emit('SIGINT', 'SIGINT')
    release()
    expect(codes).toEqual([130])
    expect(lines).toHaveLength(1)
    expect(lines[0]).toBe(`${interruptMessage('SIGINT', { output: '/tmp/out', cacheDir: '/tmp/cache' })}\n`)
    expect(lines[0]).toMatch(/^evalz: interrupted by SIGINT; nothing new was written to \/tmp\/out .*kept in \/tmp\/cache: .*rerun the same command/)
    expect(process.listenerCount('SIGTERM')).toBe(0)
  })
})
