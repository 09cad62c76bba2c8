"""Every word and pattern recognition reads a self-evaluation by: what a cell or sentence means, not
where it sits. A new layout usually needs only new words here (README, 新增版式)."""
from __future__ import annotations

import re
from functools import lru_cache

from evalkit.grades import WORD_PATTERN as GRADE_WORDS
from evalkit.normalize import MONEY_UNITS, clean_text, drop_parenthetical, strip_annotation

# --- indicator tables -------------------------------------------------------------------
INDICATOR_HEADER = [  # (role, pattern on the header cell without whitespace/parentheses), first match wins
    ("seq", re.compile(r"^(序号|编号|行次|序)$")),       # a row number column: its cells are no label or figure
    ("level1", re.compile(r"^(一级(指标)?|项目权重)$")),      # 项目权重: 湖北 广水's column of 项目决策2分, 项目管理13分
    ("level2", re.compile(r"^二级(指标)?$")),
    ("level3", re.compile(r"^(三级(指标)?|指标内容|目标指标|绩效指标名称|指标名称|评价内容)$")),
    ("op", re.compile(r"^指标性质$")),
    ("unit", re.compile(r"^(度量|计量)单位$")),
    ("deviation", re.compile(r"偏差|未完成.*原因|原因分析|改进措施")),
    ("ignore", re.compile(r"完成率|具体指标|评价标准|评分标准|指标解释|备注|复核|采集数据项|^数据项\d*$|^理由$")),    # 复核分:
    # the reviewer's, not the self-evaluation's; 采集数据项 (数据项1 | 数据项2): the figures a 指标值 is computed from; 理由:
    # the examples a yes-or-no line gives for its 是 (not a deviation's reason)
    ("actual", re.compile(r"实际完成值|业绩值|^完成值$|全年实际值|实际值|实际完成|完成情况值|全年完成值|^完成数$|"
                          r"实际达[到成]值|^(实施|完成|执行)进度$|^年[终末]完成值$")),
    ("target", re.compile(r"年度指标值|目标值|^指标值$|指标目标值|预期指标值|预期目标值|计划指标值|^(年度)?计划值$|计划完成值")),
    ("weight", re.compile(r"^(分值|权重|满分|标准分值?|权重分值?|指标分值|指标权重)$")),
    ("score", re.compile(r"得分|^评分$|^自评分(数|值)?$")),
]
# 指标值 right of a 目标值 column is the value achieved, not a second target (吉林's 专项经费绩效评价表: 目标值（标准） | 分值
# | 采集数据项 | 指标值, the last computed from the data items); alone, as in most forms, it is the target
ACHIEVED_AFTER_TARGET = re.compile(r"^指标值$")
# a data item column (采集数据项 over 数据项1 | 理由) is the value achieved where the header names no other: the one item
# of a yes-or-no block, whose 理由 cells give the examples; beside a 指标值 the items are its inputs, not read
DATA_ITEM = re.compile(r"^数据项\d*$")
NAME_ROLES = {"level3", "level2"}                      # an indicator header names its lines …
VALUE_ROLES = {"target", "actual", "weight", "score"}  # … and has at least two of these, or all three levels and a
LEVEL_ROLES = {"level1", "level2", "level3"}            # score (a 得分表: each label states its points, 相关性（5分）)
# the points a label of a 得分表 states after its words: 部门决策（25分）, 相关性(5 分)
POINTS_NOTE = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]$")
# the title of the deviation column; text after it in the header cell is a table-wide reason
DEVIATION_TITLE = re.compile(r"^(偏差原因分析及改进措施|未完成的?原因及拟采取的改进措施|未完成原因分析|偏差原因分析|"
                             r"偏差原因及改进措施|偏差原因|原因分析|改进措施)")

