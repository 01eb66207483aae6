/**
 * `evalz chat`: talk to a model in the terminal. `--prompt TEXT` prints one reply to stdout and exits; on a
 * terminal it is a REPL whose replies stream as they are made; otherwise the whole of stdin is one prompt.
 * Replies come from the backend's streamGenerate (evalz's seeded sampler; temperature 0 = generate_until).
 */
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import type { ModelBackend } from '../core/backend.ts'
import { HarnessError } from '../core/errors.ts'
import type { ChatTurn, PromptFormat } from '../core/chat/chat-prompt.ts'
import { promptFor } from '../core/chat/chat-prompt.ts'
import type { StreamResult } from '../core/sampling/generation-stream.ts'
import { configureTransformers } from '../backends/transformers/init.ts'
import { loadTransformersBackend } from '../backends/transformers/transformers-backend.ts'
import type { ChatArgs } from './chat-args.ts'
import { cacheRoot } from './dataset-cache.ts'
import { checkModelDir, dtypeSuffix } from './model-files.ts'
import { resolveModel } from './model-source.ts'
import { hubAccess } from './run-command.ts'

/** Where `chat` reads and prints. */
export interface ChatIO {
  /** replies (and, on a terminal, the prompt marker) */
  readonly stdout: (text: string) => void
  /** notes, stats and errors */
  readonly stderr: (text: string) => void
  /** the user's lines */
  readonly stdin: Readable
  /** stdin and stdout are a terminal: run the REPL */
  readonly isTTY: boolean
  /** the terminal readline echoes to (default: process.stdout) */
  readonly terminal?: Writable
}

/** Runs `evalz chat`; returns the exit code. */
export async function chatCommand(args: ChatArgs, io: ChatIO): Promise<number> {
  const offline = args.offline || process.env.HF_HUB_OFFLINE === '1'
  const hub = { ...hubAccess(args), offline, cacheDir: cacheRoot(args.cacheDir) }
  const model = await resolveModel(args, hub, { isTTY: false, write: io.stderr })
  checkModelDir(model.dir, dtypeSuffix(model.dtype))
  configureTransformers({ allowRemote: false })
  const backend = await loadTransformersBackend({ model: model.dir, device: 'cpu', dtype: model.dtype, maxLength: args.maxLength })
  try {
    const chat = new TerminalChat(backend, promptFormat(args, backend, model.name, io.stderr), args)
    if (args.prompt !== undefined) {
      const reply = await chat.answer(args.prompt)
      io.stdout(`${reply.text}\n`)
      return 0
    }
    if (!io.isTTY) {
      const reply = await chat.answer(await readAll(io.stdin))
      io.stdout(`${reply.text}\n`)
      return 0
    }
    await repl(chat, io, model.name)
    return 0
  } finally {
    await backend.dispose()
  }
}

/** --raw, --apply-chat-template [name], else the tokenizer's template when it has one (raw, with a note, when not). */
export function promptFormat(args: Pick<ChatArgs, 'raw' | 'applyChatTemplate' | 'system'>, backend: ModelBackend, model: string, note: (t: string) => void): PromptFormat {
  if (args.raw) return { mode: 'raw', system: args.system }
  const templateName = args.applyChatTemplate === '' ? undefined : args.applyChatTemplate
  if (!backend.chatTemplate) throw new HarnessError('USAGE', `${model} cannot render chat templates; use --raw`)
  try {
    backend.chatTemplate(templateName)
  } catch (e) {
    if (args.applyChatTemplate !== undefined) throw e
    note(`evalz: ${model} has no chat template; continuing the text as written (as --raw)\n`)
    return { mode: 'raw', system: args.system }
  }
  return { mode: 'template', templateName, system: args.system }
}

/** A conversation held in the terminal. */
export class TerminalChat {
  /** the turns so far */
  turns: ChatTurn[] = []

  constructor(private readonly backend: ModelBackend, public format: PromptFormat, private readonly args: ChatArgs) {}

