"""Reviewer decisions on findings (确认 / 排除 / 已整改), kept in the dataset's `reviews` table.

Decisions are filled in on the findings sheet of `summary.xlsx` (columns 复核结论 and 说明, next to
the finding's fingerprint), imported with `evalkit review import`, and matched to findings by
fingerprint, so they survive any re-ingest; a decision whose finding no longer appears is resolved.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from evalkit import tables as _tables
from evalkit.errors import InputError, UsageError

DECISIONS = ("确认", "排除", "已整改")
DECISION_COL, NOTE_COL = "review_decision", "review_note"     # the workbook's columns (复核结论, 说明)
LABELS = {DECISION_COL: "复核结论", NOTE_COL: "说明"}
STATUS_OPEN, STATUS_RESOLVED = "待复核", "已消失"


def empty() -> pd.DataFrame:
    return _tables.frame("reviews", [])


def read_workbook(path: str | Path) -> pd.DataFrame:
    """The decisions filled in on a workbook's findings sheet (and its continuation sheets, "… (2)", when
    the findings outgrew one sheet): fingerprint, decision, note, source.

    Rows without a decision are skipped; a decision that is not one of DECISIONS is an error naming its cell."""
    from openpyxl import load_workbook
    path = Path(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputError(f"找不到工作簿 {path}") from None
    except Exception as e:  # noqa: BLE001  (openpyxl raises several types for a file that is not xlsx)
        raise InputError(f"无法读取工作簿 {path}（{type(e).__name__}）", "请选择 evalkit report 生成的 summary.xlsx") from None
    found = []
    try:
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if not header:
                continue
            names = [_column_name(h) for h in header]
            if "fingerprint" not in names or DECISION_COL not in names:
                continue
            i_fp, i_dec = names.index("fingerprint"), names.index(DECISION_COL)
            i_note = names.index(NOTE_COL) if NOTE_COL in names else None
            out, bad = [], []
            for n, row in enumerate(rows, 2):
                fp = _text(row[i_fp]) if i_fp < len(row) else ""
                dec = _text(row[i_dec]) if i_dec < len(row) else ""
                if not dec:
                    continue
                if dec not in DECISIONS:
                    bad.append(f"第{n}行“{dec}”")
                    continue
                if not fp:
                    bad.append(f"第{n}行缺少指纹")
                    continue
                note = _text(row[i_note]) if i_note is not None and i_note < len(row) else ""
                out.append({"fingerprint": fp, "decision": dec, "note": note or None,
                            "source": f"{path.name}#{ws.title}"})
            if bad:
                raise UsageError(f"工作表“{ws.title}”的复核结论有 {len(bad)} 处无法识别：{'、'.join(bad[:10])}",
                                 f"复核结论只能填 {'/'.join(DECISIONS)}（可留空）；未导入任何结论")
            found.append(pd.DataFrame(out, columns=["fingerprint", "decision", "note", "source"]))
    finally:
        wb.close()
    if found:
        found = [f for f in found if len(f)] or found[:1]
        return pd.concat(found, ignore_index=True).drop_duplicates("fingerprint", keep="last")
    raise InputError(f"工作簿 {path} 中没有带“指纹”和“复核结论”列的检查发现表",
                     "请使用 evalkit report 生成的 summary.xlsx 的“检查发现”工作表填写")


def _column_name(h) -> str:
    """A header cell is "中文\\ncolumn_name" (or just the Chinese label): the column name, or the label's column."""
    text = _text(h)
    last = text.split("\n")[-1].strip()
    for col, label in {**LABELS, "fingerprint": "指纹"}.items():
        if last in (col, label):
            return col
    return last


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def merge(current: pd.DataFrame | None, new: pd.DataFrame, when: str | None = None) -> pd.DataFrame:
    """The reviews table with `new` decisions replacing earlier ones on the same fingerprint."""
    when = when or dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")
    new = new.assign(decided_at=when)
    old = current if current is not None and not current.empty else empty()
    old = old[~old["fingerprint"].isin(new["fingerprint"])]
    rows = pd.concat([old, new], ignore_index=True).to_dict("records")
    return _tables.frame("reviews", rows).sort_values("fingerprint", kind="stable").reset_index(drop=True)