# --- budget blocks ----------------------------------------------------------------------
BUDGET_HEADER = [
    ("budget_initial", re.compile(r"^(年初预算(数|资金|金额)?|计划安排资金)$")),
    ("execution_rate", re.compile(r"^(预算|全年|年度|资金)?执行率(%)?$")),
    # 合计: the total of the sources a header lists before it (中央 | 省、地 | 本级 | 其他 | 合计 | 执行数); 年度预算数: the
    # year's budget, unless the row names 年初预算 or 调整后预算数 too (then it titles the block: 四川's 年度预算数（万元） |
    # 年初预算 | 调整后预算数 | …, budget.header_roles)
    ("budget_full_year", re.compile(r"^(全年预算(数|资金)?|调整后预算(数)?|预算调整数|预算数|合计|资金合计|预算合计|年度预算数?)$")),
    ("executed", re.compile(r"^(全年执行(数|资金)?|预算执行数|执行数|实际支出(数)?|实际执行数|(全年|本年|年度)(执行|支出)数)$")),
    ("budget_weight", re.compile(r"^(分值|权重)$")),
    ("budget_score", re.compile(r"^得分$")),
]
BUDGET_AMOUNTS = {"budget_initial", "budget_full_year", "executed"}   # a budget header names two of these
BUDGET_TOTAL_LABEL = re.compile(r"^((年度)?(财政)?资金总额|总额|合计|总计)$")
# The rows under the total that break it down (其中：本年财政拨款 | 上年结转资金 | 其他资金): (kind, pattern), first
# match wins. The kinds that are parts of another (中央资金 within 财政拨款) are in BUDGET_PART_WITHIN; 其他资金, the
# catch-all, makes the breakdown complete (its parts must add up to the total, not only stay under it).
BUDGET_PART_PREFIX = re.compile(r"^(其中|含)[：:]?")
BUDGET_PARTS = [
    ("special_account", re.compile(r"^财政专户(管理)?(资金|拨款)$")),
    ("fiscal", re.compile(r"^(本年|当年|本级)?(度)?财政(拨款|资金|补助资金|性资金|预算资金|补助)(收入)?$")),
    ("fund", re.compile(r"^(一般公共预算|政府性基金(预算)?|国有资本经营预算)(资金|拨款)?(收入)?$")),
    ("level", re.compile(r"^(中央|省级?|市级?|县级?|区级?|地方|州级?|乡镇|本级)(财政)?(补助|转移支付|配套)?(资金|拨款)$")),
    ("carryover", re.compile(r"^(上年|以前年度)?(结转(结余)?|结余)(资金|结余)?$|^上年结转(资金)?$")),
    ("unit", re.compile(r"^(单位(自有|自筹)?资金|自筹资金|事业收入|经营收入|单位自有资金)$")),
    ("other", re.compile(r"^其[他它](资金|收入)?$")),
]
# 中央资金 or 一般公共预算 rows break 财政拨款 down further: summed only where no 财政拨款 row stands beside them; they
# are the kinds several rows may share
BUDGET_PART_WITHIN = {"level": "fiscal", "fund": "fiscal"}
BUDGET_PART_ALL = "other"                     # the catch-all row: with it the parts are the whole total
# the title over a breakdown of the total (a 部门整体支出绩效自评表: 按收入性质分： | … | 按支出性质分：): the parts follow it
BUDGET_BREAKDOWN = re.compile(r"^按(收入|资金|支出)(性质|来源|类别)分?[:：]?$")


def budget_part(cell: str | None) -> tuple[str, str] | None:
    """(kind, label as written) of a row label that names one part of a budget total, else None."""
    k = key(cell)
    kind = role_of(BUDGET_PART_PREFIX.sub("", k), BUDGET_PARTS) if k else None
    return (kind, k) if kind else None


