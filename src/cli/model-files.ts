/**
 * Model folder checks and hashing for the CLI (Node only).
 */
import { createHash } from 'node:crypto'
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { HarnessError } from '../core/errors.ts'
import { ONNX_DTYPES, suffixOfDtype } from '../core/dtypes.ts'

/** Checks that `dir` is a transformers.js model folder; names what is missing. */
export function checkModelDir(dir: string, dtypeSuffix: string): void {
  if (!existsSync(dir)) {
    throw new HarnessError('MODEL_NOT_FOUND', `model folder '${dir}' does not exist`, { model: dir })
  }
  if (!statSync(dir).isDirectory()) throw new HarnessError('MODEL_INVALID', `--model '${dir}' is a file; pass the model folder (config.json, tokenizer.json, onnx/model${dtypeSuffix}.onnx)`)
  const needed = ['config.json', 'tokenizer.json', `onnx/model${dtypeSuffix}.onnx`]
  const missing = needed.filter(f => !existsSync(join(dir, f)))
  if (missing.length > 0) {
    throw new HarnessError('MODEL_INVALID', `model folder '${dir}' lacks ${missing.join(', ')} (a transformers.js model folder has config.json, tokenizer.json, tokenizer_config.json and onnx/model*.onnx)`, { missing })
  }
  checkJsonFiles(dir, 'model folder')
}

/** The JSON files a model or tokenizer folder is read from, when present. */
const FOLDER_JSON = ['config.json', 'generation_config.json', 'tokenizer_config.json', 'tokenizer.json']

/**
 * Parses each JSON file of a model or tokenizer folder before anything loads, so a broken one is named with what
 * is wrong (the loaders only say "Unexpected token … in JSON", never which file).
 */
export function checkJsonFiles(dir: string, what: string): void {
  for (const name of FOLDER_JSON) {
    const path = join(dir, name)
    if (!existsSync(path)) continue
    let value: unknown
    try {
      value = JSON.parse(readFileSync(path, 'utf8'))
    } catch (e) {
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e)
      throw new HarnessError('MODEL_INVALID', `${what} '${dir}': ${name} is not valid JSON (${why}); repair it or download it again`, { file: path })
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new HarnessError('MODEL_INVALID', `${what} '${dir}': ${name} must hold a JSON object, not ${Array.isArray(value) ? 'an array' : JSON.stringify(value)?.slice(0, 40)}; repair it or download it again`, { file: path })
    }
  }
}

/** sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** sha256 over the ONNX weights the run uses: onnx/model<suffix>.onnx and its external data chunks, in name order. */
export async function modelWeightsSha256(dir: string, dtypeSuffix: string): Promise<string> {
  const base = `model${dtypeSuffix}.onnx`
  const files = (await readdir(join(dir, 'onnx'))).filter(f => f === base || f.startsWith(`${base}_data`)).sort()
  if (files.length === 1) return sha256File(join(dir, 'onnx', files[0]))
  const hash = createHash('sha256')
  for (const f of files) hash.update(`${f}:${await sha256File(join(dir, 'onnx', f))}\n`)
  return hash.digest('hex')
}

/** transformers.js file suffix of a dtype. */
export function dtypeSuffix(dtype: string): string {
  const s = suffixOfDtype(dtype)
  if (s === undefined) throw new HarnessError('USAGE', `--dtype '${dtype}' is unknown (valid: ${ONNX_DTYPES.map(d => d.dtype).join(', ')})`)
  return s
}
