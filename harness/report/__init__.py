"""The report: what a run found, for QA (index.html), CI (junit.xml, summary.md) and tools
(findings.json).

Data flow: suites feed `report_recorder` (coverage observations, figures, noise) and
`findings_writer` (findings) -> each process writes `DIR/parts/` -> the rendering process
merges the parts (`files.report_from_parts`) -> `build.build_report` (pure) -> `model.Report`
-> `render.render_report` (pure) -> files. `options` is the always-loaded pytest plugin
(`--report DIR`, `--report-spec PATH`); `plugin.ReportPlugin` does the recording and writing.
"""