BUDGET_KV = [  # a label cell followed by its value, in row-wise budget tables
    ("budget_initial", re.compile(r"^(年初预算(资金|数)?|计划安排资金)$")),
    ("budget_full_year", re.compile(r"^(全年预算(资金|数)?|调整后预算(数)?)$")),
    ("executed", re.compile(r"^(全年执行(资金|数)?|实际支出|预算执行数)$")),
    ("execution_rate", re.compile(r"^(预算)?执行率(%)?$")),
]
# The unit a document states its amounts in (the contract's are 万元): in a label or header cell (年初预算数（元）,
# 资金情况(单位：元)), or in a note above or inside the table (单位：元). 元/人 and the like are no amount's unit.
_MONEY_UNIT = "(" + "|".join(sorted(MONEY_UNITS, key=len, reverse=True)) + ")"      # longest first: 百万元 before 万元
MONEY_UNIT_IN_CELL = re.compile(r"[(（]\s*(?:(?:金额|资金)?单位\s*[:：]\s*)?" + _MONEY_UNIT + r"\s*[)）]")
MONEY_UNIT_NOTE = re.compile(r"^(?:金额|资金)?单位\s*[:：]\s*" + _MONEY_UNIT + r"(?![\u4e00-\u9fa5/／每])")
MONEY_SECTION = re.compile(r"(资金|金额|预算|经费|支出)[^（()）]{0,8}" + MONEY_UNIT_IN_CELL.pattern + r"$")   # 资金情况（元）
BUDGET_LINE = re.compile(r"^(预算执行率|资金执行率|预算执行情况|年度资金总额)$")   # an indicator line that is the budget's
BUDGET_GROUP = "预算执行"          # a level-1 group starting so holds the budget line
REF_CELL = re.compile(r"^[(（]\d+[)）]")   # row references between a label and its value: (1), (7)=(4)/(2)

# --- levels and the standard hierarchy --------------------------------------------------
# the label of the whole indicator block, merged over its rows left of the 一级指标 column (a level-1 word too)
BLOCK_LABELS = ("绩效指标", "项目绩效指标")


def block_label_part(cell: str | None) -> bool:
    """The block's label, or the start or end of it (its lines printed beside two rows: 绩效 | 指标)."""
    t = clean_text(cell)
    return bool(t) and any(w.startswith(t) or w.endswith(t) for w in BLOCK_LABELS)


LEVEL1_WORDS = ("产出", "效益", "满意度", "成本", "预算执行率?", "资金执行率?", "决策", "过程", "管理", "绩效", "履职效能",
                "效果", "投入", "预算绩效")
LEVEL2_WORDS = ("数量", "质量", "时效", "成本", "经济效益", "社会效益", "生态效益", "环境效益", "可持续影响", "服务对象满意度",
                "满意度", "经济成本", "社会成本", "生态环境成本", "项目目标", "决策过程", "资金分配", "资金到位", "资金管理",
                "组织实施", "项目产出", "项目效果", "项目效益", "预算执行率?", "资金执行率?",
                # the 财政部 framework's (项目立项, 绩效目标, 资金投入), 四川's (科学决策, 项目执行, 项目完成) and the 湖南
                # 部门整体 form's (预算配置, 预算管理, 资产管理, 职责履行, 履职效益); 吉林's 专项经费绩效评价表 groups
                # its lines so too (一级 预算绩效: 二级 预算管理, 财务管理; 项目产出: 产出数量, 产出质量, 产出时效, 产出成本)
                "项目立项", "绩效目标", "资金投入", "科学决策", "项目执行", "项目完成", "预算配置", "预算管理", "资产管理",
                "职责履行", "履职效益", "财务管理", "产出数量", "产出质量", "产出时效", "产出成本")
LEVEL1 = re.compile(r"^(项目)?(" + "|".join(LEVEL1_WORDS) + r")(指标)?$")
LEVEL2 = re.compile(r"^(" + "|".join(LEVEL2_WORDS) + r")(指标)?$")
LEVEL_ETC = "指标等"        # 服务对象满意度指标等: the template's 等 after a level label
CUT_LABEL_MIN = 4        # glyphs: a shorter start of a label (满意, 社会) may be a name of its own
IMPLIED_LEVEL1 = [  # the standard hierarchy: a level-2 name implies its level-1 group (recognition and checks)
    (re.compile(r"^(数量|质量|时效|成本)指标$"), "产出指标"),
    (re.compile(r"^(经济效益|社会效益|生态效益|环境效益|可持续影响)(指标)?$"), "效益指标"),
    (re.compile(r"^服务对象满意度(指标)?$"), "满意度指标"),
]
STANDARD_LEVEL1 = {l1 for _, l1 in IMPLIED_LEVEL1}
TOTAL_LABEL = re.compile(r"^(总分|合计|总计|总得分|综合得分|自评总分)$")
# a form's prose fields, which some templates put inside the indicator table, above its 总分 row: no indicator
FORM_NOTE_LABEL = re.compile(r"^(其他需要说明的?事项|其他需说明的?事项|其他说明事项|评价结论|自评结论|存在的?问题|改进措施|"
                             r"下一步改进措施|主要经验及做法|备注)$")
