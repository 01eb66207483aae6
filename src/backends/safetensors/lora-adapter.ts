/**
 * PEFT LoRA adapters merged into Llama weights: for every adapted linear W [out, in] with tensors
 * `base_model.model.<module>.lora_A.weight` A [r, in] and `….lora_B.weight` B [out, r], W' = W + s·B·A where
 * s = lora_alpha / r, or lora_alpha / √r with use_rslora. Features that change more than the decoder linears
 * (DoRA, trained biases, modules_to_save, embedding adapters, per-module ranks) are refused, one line each.
 */
import { HarnessError } from '../../core/errors.ts'
import { LLAMA_LINEARS, linearShape } from '../onnx/llama-config.ts'
import type { LlamaConfig, LlamaLinearKey, LlamaWeights } from '../onnx/llama-config.ts'
import type { SafetensorsCheckpoint } from './safetensors-checkpoint.ts'

/** The parts of adapter_config.json that the merge uses. */
export interface LoraConfig {
  /** rank r of every adapted linear */
  r: number
  /** lora_alpha */
  alpha: number
  /** use_rslora: scale by alpha/√r instead of alpha/r */
  useRslora: boolean
  /** factor s of W' = W + s·B·A (unitless) */
  scale: number
  /** target_modules as written: module-name suffixes, a regular expression matched against the whole name, or 'all-linear' */
  targetModules: string[] | string
  /** exclude_modules as written (same forms as targetModules); undefined = none */
  excludeModules?: string[] | string
  /** notes about settings that do not change the merge (fan_in_fan_out on nn.Linear targets) */
  warnings: string[]
}

/** One linear the adapter changes. */
export interface LoraModule {
  /** decoder layer index */
  layer: number
  /** which linear of the layer */
  key: LlamaLinearKey
  /** module name in the base model (`model.layers.0.self_attn.q_proj`) */
  module: string
  /** name of the A tensor [r, in] */
  a: string
  /** name of the B tensor [out, r] */
  b: string
}

/** What a merge did. */
export interface LoraMergeSummary {
  /** rank */
  r: number
  /** lora_alpha */
  alpha: number
  /** factor s applied to B·A */
  scale: number
  /** whether s = alpha/√r */
  useRslora: boolean
  /** target_modules from adapter_config.json (a regular expression becomes a one-element list) */
  targetModules: string[]
  /** distinct short names of the merged linears, in layer order (`q_proj`, `v_proj`) */
  modules: string[]
  /** number of weight matrices changed */
  merged: number
  /** notes about ignored settings */
  warnings: string[]
}

const TENSOR_NAME = /^base_model\.model\.(.+)\.lora_([AB])\.weight$/
const MODULE_NAME = /^model\.layers\.(\d+)\.(self_attn\.[qkvo]_proj|mlp\.(?:gate|up|down)_proj)$/
const SHORT_NAMES = LLAMA_LINEARS.map(([, path]) => path.split('.')[1]!)

/**
 * Reads adapter_config.json. Throws MODEL_INVALID for settings the merge does not support.
 * @example
 * loraConfigFromPeft({ peft_type: 'LORA', r: 8, lora_alpha: 16, target_modules: ['q_proj', 'v_proj'] }).scale // 2
 */
