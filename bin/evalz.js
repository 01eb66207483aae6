#!/usr/bin/env node
// The evalz command: runs src/cli/main.ts through tsx, so it works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
