/** The inline stylesheet of the static reports: light by default, dark on screens that ask for it, print-friendly. */

export const REPORT_CSS = `
:root { --fg: #1f2328; --muted: #57606a; --bg: #fff; --surface: #f6f8fa; --border: #d0d7de; --accent: #0969da;
  --good: #1a7f37; --bad: #cf222e; --neutral: #8c959f; --warn-bg: #fff8c5; --warn-border: #d4a72c; color-scheme: light; }
@media screen and (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --surface: #161b22; --border: #30363d; --accent: #4493f8;
    --good: #3fb950; --bad: #f85149; --neutral: #6e7681; --warn-bg: #2e2a16; --warn-border: #9e6a03; color-scheme: dark; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.5rem; margin: 0 0 0.25rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 0.6rem; padding-bottom: 0.25rem; border-bottom: 1px solid var(--border); }
h3 { font-size: 1rem; margin: 1.25rem 0 0.4rem; }
p { margin: 0.4rem 0; }
.sub, .muted, figcaption { color: var(--muted); }
.sub { margin: 0 0 1rem; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 0.3rem 1.25rem; margin: 0.5rem 0 1rem; }
.meta div { min-width: 0; }
.meta dt { color: var(--muted); font-size: 0.8rem; }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.runs { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1rem; }
.card { border: 1px solid var(--border); border-radius: 8px; padding: 0.75rem 1rem; background: var(--surface); }
.card h3 { margin-top: 0; }
.warn { border: 1px solid var(--warn-border); background: var(--warn-bg); border-radius: 8px; padding: 0.6rem 1rem; margin: 1rem 0; }
.warn ul { margin: 0.3rem 0 0; padding-left: 1.25rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.88rem; margin: 0.4rem 0 0.8rem; }
th, td { padding: 0.3rem 0.45rem; border-bottom: 1px solid var(--border); text-align: left; vertical-align: top; }
th { background: var(--surface); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.text { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 28rem; }
td.verdict { min-width: 7rem; }
td.nowrap { white-space: nowrap; }
.better { color: var(--good); font-weight: 600; }
.worse { color: var(--bad); font-weight: 600; }
.unclear, .untested, .changed { color: var(--muted); }
figure { margin: 0.5rem 0 1rem; }
svg.chart { width: 100%; height: auto; max-width: 960px; font: 13px system-ui, sans-serif; }
svg.chart text { fill: var(--fg); }
svg.chart .axis { stroke: var(--border); }
svg.chart .zero { stroke: var(--muted); }
svg.chart .tick { fill: var(--muted); }
svg.chart .bar { fill: var(--accent); }
svg.chart .bar.better { fill: var(--good); }
svg.chart .bar.worse { fill: var(--bad); }
svg.chart .bar.unclear, svg.chart .bar.changed, svg.chart .bar.untested { fill: var(--neutral); }
svg.chart .whisker { stroke: var(--fg); stroke-width: 1.5; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: 0.8rem; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, .card, tr { break-inside: avoid; }
  .scroll { overflow: visible; }
  td.text { max-width: none; }
  table { font-size: 8pt; }
  th, td.num, th.num { white-space: normal; }
  td.verdict { min-width: 0; }
}
`