def import_workbook(data_dir: str | Path, workbook: str | Path) -> dict:
    """Store the workbook's decisions in the dataset (atomically, under its lock); counts for the user."""
    from evalkit.store import dataset_lock, layout_of, load, write_atomic
    new = read_workbook(workbook)
    with dataset_lock(data_dir):
        t = load(data_dir, lock=False)
        known = set(t.get("findings", pd.DataFrame({"fingerprint": []}))["fingerprint"].dropna())
        t["reviews"] = merge(t.get("reviews"), new)
        write_atomic(t, data_dir, lock=False, layout=layout_of(data_dir))
    return {"imported": len(new), "matched": int(new["fingerprint"].isin(known).sum()),
            "unmatched": int((~new["fingerprint"].isin(known)).sum()), "total": len(t["reviews"])}


def decisions(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Findings with their decision (`decision`, `note`, `decided_at`; 待复核 when none), plus a row
    for each decision whose finding is gone (`status` 已消失: resolved)."""
    f = tables.get("findings")
    f = f if f is not None else pd.DataFrame(columns=["fingerprint"])
    r = tables.get("reviews")
    r = r if r is not None and not r.empty else empty()
    if "fingerprint" not in f.columns:
        f = f.assign(fingerprint=pd.Series(dtype="str"))
    merged = f.merge(r[["fingerprint", "decision", "note", "decided_at"]], on="fingerprint", how="left")
    merged["status"] = merged["decision"].astype("object").where(merged["decision"].notna(), STATUS_OPEN)
    gone = r[~r["fingerprint"].isin(f["fingerprint"].dropna())]
    if len(gone):
        merged = pd.concat([merged, gone.assign(status=STATUS_RESOLVED)], ignore_index=True)
    return merged


def active(findings: pd.DataFrame, reviews: pd.DataFrame | None) -> pd.DataFrame:
    """Findings a report still acts on: those not dismissed (排除) by a reviewer."""
    if reviews is None or reviews.empty or "fingerprint" not in findings.columns:
        return findings
    dismissed = set(reviews.loc[reviews["decision"] == "排除", "fingerprint"])
    return findings[~findings["fingerprint"].isin(dismissed)]


def file_findings(path: str | Path, tables: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    """The not-dismissed findings of one file, matched to the dataset by content (any copy works);
    None when the dataset has no such file."""
    from evalkit.discover import hash_file
    rep = tables["reports"]
    ids = set(rep.loc[rep["sha256"] == hash_file(Path(path)), "report_id"].dropna())
    if not ids:
        return None
    f = tables["findings"]
    return active(f[f["report_id"].isin(ids)], tables.get("reviews"))


def format_list(tables: dict[str, pd.DataFrame], show_open: bool = False) -> str:
    """The decisions (and with show_open the findings still awaiting one) as aligned text."""
    d = decisions(tables)
    if not show_open:
        d = d[d["status"] != STATUS_OPEN]
    if d.empty:
        return "（还没有复核结论）" if not show_open else "（没有检查发现）"
    lines = []
    counts = d["status"].value_counts()
    lines.append("，".join(f"{k} {int(v)} 条" for k, v in counts.items()))
    for row in d.sort_values(["status", "fingerprint"], kind="stable").itertuples(index=False):
        msg = getattr(row, "message", None)
        msg = msg if isinstance(msg, str) else "（该发现已不再出现：已解决）"
        note = row.note if isinstance(row.note, str) and row.note else ""
        src = getattr(row, "source_file", None)
        lines.append(f"[{row.status}] {row.fingerprint}  {src if isinstance(src, str) else ''}  {msg}"
                     + (f"  —— {note}" if note else ""))
    return "\n".join(lines)
