/**
 * Command-line parsing for `evalz`: long options with lm-eval's spellings and the seed proposal's aliases.
 */
import { HarnessError } from '../core/errors.ts'
import type { ChatArgs } from './chat-args.ts'
import { parseChatArgs } from './chat-args.ts'
import { CHAT_HELP } from './chat-help.ts'

/** Options of `evalz run`. */
export interface RunArgs {
  /** model directory or Hub id */
  readonly model: string
  /** separate tokenizer directory */
  readonly tokenizer: string | undefined
  /** comma-separated names, split */
  readonly tasks: readonly string[]
  readonly numFewshot: number | undefined
  /** int ≥ 1 or a fraction in (0, 1) */
  readonly limit: number | undefined
  readonly batchSize: number
  /** few-shot seed */
  readonly seed: number
  /** cpu: onnxruntime-node; webgpu, wasm: the web app's worker in headless Chromium */
  readonly device: 'cpu' | 'webgpu' | 'wasm'
  readonly dtype: string | undefined
  /** MatMulNBits arithmetic of a quantised checkpoint: exact (float32 from the codes) or int8 (int8 activations) */
  readonly compute: 'exact' | 'int8'
  readonly dataDir: string | undefined
  readonly output: string | undefined
  readonly logSamples: boolean
  readonly maxLength: number | undefined
  readonly bootstrapIters: number
  readonly verbose: boolean
  /** folders of lm-eval task/group YAML files (--include-path, repeatable or comma-separated) */
  readonly includePath: readonly string[]
  /** write the task auto-mapped from a dataset name as lm-eval YAML to this file */
  readonly saveTask: string | undefined
  /** --apply-chat-template [name]: undefined = off, '' = the tokenizer's default template, else a named template */
  readonly applyChatTemplate: string | undefined
  /** --fewshot-as-multiturn; undefined = lm-eval's default (true when a chat template is applied) */
  readonly fewshotAsMultiturn: boolean | undefined
  /** --system-instruction text */
  readonly systemInstruction: string | undefined
  /** --hub-endpoint URL for Hub datasets; undefined = HF_ENDPOINT or https://huggingface.co (resolved by run) */
  readonly hubEndpoint: string | undefined
  /** --hf-token for gated/private datasets; undefined = HF_TOKEN (resolved by run); never printed or saved */
  readonly hfToken: string | undefined
  /** --offline: never contact the Hub (HF_HUB_OFFLINE=1 does the same) */
  readonly offline: boolean
  /** --cache-dir for downloaded models and datasets; undefined = $EVALZ_CACHE or ~/.cache/evalz (resolved by run) */
  readonly cacheDir: string | undefined
  /** --adapter: a PEFT LoRA adapter folder merged into --model's weights */
  readonly adapter: string | undefined
  /** --model-api: base URL (ending in /v1) of an OpenAI-compatible server; --model is then the served name */
  readonly modelApi?: string
  /** --api-key for that server; undefined = OPENAI_API_KEY (resolved by run); never printed or saved */
  readonly apiKey?: string
  /** --concurrency: API requests in flight at once (default 1) */
  readonly concurrency?: number
  /** --max-retries: retries of an API request on 429/5xx/network errors (default 5) */
  readonly maxRetries?: number
  /** --api-timeout: seconds one API request may take (default 300) */
  readonly apiTimeout?: number
  /** --num-workers (alias --num-gpus): model worker processes sharing the documents (default 1) */
  readonly numWorkers?: number
}

/** Options of `evalz export-task`. */
export interface ExportArgs {
  /** task or group name */
  readonly target: string
  /** output folder */
  readonly to: string
  readonly includePath: readonly string[]
  readonly verbose: boolean
}

