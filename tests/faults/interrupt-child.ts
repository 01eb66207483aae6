/**
 * The process the interruption faults kill (tests/faults/interrupts.test.ts): `convert MODEL CACHE` converts a
 * checkpoint into CACHE printing one line per progress event; `write DIR` writes two alternating run sets into DIR
 * forever, printing a line after each file set. Run with `node bin/run-ts.js tests/faults/interrupt-child.ts …`.
 */
import { prepareCheckpointModel } from '../../src/cli/checkpoint-model.ts'
import { writeRunFiles } from '../../src/cli/output-files.ts'
import { RUN_SETS } from './interrupt-sets.ts'

const [mode, a, b] = process.argv.slice(2)
if (mode === 'convert') {
  await prepareCheckpointModel({
    model: a as string, cacheDir: b as string, externalData: 'always',
    onProgress: p => process.stdout.write(`${p.stage} ${p.done}/${p.total}\n`),
  })
  process.stdout.write('converted\n')
} else if (mode === 'write') {
  for (let i = 0; ; i++) {
    await writeRunFiles(a as string, RUN_SETS[i % 2]!)
    process.stdout.write(`wrote ${i}\n`)
  }
}