export function loraConfigFromPeft(json: Record<string, unknown>): LoraConfig {
  const refuse = (what: string, key: string): never => {
    throw new HarnessError('MODEL_INVALID', `adapter_config.json: ${what}; only plain LoRA on the decoder linears can be merged`, { key, value: json[key] })
  }
  if (json.peft_type !== undefined && json.peft_type !== 'LORA') refuse(`peft_type ${JSON.stringify(json.peft_type)} is not LORA`, 'peft_type')
  if (json.use_dora === true) refuse('use_dora is true (DoRA adapters are not supported)', 'use_dora')
  if (json.bias !== undefined && json.bias !== 'none') refuse(`bias is ${JSON.stringify(json.bias)} (trained biases are not supported; expected "none")`, 'bias')
  if (json.lora_bias === true) refuse('lora_bias is true (trained biases are not supported)', 'lora_bias')
  if (Array.isArray(json.modules_to_save) && json.modules_to_save.length > 0) refuse(`modules_to_save ${JSON.stringify(json.modules_to_save)} is not supported (fully trained modules)`, 'modules_to_save')
  for (const key of ['rank_pattern', 'alpha_pattern']) {
    const v = json[key]
    if (v && typeof v === 'object' && Object.keys(v).length > 0) refuse(`${key} ${JSON.stringify(v)} is not supported (one r and lora_alpha for all modules)`, key)
  }
  if (json.layer_replication != null) refuse('layer_replication is not supported', 'layer_replication')
  if (json.trainable_token_indices != null) refuse('trainable_token_indices is not supported (trained embedding rows)', 'trainable_token_indices')
  if (Array.isArray(json.target_parameters) && json.target_parameters.length > 0) refuse('target_parameters is not supported', 'target_parameters')
  const r = json.r ?? 8
  const alpha = json.lora_alpha ?? 8
  if (typeof r !== 'number' || !Number.isInteger(r) || r <= 0) refuse(`r is ${JSON.stringify(r)}; expected a positive integer`, 'r')
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) refuse(`lora_alpha is ${JSON.stringify(alpha)}; expected a number`, 'lora_alpha')
  const targetModules = moduleSpec(json.target_modules, 'target_modules')
  if (targetModules === undefined) refuse('target_modules is missing; expected a list of module names or a regular expression', 'target_modules')
  const excludeModules = moduleSpec(json.exclude_modules, 'exclude_modules')
  const useRslora = json.use_rslora === true
  const rank = r as number
  const warnings = json.fan_in_fan_out === true ? ['fan_in_fan_out is true but the targets are nn.Linear; ignored, as PEFT does'] : []
  return {
    r: rank,
    alpha: alpha as number,
    useRslora,
    scale: useRslora ? (alpha as number) / Math.sqrt(rank) : (alpha as number) / rank,
    targetModules: targetModules!,
    ...(excludeModules !== undefined ? { excludeModules } : {}),
    warnings,
  }
}

/**
 * Checks every adapter tensor against the base model and the config before anything is read: names, target
 * selection, shapes. Returns the linears to change, in layer order.
 */
export function planLoraMerge(c: LlamaConfig, lora: LoraConfig, adapter: SafetensorsCheckpoint): LoraModule[] {
  const fail = (message: string, detail: Record<string, unknown>): never => {
    throw new HarnessError('MODEL_INVALID', `adapter_model.safetensors: ${message}`, detail)
  }
  const baseModules = Array.from({ length: c.numLayers }, (_, i) => LLAMA_LINEARS.map(([, path]) => `model.layers.${i}.${path}`)).flat()
  if (Array.isArray(lora.targetModules)) {
    for (const t of lora.targetModules) {
      if (!baseModules.some((m) => selects([t], m))) {
        throw new HarnessError('MODEL_INVALID', `adapter_config.json: target_modules entry ${JSON.stringify(t)} is not a linear of the base model's decoder layers; supported: ${SHORT_NAMES.join(', ')}`, { target: t, supported: SHORT_NAMES })
      }
    }
  }
  const found = new Map<string, { a?: string, b?: string }>()
  for (const name of adapter.names) {
    const m = TENSOR_NAME.exec(name)
    if (!m) {
      const why = name.includes('lora_magnitude_vector') ? 'is a DoRA magnitude (DoRA adapters are not supported)'
        : name.includes('lora_embedding') ? 'adapts an embedding (only decoder linears are supported)'
          : 'is not a LoRA weight; expected base_model.model.<module>.lora_A.weight and .lora_B.weight'
      fail(`tensor ${name} ${why}`, { tensor: name })
    }
    const [, module, side] = m!
    const mm = MODULE_NAME.exec(module!)
    if (!mm) fail(`tensor ${name} adapts ${module}, which is not a linear of a decoder layer; supported: ${SHORT_NAMES.join(', ')}`, { tensor: name, module })
    if (Number(mm![1]) >= c.numLayers) fail(`tensor ${name} adapts layer ${mm![1]}, but the base model has ${c.numLayers} layers`, { tensor: name, layers: c.numLayers })
    if (!selects(lora.targetModules, module!) || (lora.excludeModules !== undefined && selects(lora.excludeModules, module!))) {
      fail(`tensor ${name} adapts ${module}, which target_modules ${JSON.stringify(lora.targetModules)} does not select; fix adapter_config.json`, { tensor: name, module })
    }
    const pair = found.get(module!) ?? {}
    pair[side === 'A' ? 'a' : 'b'] = name
    found.set(module!, pair)
  }
  if (found.size === 0) fail(`no LoRA tensors among ${adapter.names.length} tensors`, { tensors: adapter.names.length })
  const plan: LoraModule[] = []
  for (const module of baseModules) {
    const pair = found.get(module)
    if (!pair) continue
    if (!pair.a || !pair.b) fail(`${module} has lora_${pair.a ? 'A' : 'B'} but no lora_${pair.a ? 'B' : 'A'}; the adapter file is incomplete`, { module })
    const layer = Number(MODULE_NAME.exec(module)![1])
    const key = LLAMA_LINEARS.find(([, path]) => module.endsWith(`.${path}`))![0]
    const [out, inp] = linearShape(c, key)
    checkShape(pair.a!, [lora.r, inp], `r × in_features of ${module}`)
    checkShape(pair.b!, [out, lora.r], `out_features × r of ${module}`)
    plan.push({ layer, key, module, a: pair.a!, b: pair.b! })
  }
  return plan

  function checkShape(tensor: string, want: number[], what: string) {
    const shape = adapter.info(tensor)!.shape
    if (shape.length !== want.length || shape.some((d, i) => d !== want[i])) {
      fail(`tensor ${tensor} has shape [${shape.join(', ')}]; expected [${want.join(', ')}] (${what})`, { tensor, shape, expected: want })
    }
  }
}