# a goal the form states inside its indicator table (项目年度目标1：对机关局域网络改造升级…): a statement, no line
GOAL_STATEMENT = re.compile(r"^(项目)?(年度)?(总体|绩效)?目标\d*[：:]")
# a template's optional line (经济效益（可选项）): left without figures, it is an option not taken, no line
OPTIONAL_NOTE = re.compile(r"[（(](可选项?|选填项?)[)）]")
PLACEHOLDER = re.compile(r"^[.。…．·・‥⋯]+$")      # "....." or "……" (a full-width "．．．．．" too): a row kept empty

# --- summary tables (汇总表) --------------------------------------------------------------
SUMMARY_DUE = re.compile(r"^应评价(数|项目数)?$")
SUMMARY_DONE = re.compile(r"^已评价(数|项目数)?$")
SUMMARY_PROJECTS = re.compile(r"项目.*[数个]|[数个].*项目")   # the row of project counts
SUMMARY_FUNDS = re.compile(r"资金")                           # the row of amounts
SUMMARY_AVG = re.compile(r"^(平均得分|平均分)$")
GRADE_CELL = re.compile(rf"^(?:其中[:：])?({GRADE_WORDS})$")
SUMMARY_NOTE = re.compile(r"^说明")                # a note paragraph below a summary table …
SUMMARY_NOTE_MORE = re.compile(r"^\d+\s*[.、．]")  # … and its numbered continuation

# --- form fields and paragraphs -----------------------------------------------------------
# the labels a form names its project by: 项目名称, and the 专项/资金/转移支付 forms' (专项名称, 资金名称, 转移支付名称)
PROJECT_LABELS = re.compile(r"^(项目名称|专项名称|专项资金名称|资金名称|项目资金名称|转移支付名称|转移支付项目名称)$")


def is_project_label(k: str | None) -> bool:
    """Whether a cell's words (`key`) are a label naming the project."""
    return bool(k) and bool(PROJECT_LABELS.match(k))


AGENCY_LABEL = re.compile(r"^(实施单位|项目单位|项目实施单位|填报单位|填报部门|单位名称|预算单位|部门名称)$")
AGENCY_LIKE = re.compile(r"^[\u4e00-\u9fa5（）()]{3,30}(局|中心|委员会|办公室|事务所|站|院|部|处)$")
AGENCY_SUFFIX = re.compile(r"[-－]\d+$")   # a form number after a labelled agency name
AGENCY_CODE = re.compile(r"^\d{3,}[-－—]\s*(?=[\u4e00-\u9fa5])")   # its unit code before it (219001-池州市贵池区…)
# a paragraph 项目名称：… / 实施单位：…: a short label and its value; the label one of PROJECT_LABELS or AGENCY_LABEL
PARA_KV = re.compile(r"^\s*([^:：]{2,14}?)\s*[:：]\s*(.+)$")
# the next label on the same line ends the value (填报单位（公章）：延边州商务局  单位负责人：张三): spaces, then a short label
NEXT_LABEL = re.compile(r"\s+(?=[\u4e00-\u9fa5（）()]{2,10}\s*[:：])")
OVERALL_SCORE_LABEL = re.compile(r"^(绩效自评综合得分|自评综合得分|综合得分|自评总得分|绩效自评得分)$")
OVERALL_GRADE_LABEL = re.compile(r"^(评价等次|评价等级|自评等级|自评等次|绩效等级|绩效评价等级)$")