/** Options of `evalz serve`. */
export interface ServeArgs {
  /** model folder, Hub id, .gguf file or safetensors folder (as evalz run --model) */
  readonly model: string
  /** the name clients use (default: the folder's name, or the Hub id) */
  readonly servedModelName: string | undefined
  /** interface to bind (default 127.0.0.1) */
  readonly host: string
  /** TCP port (default 8000, vLLM's; 0 = any free port) */
  readonly port: number
  readonly tokenizer: string | undefined
  readonly dtype: string | undefined
  readonly adapter: string | undefined
  readonly maxLength: number | undefined
  /** bearer key clients must send; undefined = none (never printed) */
  readonly apiKey: string | undefined
  readonly hubEndpoint: string | undefined
  readonly hfToken: string | undefined
  readonly offline: boolean
  readonly cacheDir: string | undefined
  readonly verbose: boolean
}

/** A parsed command line. */
export type Command =
  | { readonly command: 'run'; readonly args: RunArgs }
  | {
    readonly command: 'ls'; readonly json: boolean; readonly verbose: boolean
    /** `evalz ls <task>`: show one task's config and an example prompt */
    readonly task: string | undefined
    readonly includePath: readonly string[]
    readonly dataDir: string | undefined
  }
  | { readonly command: 'export-task'; readonly args: ExportArgs }
  | { readonly command: 'chat'; readonly args: ChatArgs }
  | { readonly command: 'serve'; readonly args: ServeArgs }
  | { readonly command: 'report'; readonly runs: readonly string[]; readonly output: string; readonly seed?: number; readonly iterations?: number }
  | { readonly command: 'help'; readonly topic: string | undefined }
  | { readonly command: 'version' }

/** How an option takes its value: 'list' joins repeats with commas and splits on them; 'multi' keeps each value. */
export type OptionKind = 'string' | 'int' | 'number' | 'flag' | 'optional-string' | 'list' | 'multi'
type Kind = OptionKind

/** Canonical option name → kind, and alias → canonical name. */
const RUN_OPTIONS: Record<string, Kind> = {
  model: 'string', tokenizer: 'string', tasks: 'string', 'num-fewshot': 'int', limit: 'number', 'batch-size': 'int',
  seed: 'int', device: 'string', dtype: 'string', 'data-dir': 'string', output: 'string', 'log-samples': 'flag',
  'max-length': 'int', 'bootstrap-iters': 'int', verbose: 'flag', 'include-path': 'list', 'save-task': 'string',
  'apply-chat-template': 'optional-string', 'fewshot-as-multiturn': 'flag', 'no-fewshot-as-multiturn': 'flag',
  'system-instruction': 'string', 'hub-endpoint': 'string', 'hf-token': 'string', offline: 'flag',
  'cache-dir': 'string', adapter: 'string', 'model-api': 'string', 'api-key': 'string', concurrency: 'int',
  'max-retries': 'int', 'api-timeout': 'number', 'num-workers': 'int', compute: 'string',
}
const ALIASES: Record<string, string> = {
  num_fewshot: 'num-fewshot', batch_size: 'batch-size', log_samples: 'log-samples', output_path: 'output',
  'output-path': 'output', 'model-checkpoint': 'model', 'tokenizer-checkpoint': 'tokenizer', data_dir: 'data-dir',
  max_length: 'max-length', bootstrap_iters: 'bootstrap-iters', 'fewshot-seed': 'seed', include_path: 'include-path',
  apply_chat_template: 'apply-chat-template', fewshot_as_multiturn: 'fewshot-as-multiturn', system_instruction: 'system-instruction',
  save_task: 'save-task', hub_endpoint: 'hub-endpoint', hf_token: 'hf-token', cache_dir: 'cache-dir',
  model_api: 'model-api', base_url: 'model-api', 'base-url': 'model-api', api_key: 'api-key', num_concurrent: 'concurrency',
  'num-concurrent': 'concurrency', max_retries: 'max-retries', served_model_name: 'served-model-name',
  num_workers: 'num-workers', 'num-gpus': 'num-workers', num_gpus: 'num-workers',
}

function usage(message: string): HarnessError {
  return new HarnessError('USAGE', message)
}

