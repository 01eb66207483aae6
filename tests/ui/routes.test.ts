import { describe, expect, it } from 'vitest'
import { ROUTES, hashOfView, viewOfHash } from '../../src/ui/routes.ts'

describe('routes', () => {
  it('has the six views, run first', () => {
    expect(ROUTES.map((r) => r.name)).toEqual(['run', 'results', 'history', 'compare', 'chat', 'storage'])
  })
  it('maps every view hash back to its view', () => {
    for (const r of ROUTES) expect(viewOfHash(hashOfView(r.name))).toBe(r.name)
    expect(viewOfHash('#/history/')).toBe('history')
  })
  it('opens a share link on the results view', () => {
    expect(viewOfHash('#share=abc-_123')).toBe('results')
  })
  it('shows the run view for an empty or unknown hash', () => {
    expect(viewOfHash('')).toBe('run')
    expect(viewOfHash('#/nope')).toBe('run')
    expect(viewOfHash('#results')).toBe('run')
  })
})