  /** Adds a user turn, answers it and keeps the reply (unless it was stopped before any text). */
  async answer(text: string, opts: { onText?: (text: string) => void; signal?: AbortSignal } = {}): Promise<StreamResult & { seed: number; ms: number }> {
    this.turns.push({ role: 'user', content: text })
    return this.reply(opts)
  }

  /** Answers the last user turn again (with a fresh seed unless --seed was given). */
  async regenerate(opts: { onText?: (text: string) => void; signal?: AbortSignal } = {}): Promise<(StreamResult & { seed: number; ms: number }) | undefined> {
    if (this.turns.at(-1)?.role === 'assistant') this.turns.pop()
    if (this.turns.length === 0) return undefined
    return this.reply(opts)
  }

  private async reply(opts: { onText?: (text: string) => void; signal?: AbortSignal }): Promise<StreamResult & { seed: number; ms: number }> {
    if (!this.backend.streamGenerate) throw new HarnessError('USAGE', 'this backend cannot generate token by token')
    const seed = this.args.sampling.seed ?? Math.floor(Math.random() * 2 ** 31)
    const prompt = promptFor(this.turns, this.format, this.backend.applyChatTemplate?.bind(this.backend))
    const started = performance.now()
    const result = await this.backend.streamGenerate({
      prompt, sampling: { ...this.args.sampling, seed }, until: this.args.stop, stopAtEndOfTurn: this.format.mode === 'template',
    }, { signal: opts.signal, onToken: (s) => opts.onText?.(s.text) })
    this.turns.push({ role: 'assistant', content: result.text })
    return { ...result, seed, ms: performance.now() - started }
  }
}

/** The part of `text` not yet shown, once it extends what was shown (a trailing incomplete character waits). */
export function unshownText(shown: string, text: string): string {
  const ready = text.endsWith('\uFFFD') ? text.slice(0, -1) : text
  return ready.startsWith(shown) ? ready.slice(shown.length) : ''
}

async function repl(chat: TerminalChat, io: ChatIO, model: string): Promise<void> {
  const rl = createInterface({ input: io.stdin, output: io.terminal ?? process.stdout, terminal: true })
  let generating: AbortController | undefined
  rl.on('SIGINT', () => {
    if (generating) generating.abort()
    else rl.close()
  })
  io.stderr(`evalz chat: ${model} (${chat.format.mode === 'raw' ? 'raw text' : 'chat template'}); /help for commands, Ctrl-D to quit\n`)
  rl.setPrompt('> ')
  rl.prompt()
  for await (const line of rl) {
    const command = line.trim().match(/^\/(\w+)\s*(.*)$/s)
    if (command && ['exit', 'quit'].includes(command[1])) break
    if (command?.[1] === 'help') io.stderr('/reset starts over, /system <text> sets the system prompt, /regen answers the last turn again, /exit quits\n')
    else if (command?.[1] === 'reset') chat.turns = []
    else if (command?.[1] === 'system') chat.format = { ...chat.format, system: command[2] }
    else if (command && command[1] !== 'regen') io.stderr(`unknown command /${command[1]} (valid: /reset, /system, /regen, /exit, /help)\n`)
    else if (line.trim() !== '' || command) {
      generating = new AbortController()
      let shown = ''
      const onText = (text: string) => {
        const more = unshownText(shown, text)
        shown += more
        if (more !== '') io.stdout(more)
      }
      try {
        const r = command ? await chat.regenerate({ onText, signal: generating.signal }) : await chat.answer(line, { onText, signal: generating.signal })
        if (r) {
          io.stdout(`${unshownText(shown, r.text)}\n`)
          const rate = r.generatedTokens.length / (r.ms / 1000)
          io.stderr(`[${r.generatedTokens.length} tokens, ${rate.toFixed(1)} tokens/s, seed ${r.seed}${r.stopReason === 'cancelled' ? ', stopped' : ''}]\n`)
        }
      } catch (e) {
        io.stderr(`evalz: error: ${e instanceof Error ? e.message : String(e)}\n`)
      } finally {
        generating = undefined
      }
    }
    rl.prompt()
  }
  rl.close()
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}