# --- statements in prose ------------------------------------------------------------------
NUM = r"(\d+(?:\.\d+)?)"
OVERALL_SENTENCES = [
    re.compile(r"总得分\s*[为是:：]?\s*" + NUM + r"\s*分"),
    re.compile(r"(?:部门整体|整体|部门)[^。；\n]{0,30}?自评得分\s*[为是:：]?\s*" + NUM + r"\s*分"),
    re.compile(r"(?:综合得分|自评综合得分)\s*[为是:：]\s*" + NUM + r"\s*分"),
]
GRADE_IN_SENTENCE = re.compile(r"(?:属于|评价等次为|评价等级为|等次为|等级为|评定为|评为)\s*[\"“”「]?"
                               rf"({GRADE_WORDS})")
PART_FULL = re.compile(r"满分\s*" + NUM + r"\s*分\s*[，,、]\s*自评得分\s*" + NUM + r"\s*分")
PART_SCORE = re.compile(r"(?<![自总合均评])得分\s*" + NUM + r"\s*分")
PART_LABEL = re.compile(r"^\s*(?:[(（]?[\d一二三四五六七八九十]+[)）.、．]\s*)?([\u4e00-\u9fa5]{2,12}?)\s*[。：:，,（(]")
PART_LABEL_BEFORE = re.compile(r"[\u4e00-\u9fa5]{2,8}$")
CN_YEAR_DIGITS = "[二][〇○零OＯ一二三四五六七八九]{3}"          # 二〇二三: a year written digit by digit in Chinese
PROJECT_FROM_TEXT = re.compile(rf"(?:20\d{{2}}|{CN_YEAR_DIGITS})\s*年度?([\u4e00-\u9fa5]{{2,12}}?(?:基金|资金|项目|经费))"
                               r"(?:支出|目标|绩效)")
# a title naming the fund its form evaluates, on a line of its own (长吉图发展战略专项经费绩效评价表, 2023年度XX专项资金绩效自评表);
# an agency's 项目资金 (…局项目资金绩效自评表) names no project
PROJECT_FROM_TITLE = re.compile(r"^(?:20\d{2}\s*年度?)?([\u4e00-\u9fa5（）()]{2,30}?(?<!项目)(?:专项资金|专项经费|资金|经费))"
                                r"(?:项目)?(?:支出)?绩效(?:自评|评价)(?:表|报告)$")
# a template's filling instruction left in place of the text it asks for (对照年度目标，说明相关任务目标的完成情况(100字以内),
# 结合自评情况，说明项目自评总分…(200字以内)): an imperative sentence ending in its length limit
TEMPLATE_INSTRUCTION = re.compile(r"^(结合|对照|针对|说明|简要说明|简述|请|填写|根据).{0,80}[（(]\s*\d+\s*字(以内|左右)\s*[)）]\s*[。.]?$")
# the title of a department's whole-expenditure form (部门整体支出绩效自评表): its table is the department's, not a project's
WHOLE_DEPARTMENT_TITLE = re.compile(r"(部门|单位)(?:[（(]单位[）)])?整体支出绩效(自评|评价)(得分|评分)?表")
WHOLE_DEPARTMENT_NAME = "部门整体支出"   # the name its table takes (it states no 项目名称)
DEPARTMENT_WORDS = re.compile(r"部门决算|部门(?:[（(]单位[）)])?整体|单位整体|单位决算|决算公开")   # 部门（单位）整体支出绩效自评表
YEAR_TABLE = re.compile(r"[(（]\s*(\d{4})\s*年度?\s*[)）]")
# a title line opening with its year: 2024年度茂南区医疗保障局项目支出绩效自评表, 2024年…项目绩效自评报告
YEAR_TITLE = re.compile(r"\s*(20\d{2})\s*年度?.{0,30}?(?:自评表|评价表|自评报告|评价报告)\s*$")
YEAR_ANY = re.compile(r"(20\d{2})\s*年(?:度|(?=[^\d月]{0,12}?(?:项目支出|绩效|自评|部门决算)))")   # 2023年度, 2023年项目支出绩效…
YEAR_IN_NAME = re.compile(r"(?<!\d)" + YEAR_ANY.pattern)   # the same in a file name: 00286_2022年度…, not 12023年度
YEARS_IN_NAME = re.compile(r"(?<!\d)20\d{2}\s*年?度?\s*[-—–~～至到、,，和及]\s*20\d{2}\s*年")   # 2019-2023年度: several
CN_YEAR = re.compile(rf"({CN_YEAR_DIGITS})(?=\s*年)")      # 二〇二三年度: the year digit by digit
YEAR_SPAN = re.compile(r"(20\d{2})\s*年\s*\d{1,2}\s*月\s*起")

