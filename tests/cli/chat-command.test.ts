/**
 * `evalz chat` acceptance: a greedy raw reply printed by `--prompt` is exactly the generate_until answer of a YAML
 * task over a one-row dataset with the same text (run by `evalz run`); `--temperature 1 --seed 7` repeats; stdin
 * is a prompt; chat mode renders the tokenizer's template; bad options are one line with exit 2.
 */
import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { PassThrough, Readable, Writable } from 'node:stream'
import { parseCommand } from '../../src/cli/args.ts'
import type { ChatArgs } from '../../src/cli/chat-args.ts'
import { chatCommand, unshownText } from '../../src/cli/chat-command.ts'
import { harnessThrow } from '../rejection.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const PROMPT = 'The capital of France is'

function evalz(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['bin/evalz.js', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString('utf8') })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8') })
    child.on('error', fail)
    child.on('close', (code) => done({ code, stdout, stderr }))
    child.stdin.end(input)
  })
}

async function chatOut(argv: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const cmd = parseCommand(['chat', '--model', 'public/models/demo', ...argv])
  if (cmd.command !== 'chat') throw new Error('not a chat command')
  let stdout = ''
  let stderr = ''
  const code = await chatCommand(cmd.args, {
    stdout: (t) => { stdout += t }, stderr: (t) => { stderr += t }, stdin: Readable.from([Buffer.from(stdin)]), isTTY: false,
  })
  return { code, stdout, stderr }
}