/** Parses `--name value` / `--name=value` options by `spec`; unknown options and missing values are usage errors. */
export function parseOptions(argv: readonly string[], spec: Record<string, Kind>): Map<string, string | boolean | string[]> {
  const out = new Map<string, string | boolean | string[]>()
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]
    if (!token.startsWith('--')) throw usage(`unexpected argument '${token}' (options start with --; see evalz --help)`)
    let [name, value] = token.slice(2).split(/=(.*)/s, 2) as [string, string | undefined]
    name = ALIASES[name] ?? name
    const kind = spec[name]
    if (kind === undefined) {
      throw usage(`unknown option '--${name}' (valid: ${Object.keys(spec).map(k => `--${k}`).join(', ')})`)
    }
    if (kind === 'flag') {
      if (value !== undefined) throw usage(`--${name} takes no value`)
      out.set(name, true)
      continue
    }
    if (kind === 'optional-string') {
      if (value === undefined && argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) value = argv[++i]
      out.set(name, value ?? '')
      continue
    }
    if (kind === 'list' || kind === 'multi') {
      if (value === undefined) {
        value = argv[++i]
        if (value === undefined || value.startsWith('--')) throw usage(`--${name} needs a value`)
      }
      const prev = out.get(name)
      if (kind === 'multi') out.set(name, [...(Array.isArray(prev) ? prev : []), value])
      else out.set(name, typeof prev === 'string' ? `${prev},${value}` : value)
      continue
    }
    if (value === undefined) {
      value = argv[++i]
      if (value === undefined || value.startsWith('--')) throw usage(`--${name} needs a value`)
    }
    out.set(name, value)
  }
  return out
}

/** A 'list' option's comma-separated values (trimmed, empty ones dropped), or a 'multi' option's values as given. */
export function listOption(opts: Map<string, string | boolean | string[]>, name: string, split = true): string[] {
  const v = opts.get(name)
  if (Array.isArray(v)) return split ? v.flatMap(x => x.split(',')).map(x => x.trim()).filter(x => x !== '') : v
  return typeof v === 'string' ? v.split(',').map(x => x.trim()).filter(x => x !== '') : []
}

function intOption(opts: Map<string, string | boolean | string[]>, name: string, min: number): number | undefined {
  const v = opts.get(name)
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < min) throw usage(`--${name} must be an integer ≥ ${min}, got '${String(v)}'`)
  // beyond 2^53 a JS number is no longer the integer typed (99999999999999999999 would be recorded as 1e20)
  if (!Number.isSafeInteger(n)) throw usage(`--${name} must be at most ${Number.MAX_SAFE_INTEGER} (2^53-1), got '${String(v)}'`)
  return n
}

