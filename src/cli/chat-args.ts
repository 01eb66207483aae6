/**
 * Command-line options of `evalz chat`.
 */
import { HarnessError } from '../core/errors.ts'
import type { SamplingSettings } from '../core/sampling/sampling-settings.ts'
import { DEFAULT_SAMPLING, samplingProblems } from '../core/sampling/sampling-settings.ts'
import { listOption, parseOptions } from './args.ts'
import type { OptionKind } from './args.ts'

/** Options of `evalz chat`. */
export interface ChatArgs {
  /** model folder, Hub id, .gguf file or safetensors folder (as evalz run) */
  readonly model: string
  /** PEFT LoRA adapter merged into the model */
  readonly adapter: string | undefined
  /** weights variant (onnx/model_<dtype>.onnx) */
  readonly dtype: string | undefined
  /** system prompt ('' = none) */
  readonly system: string
  /** plain continuation of the text, no chat template */
  readonly raw: boolean
  /** --apply-chat-template [name]: undefined = the tokenizer's default template when it has one, else raw */
  readonly applyChatTemplate: string | undefined
  /** sampling; `seed` is undefined when not given (a fresh seed per reply, printed) */
  readonly sampling: Omit<SamplingSettings, 'seed'> & { readonly seed: number | undefined }
  /** stop strings (--stop, repeatable) */
  readonly stop: readonly string[]
  /** one prompt: print the reply to stdout and exit */
  readonly prompt: string | undefined
  /** context length in tokens (default: the model config's) */
  readonly maxLength: number | undefined
  readonly hubEndpoint: string | undefined
  readonly hfToken: string | undefined
  readonly offline: boolean
  readonly cacheDir: string | undefined
  readonly verbose: boolean
}

const CHAT_OPTIONS: Record<string, OptionKind> = {
  model: 'string', adapter: 'string', dtype: 'string', system: 'string', raw: 'flag', 'apply-chat-template': 'optional-string',
  temperature: 'string', 'top-p': 'string', 'top-k': 'string', 'min-p': 'string', 'repetition-penalty': 'string',
  seed: 'string', 'max-new-tokens': 'string', stop: 'multi', prompt: 'string', 'max-length': 'string',
  'hub-endpoint': 'string', 'hf-token': 'string', offline: 'flag', 'cache-dir': 'string', verbose: 'flag',
}

/** Parses the options after `evalz chat`. */
export function parseChatArgs(argv: readonly string[]): ChatArgs {
  const opts = parseOptions(argv, CHAT_OPTIONS)
  const model = opts.get('model')
  if (typeof model !== 'string') throw new HarnessError('USAGE', 'evalz chat needs --model <dir|owner/name|file.gguf> (the model to talk to)')
  const raw = opts.get('raw') === true
  const template = opts.get('apply-chat-template') as string | undefined
  if (raw && template !== undefined) throw new HarnessError('USAGE', '--raw and --apply-chat-template exclude each other; pick one')
  const num = (name: string, fallback: number): number => {
    const v = opts.get(name)
    if (v === undefined) return fallback
    const n = Number(v)
    if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new HarnessError('USAGE', `--${name} must be a number, got '${String(v)}'`)
    return n
  }
  const seedRaw = opts.get('seed')
  const sampling = {
    temperature: num('temperature', DEFAULT_SAMPLING.temperature),
    topP: num('top-p', DEFAULT_SAMPLING.topP),
    topK: num('top-k', DEFAULT_SAMPLING.topK),
    minP: num('min-p', DEFAULT_SAMPLING.minP),
    repetitionPenalty: num('repetition-penalty', DEFAULT_SAMPLING.repetitionPenalty),
    seed: seedRaw === undefined ? undefined : num('seed', 0),
    maxNewTokens: num('max-new-tokens', DEFAULT_SAMPLING.maxNewTokens),
  }
  const problems = samplingProblems({ ...sampling, seed: sampling.seed ?? 0 })
  if (problems.length > 0) throw new HarnessError('USAGE', `evalz chat: ${problems.join('; ')}`, { problems })
  const maxLength = opts.get('max-length') === undefined ? undefined : num('max-length', 0)
  if (maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength >= 2)) {
    throw new HarnessError('USAGE', `--max-length must be an integer ≥ 2, got '${String(opts.get('max-length'))}'`)
  }
  return {
    model,
    adapter: opts.get('adapter') as string | undefined,
    dtype: opts.get('dtype') as string | undefined,
    system: (opts.get('system') as string | undefined) ?? '',
    raw,
    applyChatTemplate: template,
    sampling,
    stop: listOption(opts, 'stop', false),
    prompt: opts.get('prompt') as string | undefined,
    maxLength,
    hubEndpoint: opts.get('hub-endpoint') as string | undefined,
    hfToken: opts.get('hf-token') as string | undefined,
    offline: opts.get('offline') === true,
    cacheDir: opts.get('cache-dir') as string | undefined,
    verbose: opts.get('verbose') === true,
  }
}
