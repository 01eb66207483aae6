/**
 * `evalz serve --model M [--port P] [--host H]`: loads any model evalz loads and serves it over vLLM's
 * OpenAI-compatible routes until interrupted. A test partner for `--model-api` and a way to let other machines
 * (or the web app) use this machine's model — not a distributed engine: use vLLM for that.
 */
import { basename, resolve } from 'node:path'
import type { AddressInfo } from 'node:net'
import type { ServeArgs } from './args.ts'
import type { ProgressSink } from './progress.ts'
import { loadLocalModel } from './local-model.ts'
import { cacheRoot } from './dataset-cache.ts'
import { hubAccess } from './run-command.ts'
import { serveEngine } from '../backends/openai-api/serve-engine.ts'
import { openAiServer } from './openai-server.ts'
import { HarnessError } from '../core/errors.ts'

/** A running server. */
export interface RunningServer {
  /** base URL clients use, ending in /v1 */
  readonly url: string
  /** the served model name */
  readonly modelName: string
  /** stops listening and releases the model */
  close(): Promise<void>
}

/** Loads the model and starts listening; resolves once the port is bound. */
export async function startServe(args: ServeArgs, progress: ProgressSink): Promise<RunningServer> {
  const hub = { ...hubAccess(args), offline: args.offline || process.env.HF_HUB_OFFLINE === '1', cacheDir: cacheRoot(args.cacheDir) }
  const { parts, model } = await loadLocalModel(args, hub, progress)
  const modelName = args.servedModelName ?? (model.origin?.kind === 'hub' ? args.model : basename(resolve(args.model)).replace(/\.gguf$/i, ''))
  const server = openAiServer({
    engine: serveEngine(parts),
    modelName,
    root: args.model,
    apiKey: args.apiKey,
    log: args.verbose ? (line) => progress.write(`evalz serve: ${line}`) : undefined,
  })
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) => fail(new HarnessError('USAGE', `cannot listen on ${args.host}:${args.port}: ${e.code ?? e.message}${e.code === 'EADDRINUSE' ? ' (the port is taken; pick another with --port, or 0 for any free one)' : ''}`)))
    server.listen(args.port, args.host, () => ok())
  })
  const { port } = server.address() as AddressInfo
  const host = args.host.includes(':') ? `[${args.host}]` : args.host
  return {
    url: `http://${host}:${port}/v1`,
    modelName,
    async close() {
      server.closeAllConnections()
      await new Promise<void>(ok => server.close(() => ok()))
      await parts.lm.dispose()
    },
  }
}

/** Runs the server until SIGINT/SIGTERM. */
export async function serveCommand(args: ServeArgs, progress: ProgressSink): Promise<void> {
  const running = await startServe(args, progress)
  progress.write(`evalz serve: model '${running.modelName}' at ${running.url} (${args.apiKey ? 'API key required' : 'no API key'}; Ctrl-C stops)\n`)
  if (args.host !== '127.0.0.1' && args.host !== 'localhost' && args.host !== '::1' && !args.apiKey) {
    progress.write(`evalz serve: listening on ${args.host} without --api-key: anyone who can reach this port can use the model\n`)
  }
  await new Promise<void>(ok => {
    const stop = () => ok()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await running.close()
}
