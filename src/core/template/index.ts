/**
 * Public entry of the template evaluator (Python Jinja2 semantics for lm-eval task templates).
 */

export { renderTemplate, renderTemplateValue, TemplateError } from './render.ts'
export type { TemplateContext } from './render.ts'