/** Parses `evalz <command> [options]`. */
export function parseCommand(argv: readonly string[]): Command {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return { command: 'help', topic: rest[0] }
  if (command === '--version' || command === '-V') return { command: 'version' }
  if (rest.includes('--help') || rest.includes('-h')) return { command: 'help', topic: command }
  if (command === 'ls') {
    const positional = rest[0] !== undefined && !rest[0].startsWith('--') ? rest[0] : undefined
    const opts = parseOptions(positional === undefined ? rest : rest.slice(1), { json: 'flag', verbose: 'flag', 'include-path': 'list', 'data-dir': 'string' })
    return {
      command: 'ls', json: opts.get('json') === true, verbose: opts.get('verbose') === true, task: positional,
      includePath: listOption(opts, 'include-path'), dataDir: opts.get('data-dir') as string | undefined,
    }
  }
  if (command === 'export-task') {
    const target = rest[0] !== undefined && !rest[0].startsWith('--') ? rest[0] : undefined
    if (target === undefined) throw usage('evalz export-task needs a task or group name: evalz export-task <name> --to DIR')
    const opts = parseOptions(rest.slice(1), { to: 'string', 'include-path': 'list', verbose: 'flag' })
    const to = opts.get('to')
    if (typeof to !== 'string') throw usage('evalz export-task needs --to DIR (the folder to write lm-eval YAML into)')
    return { command: 'export-task', args: { target, to, includePath: listOption(opts, 'include-path'), verbose: opts.get('verbose') === true } }
  }
  if (command === 'report') {
    const runs: string[] = []
    let i = 0
    while (i < rest.length && !rest[i].startsWith('--')) runs.push(rest[i++])
    const opts = parseOptions(rest.slice(i), { output: 'string', seed: 'int', iterations: 'int', verbose: 'flag' })
    if (runs.length < 1 || runs.length > 2) throw usage(`evalz report takes one run or two (baseline first), got ${runs.length}: evalz report RUN [RUN2] --output FILE`)
    const output = opts.get('output')
    if (typeof output !== 'string') throw usage('evalz report needs --output FILE (.html, .md or .json)')
    return { command: 'report', runs, output, seed: intOption(opts, 'seed', -(2 ** 31)), iterations: intOption(opts, 'iterations', 1) }
  }
  if (command === 'chat') return { command: 'chat', args: parseChatArgs(rest) }
  if (command === 'serve') return { command: 'serve', args: parseServe(rest) }
  if (command !== 'run') throw usage(`unknown command '${command}' (valid: run, chat, serve, ls, export-task, report, help)`)
  const opts = parseOptions(rest, RUN_OPTIONS)
  const model = opts.get('model')
  if (typeof model !== 'string') throw usage('evalz run needs --model <dir> (a transformers.js model folder)')
  const tasks = opts.get('tasks')
  if (typeof tasks !== 'string' || tasks.split(',').every(t => t.trim() === '')) throw usage('evalz run needs --tasks <name,...> (see evalz ls)')
  const device = String(opts.get('device') ?? 'cpu')
  if (device !== 'cpu' && device !== 'webgpu' && device !== 'wasm') throw usage(`--device '${device}' is invalid (valid: cpu, webgpu, wasm)`)
  const compute = String(opts.get('compute') ?? 'exact')
  if (compute !== 'exact' && compute !== 'int8') throw usage(`--compute '${compute}' is invalid (valid: exact, int8)`)
  const limitRaw = opts.get('limit')
  let limit: number | undefined
  if (limitRaw !== undefined) {
    limit = Number(limitRaw)
    if (!(limit > 0) || (limit >= 1 && !Number.isInteger(limit))) throw usage(`--limit must be a positive integer or a fraction in (0, 1), got '${String(limitRaw)}'`)
  }
  return {
    command: 'run',
    args: {
      model,
      tokenizer: opts.get('tokenizer') as string | undefined,
      tasks: tasks.split(',').map(t => t.trim()).filter(t => t !== ''),
      numFewshot: intOption(opts, 'num-fewshot', 0),
      limit,
      batchSize: intOption(opts, 'batch-size', 1) ?? 1,
      seed: intOption(opts, 'seed', 0) ?? 1234,
      device,
      dtype: opts.get('dtype') as string | undefined,
      compute,
      dataDir: opts.get('data-dir') as string | undefined,
      output: opts.get('output') as string | undefined,
      logSamples: opts.get('log-samples') === true,
      maxLength: intOption(opts, 'max-length', 2),
      bootstrapIters: intOption(opts, 'bootstrap-iters', 0) ?? 100000,
      verbose: opts.get('verbose') === true,
      includePath: listOption(opts, 'include-path'),
      saveTask: opts.get('save-task') as string | undefined,
      applyChatTemplate: opts.get('apply-chat-template') as string | undefined,
      fewshotAsMultiturn: opts.get('fewshot-as-multiturn') === true ? true : opts.get('no-fewshot-as-multiturn') === true ? false : undefined,
      systemInstruction: opts.get('system-instruction') as string | undefined,
      hubEndpoint: opts.get('hub-endpoint') as string | undefined,
      hfToken: opts.get('hf-token') as string | undefined,
      offline: opts.get('offline') === true,
      cacheDir: opts.get('cache-dir') as string | undefined,
      adapter: opts.get('adapter') as string | undefined,
      ...apiOptions(opts),
      numWorkers: intOption(opts, 'num-workers', 1),
    },
  }
}