/** Reads the planned A/B pairs one module at a time and adds s·B·A to the weights in place. */
export async function mergeLoraAdapter(c: LlamaConfig, weights: LlamaWeights, lora: LoraConfig, adapter: SafetensorsCheckpoint, plan = planLoraMerge(c, lora, adapter)): Promise<LoraMergeSummary> {
  for (const m of plan) {
    const [out, inp] = linearShape(c, m.key)
    addLoraDelta(weights.layers[m.layer]![m.key].weight, out, inp, await adapter.read(m.a), await adapter.read(m.b), lora.r, lora.scale)
  }
  return loraMergeSummary(lora, plan)
}

/** What merging `plan` does, for descriptions and results. */
export function loraMergeSummary(lora: LoraConfig, plan: readonly LoraModule[]): LoraMergeSummary {
  return {
    r: lora.r,
    alpha: lora.alpha,
    scale: lora.scale,
    useRslora: lora.useRslora,
    targetModules: typeof lora.targetModules === 'string' ? [lora.targetModules] : [...lora.targetModules],
    modules: [...new Set(plan.map((m) => m.module.split('.').at(-1)!))],
    merged: plan.length,
    warnings: [...lora.warnings],
  }
}

/** weight [out, in] += scale · B [out, r] · A [r, in], with the product summed in float64 and rounded once. */
export function addLoraDelta(weight: Float32Array, out: number, inp: number, a: Float32Array, b: Float32Array, r: number, scale: number): void {
  const row = new Float64Array(inp)
  for (let o = 0; o < out; o++) {
    row.fill(0)
    for (let k = 0; k < r; k++) {
      const bk = b[o * r + k]!
      if (bk === 0) continue
      for (let i = 0; i < inp; i++) row[i]! += bk * a[k * inp + i]!
    }
    for (let i = 0; i < inp; i++) weight[o * inp + i] = weight[o * inp + i]! + scale * row[i]!
  }
}

/** Whether a module-name spec (PEFT's rules: suffix match for a list, full match for a regex) selects `module`. */
function selects(spec: string[] | string, module: string): boolean {
  if (typeof spec !== 'string') return spec.some((t) => module === t || module.endsWith(`.${t}`))
  if (spec === 'all-linear') return MODULE_NAME.test(module)
  return new RegExp(`^(?:${spec})$`).test(module)
}

function moduleSpec(value: unknown, key: string): string[] | string | undefined {
  if (value === undefined || value === null) return undefined
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[]
  if (typeof value === 'string') {
    try {
      new RegExp(value)
    } catch {
      throw new HarnessError('MODEL_INVALID', `adapter_config.json: ${key} ${JSON.stringify(value)} is not a valid regular expression`, { key, value })
    }
    return value
  }
  throw new HarnessError('MODEL_INVALID', `adapter_config.json: ${key} is ${JSON.stringify(value)}; expected a list of module names or a regular expression`, { key, value })
}
