/**
 * Global setup of the vitest project `e2e`: one production build (`vite build` into a temp folder) for every browser
 * suite, handed to them as the provided value `productionDist` (see serveProductionApp in production-app.ts) and
 * deleted after the run. Without Chromium nothing is built and one line says the browser suites were skipped and why.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'vite'
import type { TestProject } from 'vitest/node'
import { CHROMIUM, HAS_CHROMIUM, ROOT } from './production-app.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** the folder holding the shared production build (absolute path); '' when Chromium is absent */
    productionDist: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!HAS_CHROMIUM) {
    console.log(`e2e: browser suites skipped: ${CHROMIUM} not found (install it with \`apt-get install chromium\`; see README "Tests")`)
    project.provide('productionDist', '')
    return async () => undefined
  }
  const outDir = await mkdtemp(join(tmpdir(), 'evalz-e2e-dist-'))
  try {
    await build({
      root: ROOT, configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', clearScreen: false,
      build: { outDir, emptyOutDir: true },
    })
  } catch (e) {
    await rm(outDir, { recursive: true, force: true })
    throw e
  }
  project.provide('productionDist', outDir)
  return () => rm(outDir, { recursive: true, force: true })
}