const SERVE_OPTIONS: Record<string, Kind> = {
  model: 'string', 'served-model-name': 'string', host: 'string', port: 'int', tokenizer: 'string', dtype: 'string',
  adapter: 'string', 'max-length': 'int', 'api-key': 'string', 'hub-endpoint': 'string', 'hf-token': 'string',
  offline: 'flag', 'cache-dir': 'string', verbose: 'flag',
}

function parseServe(argv: readonly string[]): ServeArgs {
  const opts = parseOptions(argv, SERVE_OPTIONS)
  const model = opts.get('model')
  if (typeof model !== 'string') throw usage('evalz serve needs --model <dir|owner/name|file.gguf> (the model to serve)')
  const port = intOption(opts, 'port', 0) ?? 8000
  if (port > 65535) throw usage(`--port must be 0–65535, got ${port}`)
  return {
    model,
    servedModelName: opts.get('served-model-name') as string | undefined,
    host: (opts.get('host') as string | undefined) ?? '127.0.0.1',
    port,
    tokenizer: opts.get('tokenizer') as string | undefined,
    dtype: opts.get('dtype') as string | undefined,
    adapter: opts.get('adapter') as string | undefined,
    maxLength: intOption(opts, 'max-length', 2),
    apiKey: opts.get('api-key') as string | undefined,
    hubEndpoint: opts.get('hub-endpoint') as string | undefined,
    hfToken: opts.get('hf-token') as string | undefined,
    offline: opts.get('offline') === true,
    cacheDir: opts.get('cache-dir') as string | undefined,
    verbose: opts.get('verbose') === true,
  }
}

/** --model-api and its companions; they are errors without --model-api. */
function apiOptions(opts: Map<string, string | boolean | string[]>): Pick<RunArgs, 'modelApi' | 'apiKey' | 'concurrency' | 'maxRetries' | 'apiTimeout'> {
  const modelApi = opts.get('model-api') as string | undefined
  const stray = ['api-key', 'concurrency', 'max-retries', 'api-timeout'].filter(k => opts.has(k))
  if (modelApi === undefined) {
    if (stray.length > 0) throw usage(`${stray.map(k => `--${k}`).join(', ')} ${stray.length === 1 ? 'goes' : 'go'} with --model-api URL (an OpenAI-compatible server); add it or drop ${stray.length === 1 ? 'it' : 'them'}`)
    return {}
  }
  const timeout = opts.get('api-timeout')
  const apiTimeout = timeout === undefined ? undefined : Number(timeout)
  if (apiTimeout !== undefined && !(apiTimeout > 0)) throw usage(`--api-timeout must be a number of seconds > 0, got '${String(timeout)}'`)
  return {
    modelApi,
    apiKey: opts.get('api-key') as string | undefined,
    concurrency: intOption(opts, 'concurrency', 1),
    maxRetries: intOption(opts, 'max-retries', 0),
    apiTimeout,
  }
}

