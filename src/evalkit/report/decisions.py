"""What reviewers decided about the findings, for the report's text: counts by decision, and the
dismissed (排除) and resolved (已消失) ones listed apart with their reasons."""
from __future__ import annotations

from typing import Mapping

import pandas as pd

from evalkit import review

ORDER = (*review.DECISIONS, review.STATUS_OPEN)      # 确认 排除 已整改 待复核


def decision_text(counts: Mapping[str, int]) -> str:
    """headline["reviews"] as one Chinese sentence: 确认 2 条、排除 1 条、已整改 0 条、待复核 12 条 (+ 已消失)."""
    total = sum(int(counts.get(k, 0)) for k in ORDER)
    if not total and not counts.get(review.STATUS_RESOLVED):
        return "没有检查发现，无需复核。"
    txt = f"检查发现{total}条按复核结论：" + "、".join(f"{k}{int(counts.get(k, 0))}条" for k in ORDER) + "。"
    if counts.get("排除"):
        txt += "排除的发现不计入问题数和红旗，另列于下。"
    gone = int(counts.get(review.STATUS_RESOLVED, 0))
    if gone:
        txt += f"另有{gone}条已有复核结论的发现本次不再出现（已消失，视为已解决）。"
    return txt


def set_apart(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The dismissed and the resolved decisions with their reasons, Chinese column names, for a table."""
    d = review.decisions(dict(tables))
    d = d[d["status"].isin(["排除", review.STATUS_RESOLVED])]
    cols = {"status": "复核结论", "source_file": "来源文件", "title": "规则", "message": "问题说明",
            "location": "位置", "note": "理由", "decided_at": "复核时间"}
    d = d.assign(**{c: None for c in cols if c not in d.columns})
    out = d[list(cols)].rename(columns=cols).reset_index(drop=True)
    out["理由"] = out["理由"].astype("object").where(out["理由"].notna() & (out["理由"].astype(str) != ""), "（未填写理由）")
    return out.astype("object").where(out.notna(), "—")
