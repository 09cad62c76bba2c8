"""Header and label vocabulary of self-evaluation tables: what a cell's words mean, not where it sits."""
from __future__ import annotations

import re
from functools import lru_cache

from evalkit.normalize import drop_parenthetical, strip_annotation

# --- indicator tables -------------------------------------------------------------------
INDICATOR_HEADER = [  # (role, pattern on the header cell without whitespace/parentheses), first match wins
    ("level1", re.compile(r"^一级(指标)?$")),
    ("level2", re.compile(r"^二级(指标)?$")),
    ("level3", re.compile(r"^(三级(指标)?|指标内容|目标指标|绩效指标名称|指标名称)$")),
    ("op", re.compile(r"^指标性质$")),
    ("unit", re.compile(r"^(度量|计量)单位$")),
    ("deviation", re.compile(r"偏差|未完成.*原因|原因分析|改进措施")),
    ("ignore", re.compile(r"完成率|具体指标|评价标准|评分标准|指标解释|备注")),
    ("actual", re.compile(r"实际完成值|业绩值|^完成值$|全年实际值|实际值|实际完成|完成情况值")),
    ("target", re.compile(r"年度指标值|目标值|^指标值$|指标目标值|预期指标值|预期目标值|计划指标值")),
    ("weight", re.compile(r"^(分值|权重|满分|标准分值|权重分)$")),
    ("score", re.compile(r"得分|^评分$")),
]

# --- budget blocks ----------------------------------------------------------------------
BUDGET_HEADER = [
    ("budget_initial", re.compile(r"^(年初预算(数|资金|金额)?|计划安排资金)$")),
    ("execution_rate", re.compile(r"^(预算)?执行率(%)?$")),
    ("budget_full_year", re.compile(r"^(全年预算(数|资金)?|调整后预算(数)?|预算调整数)$")),
    ("executed", re.compile(r"^(全年执行(数|资金)?|预算执行数|执行数|实际支出(数)?|实际执行数)$")),
    ("budget_weight", re.compile(r"^(分值|权重)$")),
    ("budget_score", re.compile(r"^得分$")),
]
BUDGET_TOTAL_LABEL = re.compile(r"^(年度资金总额|资金总额|总额|合计|总计)$")
BUDGET_KV = [  # a label cell followed by its value, in row-wise budget tables
    ("budget_initial", re.compile(r"^(年初预算(资金|数)?|计划安排资金)$")),
    ("budget_full_year", re.compile(r"^(全年预算(资金|数)?|调整后预算(数)?)$")),
    ("executed", re.compile(r"^(全年执行(资金|数)?|实际支出|预算执行数)$")),
    ("execution_rate", re.compile(r"^(预算)?执行率(%)?$")),
]
BUDGET_LINE = re.compile(r"^(预算执行率|资金执行率|预算执行情况|年度资金总额)$")

# --- levels -----------------------------------------------------------------------------
LEVEL1 = re.compile(r"^(项目)?(产出|效益|满意度|成本|预算执行|决策|过程|管理|绩效|履职效能|效果)(指标)?$")
LEVEL2 = re.compile(
    r"^(数量|质量|时效|成本|经济效益|社会效益|生态效益|环境效益|可持续影响|服务对象满意度|满意度|"
    r"经济成本|社会成本|生态环境成本|项目目标|决策过程|资金分配|资金到位|资金管理|组织实施|"
    r"项目产出|项目效果|项目效益)(指标)?$")
IMPLIED_LEVEL1 = [  # the standard hierarchy: a level-2 name implies its level-1 group
    (re.compile(r"^(数量|质量|时效|成本)指标$"), "产出指标"),
    (re.compile(r"^(经济效益|社会效益|生态效益|环境效益|可持续影响)(指标)?$"), "效益指标"),
    (re.compile(r"^服务对象满意度(指标)?$"), "满意度指标"),
]
STANDARD_LEVEL1 = {"产出指标", "效益指标", "满意度指标"}
TOTAL_LABEL = re.compile(r"^(总分|合计|总计|总得分|综合得分|自评总分)$")
PLACEHOLDER = re.compile(r"^(\.{2,}|…+|[.。…]+)$")

# --- summary tables and statements --------------------------------------------------------
SUMMARY_DUE = re.compile(r"^应评价(数|项目数)?$")
SUMMARY_DONE = re.compile(r"^已评价(数|项目数)?$")
GRADE_CELL = re.compile(r"^(?:其中[:：])?(优秀|良好|合格|不合格|较差|中等|优|良|中|差)$")
AGENCY_LABEL = re.compile(r"^(实施单位|项目单位|项目实施单位|填报单位|填报部门|单位名称|预算单位)$")
OVERALL_SCORE_LABEL = re.compile(r"^(绩效自评综合得分|自评综合得分|综合得分|自评总得分|绩效自评得分)$")
OVERALL_GRADE_LABEL = re.compile(r"^(评价等次|评价等级|自评等级|自评等次|绩效等级|绩效评价等级)$")


@lru_cache(maxsize=65536)
def key(cell: str | None) -> str:
    """A cell's words for vocabulary lookups: no whitespace, no parenthetical notes (memoized: cells repeat)."""
    return drop_parenthetical(cell or "")


def role_of(cell: str, table) -> str | None:
    """The role a header/label cell plays under one vocabulary table, or None."""
    return _role(key(cell), id(table), tuple(table))


@lru_cache(maxsize=65536)
def _role(k: str, _table_id: int, table: tuple) -> str | None:
    if not k:
        return None
    for role, pat in table:
        if pat.search(k):
            return role
    return None


@lru_cache(maxsize=65536)
def level_name(cell: str | None) -> str | None:
    """The level vocabulary form of a label ('产出 指标(50分)' -> '产出指标')."""
    if not cell:
        return None
    return key(strip_annotation(re.sub(r"\s+", "", cell))) or None


def is_level1(cell: str | None) -> bool:
    n = level_name(cell)
    return bool(n) and bool(LEVEL1.match(n))


def is_level2(cell: str | None) -> bool:
    n = level_name(cell)
    return bool(n) and bool(LEVEL2.match(n))


def implied_level1(level2: str | None) -> str | None:
    n = level_name(level2)
    if not n:
        return None
    for pat, l1 in IMPLIED_LEVEL1:
        if pat.match(n):
            return l1
    return None
