/**
 * The `evalz` command line: parse, dispatch, and turn errors into one line and an exit code
 * (0 ok, 1 the run failed, 2 usage).
 */
import { HELP, parseCommand } from './args.ts'
import { runCommand } from './run-command.ts'
import { handleInterrupts } from './interrupt.ts'
import { cacheRoot } from './dataset-cache.ts'
import { chatCommand } from './chat-command.ts'
import { lsCommand, lsTaskCommand } from './ls-command.ts'
import { preparePythonHooks } from './python-hooks.ts'
import { leafTasks, resolveSelection } from '../core/tasks/registry.ts'
import { catalogueWithIncludePaths } from './include-path.ts'
import { exportTaskCommand } from './export-task.ts'
import { reportCommand } from './report-command.ts'
import { serveCommand } from './serve-command.ts'
import { mirrorSource } from '../data/mirror-source.ts'
import { nodeFileAccess } from './node-file-access.ts'
import { resolve } from 'node:path'
import { EVALZ_VERSION } from './version.ts'
import { isHarnessError } from '../core/errors.ts'
import { redactCredentials } from './credentials.ts'

/** Setup errors that mean the command line itself was wrong (exit 2). */
const USAGE_CODES = new Set(['USAGE', 'TASK_UNKNOWN', 'TASK_ONLY_IN_LM_EVAL'])

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const verbose = argv.includes('--verbose')
  try {
    const cmd = parseCommand(argv)
    switch (cmd.command) {
      case 'help':
        process.stdout.write(`${HELP}\n`)
        return 0
      case 'version':
        process.stdout.write(`evalz ${EVALZ_VERSION}\n`)
        return 0
      case 'ls': {
        const catalogue = await catalogueWithIncludePaths(cmd.includePath)
        const source = cmd.dataDir === undefined ? undefined : mirrorSource(nodeFileAccess(resolve(cmd.dataDir)))
        if (cmd.task !== undefined && source !== undefined) await preparePythonHooks(leafTasks(resolveSelection(catalogue, [cmd.task])), t => process.stderr.write(t))
        process.stdout.write(cmd.task === undefined ? lsCommand(catalogue, cmd.json) : await lsTaskCommand(catalogue, cmd.task, { json: cmd.json, source }))
        return 0
      }
      case 'report': {
        const written = await reportCommand({ runs: [...cmd.runs], output: cmd.output, seed: cmd.seed, iterations: cmd.iterations })
        process.stderr.write(`evalz: wrote ${written}\n`)
        return 0
      }
      case 'export-task':
        await exportTaskCommand(cmd.args, t => process.stdout.write(t))
        return 0
      case 'chat':
        return await chatCommand(cmd.args, {
          stdout: t => process.stdout.write(t),
          stderr: t => process.stderr.write(t),
          stdin: process.stdin,
          isTTY: Boolean(process.stdin.isTTY && process.stdout.isTTY),
        })
      case 'serve':
        await serveCommand(cmd.args, { isTTY: Boolean(process.stderr.isTTY), write: t => process.stderr.write(t) })
        return 0
      case 'run': {
        const ctx = { output: cmd.args.output === undefined ? undefined : resolve(cmd.args.output), cacheDir: cacheRoot(cmd.args.cacheDir) }
        const release = handleInterrupts(ctx, t => process.stderr.write(t), code => process.exit(code))
        try {
          await runCommand(cmd.args, {
            stdout: t => process.stdout.write(t),
            progress: { isTTY: Boolean(process.stderr.isTTY), write: t => process.stderr.write(t) },
          })
        } finally {
          release()
        }
        return 0
      }
    }
  } catch (e) {
    const usage = isHarnessError(e) && USAGE_CODES.has(e.code)
    // a credential inside a URL (an endpoint, a redirect) is never echoed, whatever layer wrote the message
    const message = redactCredentials(e instanceof Error ? e.message : String(e))
    process.stderr.write(`evalz: error: ${message}\n`)
    if (verbose && e instanceof Error && e.stack) process.stderr.write(`${redactCredentials(e.stack)}\n`)
    else if (!isHarnessError(e)) process.stderr.write('evalz: (run with --verbose for the stack trace)\n')
    return usage ? 2 : 1
  }
}
