#!/usr/bin/env node
// The evalz command: runs src/cli/main.ts through tsx, so it works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli/main.ts')
// exit as soon as the command is done (stdout and stderr writes are synchronous for files and pipes on POSIX):
// left to drain the event loop, a run that loaded onnxruntime spent ~30 s and 0.4 GB (0.6× a 1.1B Q4_0 GGUF) more
// resident memory before it exited (measured with scripts/bench-gguf.ts; README "Benchmarks")
const code = await main(process.argv.slice(2))
// ...but only once stdout and stderr are flushed: a pipe whose reader is slower than the writes holds the rest in
// Node's buffer (`evalz ls --json | …` was cut at the pipe's 64 KiB); a write's callback runs after all earlier ones
for (const stream of [process.stdout, process.stderr]) await new Promise((resolve) => stream.write('', resolve))
process.exit(code)
