/**
 * A checkpoint stored as safetensors: one `<stem>.safetensors` file, or shards listed by
 * `<stem>.safetensors.index.json` (`{ metadata, weight_map: { tensor name → shard file name } }`). Every file's
 * header is read up front; tensor data is read on demand, one tensor at a time.
 */
import { HarnessError } from '../../core/errors.ts'
import { readJsonObject } from './byte-source.ts'
import type { FileOpener } from './byte-source.ts'
import { readSafetensorsHeader, readTensor, readTensorBytes } from './safetensors-file.ts'
import type { SafetensorsFile, SafetensorsTensorInfo, SupportedDtype } from './safetensors-file.ts'

/** The tensors of a (possibly sharded) checkpoint. */
export interface SafetensorsCheckpoint {
  /** file names holding the tensors, in the order they were opened */
  files: string[]
  /** every tensor name, file by file in header order */
  names: string[]
  /** `__metadata__` of the first file ({} when absent) */
  metadata: Record<string, string>
  /** where a tensor lies; undefined when the checkpoint has no such tensor */
  info(name: string): SafetensorsTensorInfo | undefined
  /** reads one tensor as float32 (throws MODEL_INVALID for a missing tensor or an unsupported dtype) */
  read(name: string): Promise<Float32Array>
  /** reads one tensor's little-endian bytes as stored (same errors as `read`) */
  readBytes(name: string): Promise<{ bytes: Uint8Array, dtype: SupportedDtype }>
}

/**
 * Opens `<stem>.safetensors`, or else the shards named by `<stem>.safetensors.index.json`.
 * Throws MODEL_NOT_FOUND when neither exists or a shard is missing, MODEL_INVALID when the index or a header is bad.
 * @example
 * const ckpt = await openSafetensorsCheckpoint(open, 'model')
 * const norm = await ckpt.read('model.norm.weight')
 */
export async function openSafetensorsCheckpoint(open: FileOpener, stem: string): Promise<SafetensorsCheckpoint> {
  const single = `${stem}.safetensors`
  const indexName = `${single}.index.json`
  const file = await open(single)
  if (file) return checkpointOf([await readSafetensorsHeader(file, single)])
  const index = await open(indexName)
  if (!index) {
    throw new HarnessError('MODEL_NOT_FOUND', `no ${single} or ${indexName} in the model folder; export the weights with save_pretrained(safe_serialization=True)`, { files: [single, indexName] })
  }
  const weightMap = (await readJsonObject(index, indexName)).weight_map
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap) || !Object.values(weightMap).every((v) => typeof v === 'string')) {
    throw new HarnessError('MODEL_INVALID', `${indexName}: weight_map is ${JSON.stringify(weightMap)?.slice(0, 80)}; expected an object of tensor name → shard file name`, { file: indexName })
  }
  const entries = Object.entries(weightMap as Record<string, string>)
  const shardNames = [...new Set(entries.map(([, shard]) => shard))]
  for (const shard of shardNames) {
    if (/[/\\]|^\.\.?$/.test(shard) || !shard.endsWith('.safetensors')) {
      throw new HarnessError('MODEL_INVALID', `${indexName}: shard name ${JSON.stringify(shard)} is not a .safetensors file name in the same folder`, { file: indexName, shard })
    }
  }
  const shards: SafetensorsFile[] = []
  for (const shard of shardNames) {
    const source = await open(shard)
    if (!source) throw new HarnessError('MODEL_NOT_FOUND', `${indexName} lists shard ${shard}, which is not in the model folder; download all ${shardNames.length} shards`, { file: shard })
    shards.push(await readSafetensorsHeader(source, shard))
  }
  const byName = new Map(shards.map((s) => [s.fileName, s]))
  for (const [tensor, shard] of entries) {
    if (!byName.get(shard)!.tensors.has(tensor)) {
      throw new HarnessError('MODEL_INVALID', `${indexName} puts tensor ${tensor} in ${shard}, whose header has no such tensor; re-download the shards`, { file: shard, tensor })
    }
  }
  return checkpointOf(shards)
}

function checkpointOf(files: SafetensorsFile[]): SafetensorsCheckpoint {
  const where = new Map<string, SafetensorsFile>()
  for (const f of files) {
    for (const name of f.tensors.keys()) {
      const other = where.get(name)
      if (other) throw new HarnessError('MODEL_INVALID', `tensor ${name} is in both ${other.fileName} and ${f.fileName}; keep one copy`, { tensor: name, files: [other.fileName, f.fileName] })
      where.set(name, f)
    }
  }
  const fileOf = (name: string): SafetensorsFile => {
    const f = where.get(name)
    if (!f) throw new HarnessError('MODEL_INVALID', `checkpoint ${files.map((x) => x.fileName).join(', ')} has no tensor ${name}`, { tensor: name })
    return f
  }
  return {
    files: files.map((f) => f.fileName),
    names: [...where.keys()],
    metadata: files[0]?.metadata ?? {},
    info: (name) => where.get(name)?.tensors.get(name),
    read: async (name) => readTensor(fileOf(name), name),
    readBytes: async (name) => readTensorBytes(fileOf(name), name),
  }
}
