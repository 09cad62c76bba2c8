"""The landing pages of a report: a run's `index.html` (headline figures, chart thumbnails, the
county pages by name, the exports) and `reports/index.html` (every run of every region, from each
run's run.json). All document text and names are escaped (`text.html_text`); figures by `numbers.fmt`.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

from evalkit.report.numbers import COUNT, MONEY, RATE, SCORE, fmt, is_missing
from evalkit.report.text import html_text as esc

STATUS_ZH = {"ok": "成功", "failed": "失败", "stopped": "已停止", "killed": "未完成（进程被强行终止，见运行日志）"}
STYLE = """<style>
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;max-width:72em;margin:2em auto;
     padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.7em;margin-bottom:.2em} h2{margin-top:1.6em;border-bottom:2px solid #1F4E79;padding-bottom:.2em}
.meta{color:#666} .cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}
.card{border:1px solid #ccd;border-radius:6px;padding:.6em 1em;min-width:9em;background:#f7f9fc}
.card b{display:block;font-size:1.5em;color:#1F4E79} .card span{color:#555;font-size:.9em}
.thumbs{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:1.2em}
.thumb img{width:100%;border:1px solid #ddd} .thumb p{margin:.3em 0;font-size:.9em;color:#444}
table{border-collapse:collapse} td,th{border:1px solid #ccd;padding:.3em .7em;text-align:left;white-space:nowrap}
th{background:#1F4E79;color:#fff} td.n{text-align:right;font-variant-numeric:tabular-nums}
.failed{color:#c62828;font-weight:bold} ul.pages li{margin:.2em 0}
</style>"""

# (key in run.json's headline, label, unit) — the figures a landing page shows
FIGURES = (("n_counties", "县区", COUNT), ("n_reports", "报告", COUNT), ("n_projects", "项目", COUNT),
           ("budget", "预算合计（万元）", MONEY), ("executed", "执行合计（万元）", MONEY),
           ("execution_rate", "总体执行率（%）", RATE), ("mean_score", "平均自评得分", SCORE),
           ("n_findings", "检查发现", COUNT), ("n_errors", "其中错误", COUNT))


def headline_figures(h: Mapping) -> dict:
    """The headline's figures as JSON-safe numbers (None where unknown) for run.json."""
    out = {}
    for key, _, unit in FIGURES:
        v = h.get(key)
        try:
            v = None if is_missing(v) else (int(v) if unit == COUNT else round(float(v), 4))
        except (TypeError, ValueError):
            v = None
        out[key] = v
    out["text"] = _headline_text(h)
    return out


def _headline_text(h: Mapping) -> str:
    from evalkit.report.text import headline_text
    try:
        return headline_text(h)
    except (KeyError, TypeError):
        return ""


def when(iso) -> str:
    """run.json's `finished` (ISO, UTC) for readers: 2026-12-02 00:57 UTC."""
    s = str(iso or "")
    return f"{s[:10]} {s[11:16]} UTC" if len(s) >= 16 and s[10] == "T" else (s or "—")


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>{esc(title)}</title>{STYLE}</head><body>{body}</body></html>")


def _cards(fig: Mapping) -> str:
    return "<div class='cards'>" + "".join(
        f"<div class='card'><b>{esc(fmt(fig.get(k), u))}</b><span>{esc(label)}</span></div>"
        for k, label, u in FIGURES) + "</div>"


def _charts(run: Path) -> list[dict]:
    path = run / "charts" / "charts.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []


def write_run_index(run: Path, info: Mapping) -> Path:
    """The run's landing page `index.html`: headline, figures, chart thumbnails, pages, exports."""
    title = f"{info.get('region_label', '')} · {info.get('years_label', '')} 预算绩效自评简报"
    fig = info.get("headline") or {}
    status = info.get("status", "ok")
    parts = [f"<h1>{esc(title)}</h1>",
             f"<p class='meta'>生成于 {esc(when(info.get('finished')))} · 用时 {fmt(info.get('seconds'), COUNT)} 秒 · "
             f"状态：<span class='{'' if status == 'ok' else 'failed'}'>{esc(STATUS_ZH.get(status, status))}</span>"
             f" · <a href='../index.html'>全部运行</a></p>"]
    if fig.get("text"):
        parts.append(f"<p>{esc(fig['text'])}</p>")
    parts.append(_cards(fig))
    nbs = info.get("notebooks", [])

    def link(n) -> str:
        mark = {"ok": "", "failed": " <span class='failed'>（失败，见笔记本）</span>"}.get(
            n.get("status"), " <span class='failed'>（未完成：运行已停止）</span>")
        return (f"<a href='html/{esc(n['stem'])}.html'>{esc(n.get('title') or n['stem'])}</a>"
                f"（<a href='notebooks/{esc(n['stem'])}.ipynb'>笔记本</a>）{mark}")

    main = [n for n in nbs if n.get("notebook") != "10_county_profile"]
    counties = sorted((n for n in nbs if n.get("notebook") == "10_county_profile"),
                      key=lambda n: n.get("title", ""))
    parts.append("<h2>页面</h2><ul class='pages'>" + "".join(f"<li>{link(n)}</li>" for n in main) + "</ul>")
    exports = [("summary.xlsx", "summary.xlsx：数据表（县区对比、红旗清单、全部明细、检查发现）"),
               ("briefing.pptx", "briefing.pptx：简报幻灯片"), ("charts/", "charts/：图表（PNG、SVG）"),
               ("report.log", "report.log：运行日志"), ("run.json", "run.json：运行参数与结果")]
    parts.append("<h2>导出</h2><ul>" + "".join(         # a stopped run has not written them all
        f"<li><a href='{esc(href)}'>{esc(label)}</a></li>" for href, label in exports
        if href == "run.json" or (run / href).exists()) + "</ul>")
    if counties or info.get("county_profiles_note"):
        parts.append("<h2>县区画像</h2><ul class='pages'>" + "".join(
            f"<li>{link({**n, 'title': str(n.get('title', '')).split('：', 1)[-1]})}</li>" for n in counties)
            + "</ul>")
        if info.get("county_profiles_note"):      # which counties have no profile, and why
            parts.append(f"<p class='meta'>{esc(info['county_profiles_note'])}</p>")
    charts = _charts(run)
    if charts:
        parts.append("<h2>图表</h2><div class='thumbs'>" + "".join(
            f"<div class='thumb'><a href='charts/{esc(c['png'])}'><img loading='lazy' src='charts/{esc(c['png'])}' "
            f"alt='{esc(c.get('title', ''))}'></a><p><b>{esc(c.get('title', ''))}</b></p>"
            f"<p>{esc(c.get('takeaway', ''))}</p><p><a href='charts/{esc(c['svg'])}'>SVG</a></p></div>"
            for c in charts if c.get("png")) + "</div>")
    out = run / "index.html"
    out.write_text(_page(title, "".join(parts)), encoding="utf-8")
    return out


def list_runs(out_dir: Path) -> list[dict]:
    """Every run under `out_dir` (reports/<region>/<run>/run.json, and older reports/<run>/run.json)
    with its folder relative to `out_dir`, newest first."""
    out_dir = Path(out_dir)
    found = []
    for info_path in list(out_dir.glob("*/*/run.json")) + list(out_dir.glob("*/run.json")):
        run = info_path.parent
        if any(p.is_symlink() for p in (run, run.parent)) or run.name == "data":
            continue
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        info["folder"] = run.relative_to(out_dir).as_posix()
        latest = run.parent / "latest"
        info["latest"] = latest.is_symlink() and os.path.realpath(latest) == os.path.realpath(run)
        found.append(info)
    found += killed_runs(out_dir)
    return sorted(found, key=lambda i: (str(i.get("finished", "")), i["folder"]), reverse=True)


RUN_NAME = re.compile(r"(.+)-\d{8}T\d{6}Z(?:-\d+)?")   # runner.start: <region>-<years>-<UTC stamp>[-n]


def killed_runs(out_dir: Path) -> list[dict]:
    """Run folders with a report.log but no run.json: runs killed where nothing could write it (SIGKILL, the
    OOM killer, a power cut). Listed as 未完成 with the time of their log's last line, never removed.
    Called under the reports folder's lock, so none of them is still running."""
    found = []
    for log_path in Path(out_dir).glob("*/*/report.log"):
        run = log_path.parent
        if (run / "run.json").exists() or not RUN_NAME.fullmatch(run.name) or run.is_symlink() \
                or run.parent.is_symlink():
            continue
        try:
            finished = datetime.fromtimestamp(log_path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
        except OSError:
            continue
        found.append({"status": "killed", "region_label": run.parent.name, "years_label": "", "finished": finished,
                      "folder": run.relative_to(out_dir).as_posix(), "latest": False, "log_only": True})
    return found


def write_reports_index(out_dir: Path) -> Path:
    """`reports/index.html`: every run with its region, years, status and headline figures."""
    out_dir = Path(out_dir)
    runs = list_runs(out_dir)
    head = ["地区", "年度", "状态", "完成时间", "县区", "项目", "预算合计（万元）", "总体执行率（%）",
            "平均得分", "检查发现（错误）", ""]
    rows = []
    for r in runs:
        f = r.get("headline") or {}
        st = r.get("status", "")
        latest = "（最新）" if r.get("latest") else ""
        rows.append(
            "<tr>" + f"<td>{esc(r.get('region_label', ''))}</td><td>{esc(r.get('years_label', ''))}</td>"
            f"<td class='{'' if st == 'ok' else 'failed'}'>{esc(STATUS_ZH.get(st, st))}{latest}</td>"
            f"<td>{esc(when(r.get('finished')))}</td>"
            f"<td class='n'>{fmt(f.get('n_counties'), COUNT)}</td><td class='n'>{fmt(f.get('n_projects'), COUNT)}</td>"
            f"<td class='n'>{fmt(f.get('budget'), MONEY)}</td><td class='n'>{fmt(f.get('execution_rate'), RATE)}</td>"
            f"<td class='n'>{fmt(f.get('mean_score'), SCORE)}</td>"
            f"<td class='n'>{fmt(f.get('n_findings'), COUNT)}（{fmt(f.get('n_errors'), COUNT)}）</td>"
            f"<td><a href='{esc(r['folder'])}/{'report.log' if r.get('log_only') else 'index.html'}'>"
            f"{'日志' if r.get('log_only') else '打开'}</a></td></tr>")
    regions: dict[str, str] = {}            # region folder -> its label, from the newest run there
    for r in runs:
        if "/" in r["folder"]:
            regions.setdefault(r["folder"].split("/")[0], r.get("region_label") or r["folder"].split("/")[0])
    latest = "".join(f"<li><a href='{esc(g)}/latest/index.html'>{esc(label)}</a></li>"
                     for g, label in sorted(regions.items()) if (out_dir / g / "latest").is_symlink())
    body = ("<h1>预算绩效自评简报：全部运行</h1>"
            f"<p class='meta'>共 {len(runs)} 次运行。每个地区的最新成功运行：</p><ul>{latest or '<li>—</li>'}</ul>"
            "<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>")
    path = out_dir / "index.html"
    tmp = path.with_name(f".index.html.tmp-{os.getpid()}")
    tmp.write_text(_page("预算绩效自评简报：全部运行", body), encoding="utf-8")
    os.replace(tmp, path)
    return path
