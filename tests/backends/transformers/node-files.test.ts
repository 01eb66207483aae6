import fs from 'node:fs'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { stoppingLingeringReads } from '../../../src/backends/transformers/node-files.ts'

describe('stoppingLingeringReads', () => {
  it('destroys the flowing read streams a load left on files under its folders, and only those', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalz-lingering-'))
    const other = mkdtempSync(join(tmpdir(), 'evalz-other-'))
    try {
      writeFileSync(join(dir, 'model.onnx'), new Uint8Array(16 << 20))
      writeFileSync(join(dir, 'config.json'), '{}')
      writeFileSync(join(other, 'data.bin'), new Uint8Array(4 << 20))
      const original = fs.createReadStream
      const streams = await stoppingLingeringReads([dir], async () => {
        // what transformers.js's FileResponse does: a flowing stream nobody reads, opened to check a file
        const lingering = fs.createReadStream(join(dir, 'model.onnx'))
        lingering.on('data', () => {})
        // a small file read to its end while loading
        const finished = fs.createReadStream(join(dir, 'config.json'))
        finished.on('data', () => {})
        await new Promise<void>((resolve) => finished.on('end', () => resolve()))
        const outside = fs.createReadStream(join(other, 'data.bin'))
        outside.on('data', () => {})
        return { lingering, finished, outside }
      })
      // stopped, not read to its end (left alone it closes only after reading all 16 MiB)
      await new Promise<void>((resolve) => streams.lingering.on('close', () => resolve()))
      expect(streams.lingering.bytesRead).toBeLessThan(16 << 20)
      expect(streams.finished.readableEnded).toBe(true)
      expect(streams.outside.destroyed).toBe(false)
      expect(fs.createReadStream).toBe(original)
      await new Promise<void>((resolve) => streams.outside.on('close', () => resolve()))
    } finally {
      rmSync(dir, { recursive: true, force: true })
      rmSync(other, { recursive: true, force: true })
    }
  })

  it('leaves a stream alone while a concurrent load of the same folder still runs (a tokenizer beside its model)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalz-concurrent-'))
    try {
      writeFileSync(join(dir, 'model.onnx'), new Uint8Array(16 << 20))
      let release = () => {}
      const gate = new Promise<void>((resolve) => { release = resolve })
      let tokenizerDone = () => {}
      const tokenizerGate = new Promise<void>((resolve) => { tokenizerDone = resolve })
      // the tokenizer's load starts first and is still running when the model's load opens its stream
      const tokenizer = stoppingLingeringReads([dir], () => tokenizerGate)
      let reading: fs.ReadStream | undefined
      const model = stoppingLingeringReads([dir], async () => {
        reading = fs.createReadStream(join(dir, 'model.onnx'), { highWaterMark: 1 << 16 })
        reading.pause()
        await gate
        // this load consumes its stream to the end after the tokenizer's load has finished
        let bytes = 0
        reading.on('data', (d) => { bytes += (d as Buffer).length })
        reading.resume()
        await new Promise<void>((resolve) => reading!.on('end', () => resolve()))
        return bytes
      })
      await new Promise((r) => setTimeout(r, 10))
      tokenizerDone()
      await tokenizer
      expect(reading?.destroyed).toBe(false)
      release()
      expect(await model).toBe(16 << 20)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