# --- the document's date and version (which of two versions of one report is the later) -----------
CN_DIGITS = "〇○零一二三四五六七八九"       # 二〇二五年三月二十八日: the year digit by digit
_CN = "[〇○零一二三四五六七八九十]"
DATE_FULL = [   # (year, month, day) as printed: 2025年3月28日, 2025.3.28, 2025-03-28, 二〇二五年三月二十八日
    re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
    re.compile(r"(?<![\d.])(20\d{2})\s*[.．/／-]\s*(\d{1,2})\s*[.．/／-]\s*(\d{1,2})(?![\d.])"),
    re.compile(rf"([二][〇○零一二三四五六七八九]{{3}})\s*年\s*({_CN}{{1,2}})\s*月\s*({_CN}{{1,3}})\s*日"),
]
DATE_MONTH = re.compile(rf"^(20\d{{2}}|二[〇○零一二三四五六七八九]{{3}})\s*年\s*(\d{{1,2}}|{_CN}{{1,2}})\s*月$")   # a line alone: 2022年2月
DATE_LABEL = re.compile(r"(?:填报|报送|编制|报告|出具|成文|落款)?日期\s*[:：]?\s*$")   # the words just before a dated field
# Words in a file's name, or bracketed in its title, that say which version it is: a later one
# (更正, 修订, 定稿 …) or an earlier one (初稿, 征求意见稿 …). Words that also name projects (更新,
# 调整) are left out: both versions of a report carry the project's name.
VERSION_LATER = re.compile(r"更正|修正|订正|勘误|修订|修改稿|修改版|修改后|补正|更新版|重报|重新报送|重新上报|"
                           r"最终版|最终稿|终稿|定稿|正式版|新版|替换版")
VERSION_EARLIER = re.compile(r"初稿|草稿|征求意见稿|送审稿|讨论稿|旧版|原版|作废|废止|已撤回|撤回")
VERSION_NUMBER = re.compile(r"(?<![A-Za-z])[vV]\s*(\d{1,2})(?:\.\d+)?(?!\d)|第\s*([\d一二三四五六七八九十]{1,2})\s*[版稿次]|"
                            r"([二三四五六七八九十])稿")
VERSION_IN_TITLE = re.compile(r"[（(【\[〔]\s*([^（()）【】\[\]〔〕]{0,8}?)\s*[）)】\]〕]")   # a bracketed word in a title line
TITLE_LINES = 6          # the opening paragraphs a version word in brackets is looked for in …
TITLE_MAX = 80           # … each a title's length, not a sentence's


# --- the 部门决算 results paragraph ---------------------------------------------------------
DEPT_ANCHOR = re.compile(r"绩效自评的?(?:年度)?(?:项目)")
# where the sentence puts a figure, in order; 个 in a word is no count (个旧市: the agency's name opens the sentence)
DEPT_SLOT = re.compile(r"平均得?分(?=分)|年度|万元|个(?![旧人别体性案])")
DEPT_GRADE_COUNT = re.compile(rf"为({GRADE_WORDS})的?项目$")
DEPT_PART_ONE = re.compile(r"第一部分(.+?)概况")
DEPT_COVER = re.compile(r"^(.+?)(?:\d{4})?年度?部门决算")
DEPT_TITLE_YEAR = re.compile(r"(20\d{2})\s*年度?部门决算")


