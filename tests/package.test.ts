/** The repo's own promises: pinned dependencies, the install setting, the README's Quickstart, the CI script. */
import { describe, expect, it } from 'vitest'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')
const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string>; bin: Record<string, string>
}

describe('package', () => {
  it('pins every dependency to an exact version', () => {
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect(version, name).toMatch(/^\d+\.\d+\.\d+(-[\w.-]+)?$/)
    }
  })
  it('does not add a second onnxruntime-web next to the one transformers.js pins', () => {
    expect(pkg.dependencies['onnxruntime-web']).toBeUndefined()
    expect(pkg.devDependencies['onnxruntime-web']).toBeUndefined()
  })
  it('skips onnxruntime-node’s download at install time', () => {
    expect(readFileSync(resolve(ROOT, '.npmrc'), 'utf8')).toContain('onnxruntime-node-install=skip')
  })
  it('has the evalz bin, the demo, start, test and bench scripts', () => {
    expect(pkg.bin.evalz).toBe('bin/evalz.js')
    expect(existsSync(resolve(ROOT, pkg.bin.evalz))).toBe(true)
    for (const s of ['demo', 'start', 'test', 'bench', 'evalz']) expect(pkg.scripts[s], s).toBeDefined()
    expect(pkg.scripts.demo).toContain('--data-dir public/datasets')
  })
  it('starts the README with the Quickstart: npm ci, npm run demo, npm start, npm test, in this order', () => {
    const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8')
    const firstSection = readme.split('\n## ')[1]
    expect(firstSection.startsWith('Quickstart')).toBe(true)
    const order = ['npm ci', 'npm run demo', 'npm start', 'npm test'].map(c => firstSection.indexOf(c))
    expect(order.every(i => i >= 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
  })
  it('has an executable CI script that runs npm ci then npm test', () => {
    const ci = resolve(ROOT, '.ci/run')
    expect(statSync(ci).mode & 0o111).not.toBe(0)
    const text = readFileSync(ci, 'utf8')
    expect(text.indexOf('npm ci')).toBeGreaterThan(0)
    expect(text.indexOf('npm test')).toBeGreaterThan(text.indexOf('npm ci'))
  })
})
