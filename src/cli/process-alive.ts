/**
 * Whether a process still exists: a `.partial` file or folder named after a process that is gone was left by a
 * kill part-way through a write, and is removed rather than used.
 */

/** True while process `pid` exists (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
