/**
 * A small helper for writing ONNX graphs by hand: auto-named nodes, scoped names, de-duplicated
 * constant initializers, and typed attribute constructors.
 */
import { float32Tensor, int64Tensor } from './onnx-proto.ts'
import type { OnnxAttribute, OnnxGraph, OnnxNode, OnnxTensor, OnnxValueInfo } from './onnx-proto.ts'

/** Attribute values for `GraphBuilder.op`, built with the `attr` helpers. */
export type AttrMap = Record<string, Omit<OnnxAttribute, 'name'>>

/** Typed attribute constructors. */
export const attr = {
  int: (value: number): Omit<OnnxAttribute, 'name'> => ({ kind: 'int', value }),
  float: (value: number): Omit<OnnxAttribute, 'name'> => ({ kind: 'float', value }),
  string: (value: string): Omit<OnnxAttribute, 'name'> => ({ kind: 'string', value }),
  ints: (value: number[]): Omit<OnnxAttribute, 'name'> => ({ kind: 'ints', value }),
  floats: (value: number[]): Omit<OnnxAttribute, 'name'> => ({ kind: 'floats', value }),
  tensor: (value: OnnxTensor): Omit<OnnxAttribute, 'name'> => ({ kind: 'tensor', value }),
}

/** Accumulates nodes, initializers and I/O declarations of one graph. */
export class GraphBuilder {
  private readonly nodes: OnnxNode[] = []
  private readonly initializers: OnnxTensor[] = []
  private readonly inputs: OnnxValueInfo[] = []
  private readonly outputs: OnnxValueInfo[] = []
  private readonly constants = new Map<string, string>()
  private readonly names = new Set<string>()
  private readonly counters = new Map<string, number>()
  private scopePath: string[] = []

  /** Declares a graph input; returns its name. */
  input(name: string, elemType: number, shape: (number | string)[]): string {
    this.claim(name)
    this.inputs.push({ name, elemType, shape })
    return name
  }

  /** Declares a graph output produced by value `from` (renamed through Identity when names differ). */
  output(name: string, elemType: number, shape: (number | string)[], from: string): void {
    if (from !== name) this.op('Identity', [from], {}, name)
    this.outputs.push({ name, elemType, shape })
  }

  /** Adds a weight initializer under its own name; returns the name. */
  initializer(t: OnnxTensor): string {
    this.claim(t.name)
    this.initializers.push(t)
    return t.name
  }

  /** An int64 constant initializer (1-D, or a scalar when `scalar`), shared between uses. */
  int64(values: number[], scalar = false): string {
    const key = `i64:${scalar ? 's' : 'v'}:${values.join(',')}`
    const hit = this.constants.get(key)
    if (hit) return hit
    const name = `const_i64_${scalar ? 'scalar_' : ''}${values.join('_').replaceAll('-', 'm')}`
    this.initializer(int64Tensor(name, scalar ? [] : [values.length], values))
    this.constants.set(key, name)
    return name
  }

  /** A float32 scalar constant initializer, shared between uses. */
  float32(value: number): string {
    const f = Math.fround(value)
    const key = `f32:${Object.is(f, -0) ? '-0' : String(f)}`
    const hit = this.constants.get(key)
    if (hit) return hit
    const name = `const_f32_${this.constants.size}`
    this.initializer(float32Tensor(name, [], [f]))
    this.constants.set(key, name)
    return name
  }

  /** Runs `fn` with `name` appended to the node-name scope. */
  scope<T>(name: string, fn: () => T): T {
    this.scopePath.push(name)
    try {
      return fn()
    } finally {
      this.scopePath.pop()
    }
  }

  /** Adds a single-output node (of operator domain `domain`, default ONNX's); returns the output name (`outputName` or an auto name). */
  op(opType: string, inputs: string[], attributes: AttrMap = {}, outputName?: string, domain?: string): string {
    return this.opMulti(opType, inputs, 1, attributes, outputName ? [outputName] : undefined, domain)[0]!
  }

  /** Whether a value or initializer of this name exists. */
  has(name: string): boolean {
    return this.names.has(name)
  }

  /** Adds a node with `numOutputs` outputs; returns their names. */
  opMulti(opType: string, inputs: string[], numOutputs: number, attributes: AttrMap = {}, outputNames?: string[], domain?: string): string[] {
    const base = `/${[...this.scopePath, opType].join('/')}`
    const n = this.counters.get(base) ?? 0
    this.counters.set(base, n + 1)
    const name = n === 0 ? base : `${base}_${n}`
    const outputs = outputNames ?? Array.from({ length: numOutputs }, (_, i) => `${name}_output_${i}`)
    for (const o of outputs) this.claim(o)
    this.nodes.push({
      opType,
      ...(domain ? { domain } : {}),
      name,
      inputs,
      outputs,
      attributes: Object.entries(attributes).map(([k, v]) => ({ ...v, name: k }) as OnnxAttribute),
    })
    return outputs
  }

  /** Returns the finished graph. */
  build(name: string): OnnxGraph {
    return {
      name,
      nodes: [...this.nodes],
      initializers: [...this.initializers],
      inputs: [...this.inputs],
      outputs: [...this.outputs],
    }
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`graph value name used twice: ${name}`)
    this.names.add(name)
  }
}
