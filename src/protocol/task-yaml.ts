/**
 * Task and group YAML sent to the worker (the web app's 'add task' drop zone and editor) and what it answers.
 */

/** One file of a task folder sent by the page: task/group YAML, an include target or a Python module (.py). */
export interface TaskYamlFile {
  /** path inside the dropped folder, e.g. 'mytasks/my_task.yaml' ('editor/<task>.yaml' from the editor) */
  readonly path: string
  /** the file's text */
  readonly text: string
}

/** What one addTaskYaml call defined. */
export interface AddedTaskYaml {
  /** task names, in file order */
  readonly tasks: string[]
  /** group names */
  readonly groups: string[]
}

/** A task or group added from YAML this session. */
export interface TaskYamlInfo {
  readonly name: string
  readonly kind: 'task' | 'group'
  /** true when it replaces a built-in of the same name */
  readonly replacesBuiltin: boolean
}