describe('evalz chat', () => {
  it('--raw --temperature 0 prints exactly the generate_until greedy answer of the same text', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'evalz-chat-ref-'))
    try {
      await mkdir(join(dir, 'tasks'))
      await mkdir(join(dir, 'data/evalz-chat/reference/default'), { recursive: true })
      await writeFile(join(dir, 'data/evalz-chat/reference/default/test.jsonl'), `${JSON.stringify({ text: PROMPT })}\n`)
      await writeFile(join(dir, 'tasks/chat_reference.yaml'), [
        'task: chat_reference', 'dataset_path: evalz-chat/reference', 'output_type: generate_until', 'test_split: test',
        'doc_to_text: "{{text}}"', 'doc_to_target: ""', 'generation_kwargs:', '  until: []', '  max_gen_toks: 12',
        'metric_list:', '  - metric: exact_match', '',
      ].join('\n'))
      const run = await evalz(['run', '--model', 'public/models/demo', '--tasks', 'chat_reference', '--include-path', join(dir, 'tasks'),
        '--data-dir', join(dir, 'data'), '--log-samples', '--output', join(dir, 'out')])
      expect(run.code, run.stderr).toBe(0)
      const sample = JSON.parse((await readFile(join(dir, 'out/samples_chat_reference.jsonl'), 'utf8')).split('\n')[0]) as {
        arguments: { gen_args_0: { arg_0: string } }; resps: [[string]]
      }
      expect(sample.arguments.gen_args_0.arg_0).toBe(PROMPT)
      const reference = sample.resps[0][0]
      expect(reference.length).toBeGreaterThan(5)
      const chat = await evalz(['chat', '--model', 'public/models/demo', '--raw', '--prompt', PROMPT, '--max-new-tokens', '12', '--temperature', '0'])
      expect(chat.code, chat.stderr).toBe(0)
      expect(chat.stdout).toBe(`${reference}\n`)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('--temperature 1 --seed 7 gives the same text twice; another seed gives another text', async () => {
    const opts = ['--raw', '--prompt', PROMPT, '--max-new-tokens', '24', '--temperature', '1']
    const a = await chatOut([...opts, '--seed', '7'])
    const b = await chatOut([...opts, '--seed', '7'])
    expect(a.code).toBe(0)
    expect(a.stdout).toBe(b.stdout)
    const others = await Promise.all([8, 9, 10].map(async (s) => (await chatOut([...opts, '--seed', String(s)])).stdout))
    expect(others.some((o) => o !== a.stdout)).toBe(true)
  })

  it('without --prompt and a terminal, stdin is the prompt; the default is the chat template', async () => {
    const fromStdin = await chatOut(['--raw', '--temperature', '0', '--max-new-tokens', '12'], PROMPT)
    const fromFlag = await chatOut(['--raw', '--temperature', '0', '--max-new-tokens', '12', '--prompt', PROMPT])
    expect(fromStdin.stdout).toBe(fromFlag.stdout)
    const chat = await chatOut(['--temperature', '0', '--max-new-tokens', '12', '--prompt', 'What is the capital of France?'])
    expect(chat.code).toBe(0)
    expect(chat.stdout).not.toBe(fromFlag.stdout)
  })

  it('options are checked before the model loads: one line naming the bad value', () => {
    const bad = (argv: string[]) => harnessThrow(() => parseCommand(['chat', ...argv]))
    expect(bad(['--raw']).message).toMatch(/needs --model/)
    expect(bad(['--model', 'm', '--raw', '--apply-chat-template']).message).toMatch(/--raw and --apply-chat-template/)
    expect(bad(['--model', 'm', '--temperature', '-1']).message).toMatch(/temperature -1 is invalid/)
    expect(bad(['--model', 'm', '--top-k', 'x']).message).toMatch(/--top-k must be a number, got 'x'/)
    expect(bad(['--model', 'm', '--bogus']).message).toMatch(/unknown option '--bogus'/)
    const ok = parseCommand(['chat', '--model', 'm', '--stop', 'a,b', '--stop', '\n', '--seed', '3'])
    expect(ok.command === 'chat' && (ok.args as ChatArgs).stop).toEqual(['a,b', '\n'])
    expect(ok.command === 'chat' && ok.args.sampling.seed).toBe(3)
  })

  it('a named template on a one-template tokenizer is that template (lm-eval); a bad value is one line, exit 2', async () => {
    const named = await chatOut(['--apply-chat-template', 'tool_use', '--temperature', '0', '--max-new-tokens', '12', '--prompt', 'What is the capital of France?'])
    const plain = await chatOut(['--temperature', '0', '--max-new-tokens', '12', '--prompt', 'What is the capital of France?'])
    expect(named.stdout).toBe(plain.stdout)
    const e = await evalz(['chat', '--model', 'public/models/demo', '--temperature', 'hot'])
    expect(e.code).toBe(2)
    expect(e.stderr.trim().split('\n')).toEqual(["evalz: error: --temperature must be a number, got 'hot'"])
  })

  it('on a terminal: a REPL whose replies stream, then their stats; /regen answers again, /reset, /exit', async () => {
    const cmd = parseCommand(['chat', '--model', 'public/models/demo', '--raw', '--temperature', '0', '--max-new-tokens', '8'])
    if (cmd.command !== 'chat') throw new Error('not a chat command')
    const stdin = new PassThrough()
    const writes: string[] = []
    let stderr = ''
    const stats = () => stderr.match(/\[8 tokens, [\d.]+ tokens\/s, seed \d+\]/g)?.length ?? 0
    const until = async (n: number) => { while (stats() < n) await new Promise((r) => setTimeout(r, 20)) }
    const done = chatCommand(cmd.args, {
      stdout: (t) => writes.push(t), stderr: (t) => { stderr += t }, stdin, isTTY: true,
      terminal: new Writable({ write: (_c, _e, cb) => cb() }),
    })
    stdin.write(`${PROMPT}\n`)
    await until(1)
    const first = writes.join('')
    expect(writes.length).toBeGreaterThan(2)
    stdin.write('/regen\n')
    await until(2)
    stdin.write('/reset\n/exit\n')
    expect(await done).toBe(0)
    const reply = first.slice(0, -1)
    expect(writes.join('')).toBe(`${reply}\n${reply}\n`)
    expect(reply).toBe((await chatOut(['--raw', '--temperature', '0', '--max-new-tokens', '8', '--prompt', PROMPT])).stdout.slice(0, -1))
  })

  it('streamed text is shown once it extends what was shown; an incomplete character waits', () => {
    expect(unshownText('', 'Par')).toBe('Par')
    expect(unshownText('Par', 'Paris')).toBe('is')
    expect(unshownText('Paris', 'Paris \uFFFD')).toBe(' ')
    expect(unshownText('Paris\n', 'Paris')).toBe('')
  })
})