# Header words as printed, for a header cell that matches no pattern above but one of these with a single
# character read wrong (OCR: 三级指示 for 三级指标, 年度指示值, 全年执行效, 公值): it takes that word's role when no
# word of another role is as near. Four characters at least on their own (in shorter words one character is too
# much); two in a row that reads as a header already, for a role no other column has (near_in_header).
NEAR_HEADER_WORDS = {
    "indicator": ("一级指标", "二级指标", "三级指标", "指标内容", "指标名称", "绩效指标名称", "年度指标值", "指标目标值",
                  "预期指标值", "预期目标值", "计划指标值", "计划完成值", "实际完成值", "全年实际值", "完成情况值",
                  "全年完成值", "实际达到值", "标准分值", "权重分值", "指标分值", "指标权重", "偏差原因分析及改进措施",
                  "偏差原因分析", "未完成原因分析", "偏差原因及改进措施",
                  "分值", "权重", "满分", "得分", "评分", "目标值", "指标值", "实际值", "完成值"),
    "budget": ("年初预算数", "年初预算资金", "年初预算金额", "计划安排资金", "全年预算数", "全年预算资金", "调整后预算数",
               "预算调整数", "全年执行数", "全年执行资金", "预算执行数", "实际支出数", "实际执行数", "预算执行率",
               "分值", "权重", "得分", "执行率", "执行数"),
}
NEAR_MIN_CHARS = 4
NEAR_MIN_CHARS_IN_HEADER = 2


REQUIRED_MARKS = "*＊★☆※▲△"   # a form's mark on a field to fill in (*项目名称, 得分★): not part of the label


@lru_cache(maxsize=65536)
def key(cell: str | None) -> str:
    """A cell's words for vocabulary lookups: no whitespace, no parenthetical notes, no required-field marks."""
    return drop_parenthetical(cell or "").strip(REQUIRED_MARKS)


_ROLES: dict[tuple[int, bool], dict[str, str | None]] = {}   # per vocabulary table and nearness: cell words -> role


def role_of(cell: str, table, near: bool = True) -> str | None:
    """The role a header/label cell plays under one vocabulary table (a module constant), or None; `near`: a word a
    character from one of the table's (a seal or a misprint) too, else its words alone."""
    k = key(cell)
    cache = _ROLES.setdefault((id(table), near), {})
    if k in cache:
        return cache[k]
    if len(cache) > 65536:
        cache.clear()
    role = next((r for r, pat in table if pat.search(k)), None) if k else None
    if role is None and near and len(k) >= NEAR_MIN_CHARS:
        role = _near_role(k, table)
    cache[k] = role
    return role


def near_in_header(cells: list[str], roles: list[str | None], table) -> list[str | None]:
    """A header row's roles, each cell no word names given the role of the one header word it is a single
    character from (two characters and more: the row reads as a header already) when no column has that role."""
    taken, out = set(roles), list(roles)
    for i, (c, r) in enumerate(zip(cells, roles)):
        k = key(c) if r is None else ""
        near = _near_role(k, table) if len(k) >= NEAR_MIN_CHARS_IN_HEADER else None
        if near is not None and near not in taken:
            out[i] = near
            taken.add(near)
    return out


# The national template's budget block (财预〔2020〕10号's 项目支出绩效自评表), its columns in this order with the words
# they print. A header cell a seal's ring or a fold left half read (值 for 分值, 得 for 得分, or nothing) between columns
# read in this order takes the role the template puts there (in_template_order).
BUDGET_TEMPLATE = (("budget_initial", "年初预算数"), ("budget_full_year", "全年预算数"), ("executed", "全年执行数"),
                   ("budget_weight", "分值"), ("execution_rate", "执行率"), ("budget_score", "得分"))


