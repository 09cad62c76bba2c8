"""A synthetic, realistic corpus of 预算绩效自评 reports with its truth: `evalkit synth`.

    evalkit synth --reports N --out DIR [--seed S] [--formats txt,docx,xlsx,csv,html,pptx,pdf,ofd,xps,scan]

writes `DIR/docs/<省>/<市>/<县>/<file>` and, in the format of `../shared/truth/`,
`DIR/truth/{projects,indicators,reports}.csv` (so `../shared/tools/truthcheck.py` scores an
ingest of `DIR/docs`), plus
- `DIR/truth/duplicates.csv`: every file evalkit should mark `duplicate` (a byte-identical copy, or
  the same report in another format — with `scan` among the formats, that can be the report's scan,
  `…_扫描件.tif`, or the report as first published beside its correction `…（更正）`, kind other_version)
  and the file it repeats; the truth lists each report once, under the copy evalkit
  keeps (identity.FORMAT_RANK: docx > xlsx > html > txt > csv > pptx > pdf > ofd > xps > scan; the corrected version);
- `DIR/truth/findings.csv`: the findings the checks should raise — each inconsistency injected at a
  known rate (rule ids of checks/findings.py RULES), the findings that follow from it, and one
  `duplicate_document` per duplicate (`report_other_version` per earlier version); clean reports are built
  to raise no error or warning;
- `DIR/truth/manifest.json`: seed, counts, rates, what was skipped and why.

Places are real divisions of the `cpca` dataset (its adcodes.csv): county -> city -> province by the
division code, counties whose name is unique (so an agency name locates them). Reports follow the
five reference layouts of `../shared/seeds/` as text exports:
  cells (seed 000: one project report, one cell per line, 附件1 table, 总得分…属于"优秀"),
  dept  (seed 001: 部门决算 with 部门整体自评得分, narrative part scores, per-project tables),
  annex (seed 002: one project, (满分X分，自评得分Y分) narrative, 附件 table with 总分),
  tabs  (seed 003: tab-separated project tables, 绩效自评情况汇总表, covering report),
  form  (seed 004: 定量目标 table without weights + 评价指标体系 with 项目决策/管理/绩效, 综合得分/等次),
plus `juesuan` (a 部门决算 whose results are one 绩效自评的…项目N个…平均得分 sentence, as the
上海市普陀区 realdocs), and DOCX/XLSX/HTML rendered with the builders of
tests/fixtures/make_fixtures.py (`pptx`: that DOCX as slides, tests/fixtures/pptxfile.py); `pdf` is that DOCX printed by LibreOffice, `scan` the PDF's pages
as a multi-page TIFF (150 dpi, slightly turned, a red 公章) for evalkit's OCR reader — both only
where LibreOffice (and for scans the OCR reader) are installed. Same seed, same bytes (PDF and scans
excepted: LibreOffice stamps the PDF). A report's format, layout and number of projects are drawn from
low-discrepancy sequences (`spread`), the rest of it at random from its own seed: the first N reports of a
corpus hold the mix of the whole, so a corpus of 200 and one of 2,000 do comparable work per report.

`score_findings(dataset_dir, truth_dir)` measures the checks' recall and precision against the truth.

Modules, in the order they build on each other: vocab.py (columns, formats, places, the reference vocabulary, money),
draw.py (the reports drawn: `Generator`), layouts.py (text exports), formats.py (office formats, PDF, OFD, XPS, scans),
truth.py (the truth files and `score_findings`), corpus.py (`plan`, `generate`, duplicates and versions, the command).
"""
from evalkit.synth.corpus import add_parser, generate, kept_first, main, plan
from evalkit.synth.draw import Generator, Report
from evalkit.synth.formats import render_pdfs, xps_builder
from evalkit.synth.layouts import TEXT_RENDER, in_yuan, render_juesuan
from evalkit.synth.truth import expected_findings, score_findings
from evalkit.synth.vocab import ALL_FORMATS, DEFAULT_FORMATS, INJECTABLE, divisions

__all__ = ["ALL_FORMATS", "DEFAULT_FORMATS", "INJECTABLE", "TEXT_RENDER", "Generator", "Report", "add_parser",
           "divisions", "expected_findings", "generate", "in_yuan", "kept_first", "main", "plan", "render_juesuan",
           "render_pdfs", "score_findings", "xps_builder"]
