/** An in-memory YamlReader for tests: `files` maps POSIX paths to text. */
import type { YamlReader } from '../../../../src/core/tasks/yaml/task-yaml-loader.ts'

/** Lists and reads `files` as a folder tree rooted at '/'. */
export function memoryReader(files: Readonly<Record<string, string>>): YamlReader {
  return {
    async list(dir) {
      const prefix = dir.endsWith('/') ? dir : `${dir}/`
      const names = new Set<string>()
      for (const p of Object.keys(files)) {
        if (!p.startsWith(prefix)) continue
        const rest = p.slice(prefix.length)
        const slash = rest.indexOf('/')
        names.add(slash < 0 ? rest : `${rest.slice(0, slash)}/`)
      }
      return [...names]
    },
    async read(path) {
      const text = files[path]
      if (text === undefined) throw new Error(`ENOENT: ${path}`)
      return text
    },
  }
}