def in_template_order(cells: list[str], roles: list[str | None], template) -> list[str | None]:
    """A header row's roles, its unnamed cells given the template's roles where the row follows the template: three
    columns at least read in its order, and between two of them (or after the last) as many columns as roles the
    template has there, each empty, one character (what a seal's ring left of it: 久 for 分值) or fewer characters
    of its word (行 for 执行率, 得 for 得分: a seal hid the rest)."""
    order = [r for r, _ in template]
    anchors = [(i, order.index(r)) for i, r in enumerate(roles) if r in order]
    if len(anchors) < 3 or any(b[1] <= a[1] for a, b in zip(anchors, anchors[1:])):
        return list(roles)
    out, taken = list(roles), set(roles)
    for (ca, ta), (cb, tb) in zip(anchors, anchors[1:] + [(len(roles), len(order))]):
        gap, wanted = range(ca + 1, cb), template[ta + 1:tb]
        if (gap and len(gap) == len(wanted) and not taken & {r for r, _ in wanted}
                and all(roles[i] is None and (len(key(cells[i])) <= 1 or len(key(cells[i])) < len(word)
                                                  and set(key(cells[i])) <= set(word))
                        for i, (_, word) in zip(gap, wanted))):
            for i, (r, _) in zip(gap, wanted):
                out[i] = r
    return out


_NEAR: dict[int, tuple] = {}   # per vocabulary table: (word, role) of its NEAR_HEADER_WORDS


def _near_role(k: str, table) -> str | None:
    """The role of the one header word `k` differs from by a single character (NEAR_HEADER_WORDS), or None."""
    if id(table) not in _NEAR:
        words = NEAR_HEADER_WORDS.get({id(INDICATOR_HEADER): "indicator", id(BUDGET_HEADER): "budget"}.get(id(table)), ())
        _NEAR[id(table)] = tuple((w, next(r for r, pat in table if pat.search(w))) for w in words)
    roles = {r for w, r in _NEAR[id(table)] if len(w) == len(k) and sum(a != b for a, b in zip(w, k)) == 1}
    return roles.pop() if len(roles) == 1 else None


@lru_cache(maxsize=65536)
def level_name(cell: str | None) -> str | None:
    """The level vocabulary form of a label ('产出 指标(50分)' -> '产出指标'; 服务对象满意度指标等, as some templates print
    it, -> 服务对象满意度指标)."""
    if not cell:
        return None
    k = key(strip_annotation(re.sub(r"\s+", "", cell)))
    return (k[:-1] if k.endswith(LEVEL_ETC) else k) or None


def is_form_label(cell: str | None) -> bool:
    """A label a form puts before its value: 项目名称, 实施单位, 总分, 综合得分, 评价等级 (a cell 项目名称：… is split there)."""
    k = key(cell)
    return bool(k) and (is_project_label(k) or any(p.match(k) for p in (AGENCY_LABEL, TOTAL_LABEL, OVERALL_SCORE_LABEL,
                                                                         OVERALL_GRADE_LABEL)))


def is_level1(cell: str | None) -> bool:
    n = level_name(cell)
    return bool(n) and bool(LEVEL1.match(n))


def is_level2(cell: str | None) -> bool:
    n = level_name(cell)
    return bool(n) and bool(LEVEL2.match(n))


# every level label in full, with and without its 项目 (the starts a narrow cell prints are looked up in them)
_WHOLE_LABELS = tuple(pre + w.replace("率?", "率") + "指标" for w in LEVEL1_WORDS + LEVEL2_WORDS for pre in ("", "项目"))


def is_cut_level_label(cell: str | None) -> bool:
    """The start of a level label a cell too narrow for it cut on paper (可持续影响指, 服务对象满意: a worksheet's
    cell not wrapped prints what fits), CUT_LABEL_MIN glyphs at least; the label itself is no cut one."""
    n = level_name(cell)
    if not n or len(n) < CUT_LABEL_MIN or is_level1(n) or is_level2(n):
        return False
    return any(w.startswith(n) for w in _WHOLE_LABELS)


def implied_level1(level2: str | None) -> str | None:
    """The level-1 group ('产出指标') a standard level-2 name belongs to, else None."""
    n = level_name(level2)
    if not n:
        return None
    for pat, l1 in IMPLIED_LEVEL1:
        if pat.match(n):
            return l1
    return None