export const HELP: string = `evalz — LLM evaluation with lm-evaluation-harness's exact prompts and numbers

Usage:
  evalz run --model <dir> --tasks <names> [options]
  evalz serve --model <dir> [--port 8000] [--host 127.0.0.1]   the model over an OpenAI-compatible API
  evalz ls [--json]
  evalz report RUN [RUN2] --output FILE   a run's report, or RUN2 compared with RUN (paired tests)
  evalz chat --model <dir> [--prompt TEXT]   talk to a model (a REPL, or one reply with --prompt)

run options:
  --model <dir|owner/name[@rev]|file.gguf>  transformers.js model folder (config.json, tokenizer.json,
                            onnx/model.onnx), a Hugging Face Hub model (downloaded once into the cache), a
                            .gguf file or a safetensors folder (converted once into the cache)
  --adapter <dir>           PEFT LoRA adapter (adapter_config.json, adapter_model.safetensors) merged into
                            --model's weights
                            alias: --model-checkpoint
  --tokenizer <dir>         separate tokenizer folder (alias: --tokenizer-checkpoint)
  --tasks <a,b,...>         tasks, groups or tags (see evalz ls)
  --num-fewshot <n>         shots per prompt (ignored by tasks that fix 0); alias --num_fewshot
  --limit <n|x>             first n docs per task, or a fraction 0<x<1 of them
  --batch-size <n>          rows per forward pass (default 1); alias --batch_size
  --seed <n>                few-shot seed (default 1234)
  --device <cpu|webgpu|wasm> cpu: onnxruntime-node (default); webgpu, wasm: the web app's worker
                            in headless Chromium (/usr/bin/chromium; Debian: apt-get install chromium)
  --dtype <fp32|...>        weights variant from onnx/ (default fp32; for a Hub model: fp32 when the repo
                            has it, else q8)
  --compute <exact|int8>    a quantised GGUF's arithmetic: exact (default; float32 from the stored codes, equal
                            to the dequantised weights) or int8 (activations quantised to int8, as llama.cpp)
  --data-dir <dir>          local datasets in Hub-mirror layout: <dir>/<dataset>/<config>/<split>.jsonl
                            (without it, datasets are read from the Hugging Face Hub)
  --hub-endpoint <url>      Hub for models and datasets (default: $HF_ENDPOINT or https://huggingface.co)
  --hf-token <token>        token for gated or private repos (default: $HF_TOKEN); alias --hf_token
  --offline                 never contact the Hub (also HF_HUB_OFFLINE=1): models and datasets come from
                            the cache only, and a run names what is missing
  --cache-dir <dir>         where downloaded models and datasets are kept (default: $EVALZ_CACHE or
                            ~/.cache/evalz)
  --output <dir>            write <dir>/results.json (alias --output_path)
  --log-samples             also write <dir>/samples_<task>.jsonl (alias --log_samples)
  --max-length <n>          context length in tokens (default: from the model config)
  --bootstrap-iters <n>     bootstrap iterations for perplexity stderr (default 100000)
  --num-workers <n>         n model processes on this machine, documents dealt between them, results
                            merged in order (alias --num-gpus; CPU threads are split between them)
  --verbose                 stack traces on errors

${CHAT_HELP}

served models (an OpenAI-compatible server: vLLM, SGLang, TGI, llama-server, evalz serve):
  --model-api <url>         the server's base URL ending in /v1; --model is then the served model name
  --tokenizer <dir|owner/name>  the served model's tokenizer (default: --model); evalz tokenises, as
                            lm-eval's local-completions with tokenized_requests
  --api-key <key>           bearer key (default: $OPENAI_API_KEY); sent only in the Authorization header
  --concurrency <n>         requests in flight at once (default 1; alias --num_concurrent); --batch-size
                            is the number of prompts per request
  --max-retries <n>         retries on HTTP 429/5xx and network errors, with backoff (default 5)
  --api-timeout <s>         seconds one request may take (default 300)

serve options (vLLM's routes: GET /v1/models, POST /v1/completions, POST /v1/chat/completions):
  --model <dir|owner/name|file.gguf>  what to serve (as run --model; also --tokenizer, --dtype, --adapter,
                            --max-length, --hub-endpoint, --hf-token, --offline, --cache-dir)
  --served-model-name <n>   the name clients use (default: the folder's name, or the Hub id)
  --host <h>                interface to bind (default 127.0.0.1; 0.0.0.0 serves other machines)
  --port <p>                TCP port (default 8000; 0 picks a free one)
  --api-key <key>           require Authorization: Bearer <key> on /v1 requests

Exit codes: 0 ok, 1 the run failed, 2 usage error.`
