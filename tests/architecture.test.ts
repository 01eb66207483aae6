/**
 * Layer rules (aesthetics.md §7): src/core is pure — it imports only core files and pure libraries, and uses no
 * DOM, Node, network or IndexedDB globals — so it runs unchanged in Node and in a Worker. Other layers keep
 * their allowed imports too.
 */
import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, dirname } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : []
  })
}

/** Import specifiers of a file (static imports, re-exports and dynamic imports). */
function importsOf(source: string): string[] {
  const out: string[] = []
  const re = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(])import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm
  for (const m of source.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3])
  return out
}

/** Source with comments and string/template literal contents blanked, so globals are found only in code. */
function codeOnly(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(^|[^:\\])\/\/.*$/gm, '$1')
    .replace(/'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g, '""')
}

const PURE_PACKAGES = new Set(['@huggingface/jinja', 'yaml'])
const FORBIDDEN_GLOBALS = [
  'window', 'document', 'navigator', 'fetch', 'XMLHttpRequest', 'WebSocket', 'indexedDB', 'localStorage', 'sessionStorage',
  'process', 'Buffer', 'require', '__dirname', '__filename', 'console', 'globalThis', 'caches', 'Worker', 'importScripts',
  'setTimeout', 'setInterval', 'performance',
]

const LAYER_RULES: Record<string, { may: string[]; packages: RegExp }> = {
  data: { may: ['core', 'protocol', 'data'], packages: /^(hyparquet|hyparquet-compressors)(\/|$)/ },
  backends: { may: ['core', 'protocol', 'backends'], packages: /^(@huggingface\/transformers|onnxruntime-(node|web|common)|pyodide)(\/|$)|^node:/ },
  protocol: { may: ['core', 'protocol'], packages: /^$/ },
  app: { may: ['core', 'protocol', 'app'], packages: /^$/ },
  storage: { may: ['core', 'protocol', 'storage'], packages: /^idb(\/|$)/ },
  ui: { may: ['core', 'protocol', 'app', 'storage', 'ui'], packages: /^(lit|comlink|@lit\/.*)(\/|$)/ },
  cli: { may: ['core', 'protocol', 'app', 'backends', 'data', 'cli'], packages: /^node:|^(vite|playwright-core)$/ },
  'cli-page': { may: ['core', 'protocol', 'app', 'cli-page'], packages: /^comlink$/ },
}

describe('src/core is pure', () => {
  const coreFiles = files(join(ROOT, 'src/core'))

  it('has files to check', () => {
    expect(coreFiles.length).toBeGreaterThan(20)
  })

  for (const file of coreFiles) {
    const rel = relative(ROOT, file)
    it(`${rel} imports only core and pure packages`, () => {
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        if (spec.startsWith('.')) {
          const target = relative(join(ROOT, 'src/core'), resolve(dirname(file), spec))
          expect(target.startsWith('..'), `${rel} imports ${spec}, outside src/core`).toBe(false)
        } else {
          expect(PURE_PACKAGES.has(spec), `${rel} imports package ${spec}; core may import only ${[...PURE_PACKAGES].join(', ')}`).toBe(true)
        }
      }
    })
    it(`${rel} uses no environment globals`, () => {
      const code = codeOnly(readFileSync(file, 'utf8'))
      for (const g of FORBIDDEN_GLOBALS) {
        const used = new RegExp(`(?<![\\w.$'"])${g}\\s*[.(\\[]|(?<![\\w.$'"])typeof\\s+${g}\\b`).test(code)
        expect(used, `${rel} uses the global ${g}`).toBe(false)
      }
    })
  }
})

describe('layers import only what they may', () => {
  for (const [layer, rule] of Object.entries(LAYER_RULES)) {
    const dir = join(ROOT, 'src', layer)
    let layerFiles: string[] = []
    try {
      layerFiles = files(dir)
    } catch {
      layerFiles = []
    }
    for (const file of layerFiles) {
      const rel = relative(ROOT, file)
      it(`${rel}`, () => {
        for (const spec of importsOf(readFileSync(file, 'utf8'))) {
          // text assets Vite bundles (the guide's markdown)
          if (spec.endsWith('?raw') && relative(ROOT, resolve(dirname(file), spec)).startsWith('docs/')) continue
          if (spec.startsWith('.')) {
            const target = relative(join(ROOT, 'src'), resolve(dirname(file), spec)).split(/[\\/]/)[0]
            expect(rule.may.includes(target), `${rel} imports ${spec} (layer ${target}); ${layer} may import ${rule.may.join(', ')}`).toBe(true)
          } else {
            expect(rule.packages.test(spec), `${rel} imports package ${spec}, not allowed in ${layer}`).toBe(true)
          }
        }
      })
    }
  }
})

describe('src/app is environment-free', () => {
  // the application layer composes the core with injected ports (store, GPU, backend loader, document source),
  // so the worker and the CLI run the same code: no DOM, Node, network or IndexedDB globals
  for (const file of files(join(ROOT, 'src/app'))) {
    const rel = relative(ROOT, file)
    it(`${rel} uses no environment globals`, () => {
      const code = codeOnly(readFileSync(file, 'utf8'))
      for (const g of FORBIDDEN_GLOBALS) {
        const used = new RegExp(`(?<![\\w.$'"])${g}\\s*[.(\\[]|(?<![\\w.$'"])typeof\\s+${g}\\b`).test(code)
        expect(used, `${rel} uses the global ${g}`).toBe(false)
      }
    })
  }
})

describe('src/protocol holds types only', () => {
  // the contract every layer may import: interfaces and type aliases, nothing that runs
  const protocolFiles = files(join(ROOT, 'src/protocol'))
  it('has files to check', () => {
    expect(protocolFiles.length).toBeGreaterThan(5)
  })
  for (const file of protocolFiles) {
    const rel = relative(ROOT, file)
    it(`${rel} declares and imports only types`, () => {
      const code = codeOnly(readFileSync(file, 'utf8'))
      const statements = code.split('\n').filter((l) => /^(export\s+)?(import|const|let|var|function|async|class|enum)\b/.test(l))
      const runtime = statements.filter((l) => !/^import\s+type\s/.test(l) && !/^export\s+type\s/.test(l))
      expect(runtime, `${rel} has runtime code; move it to src/app`).toEqual([])
    })
  }
})

describe('the checker itself', () => {
  it('finds imports and globals it must reject', () => {
    expect(importsOf("import { x } from 'node:fs'\nconst m = await import('idb')")).toEqual(['node:fs', 'idb'])
    expect(codeOnly("const s = 'window.x' // process.env\nwindow.alert(1)")).toContain('window.alert')
    expect(codeOnly("const s = 'window.x' // process.env")).not.toContain('process')
  })
})
