/** parsePythonJson: Python's json.dumps text with bare NaN / ±Infinity, strings left alone. */
import { describe, expect, it } from 'vitest'
import { parsePythonJson, syntaxMessage } from '../../../src/core/python/json-parse.ts'

describe('parsePythonJson', () => {
  it('reads bare NaN and ±Infinity as numbers and leaves them inside strings as text', () => {
    expect(parsePythonJson('{"a": NaN, "b": [Infinity, -Infinity], "c": "NaN and -Infinity", "d": 1.5}'))
      .toEqual({ a: Number.NaN, b: [Infinity, -Infinity], c: 'NaN and -Infinity', d: 1.5 })
  })

  it('throws SyntaxError on text that is not JSON, with a one-line message', () => {
    let err: unknown
    try {
      parsePythonJson('{"a": nan}')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(SyntaxError)
    expect(syntaxMessage(err)).not.toContain('\n')
  })
})
