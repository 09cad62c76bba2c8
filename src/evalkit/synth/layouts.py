"""A drawn report written as a text export in one of the reference layouts (`TEXT_RENDER`: cells, dept, annex, tabs,
form; `render_juesuan`: a 部门决算 with its results sentence)."""
from __future__ import annotations

import random
from decimal import Decimal

from evalkit.synth.draw import Report, pick, rand_int
from evalkit.synth.vocab import (D0, D100, DONE, FORM_SYSTEM, GIVEN, GRADE_WORDS, GRADE_WORDS_SH, SECTORS, SURNAMES, fixed2, q2,
                                 trim)


# ------------------------------------------------------------------------------ text layouts

def _person(rng) -> str:
    return pick(rng, SURNAMES) + "".join(pick(rng, GIVEN) for _ in range(pick(rng, [1, 2])))


def _cells(rows: list[list[str]]) -> list[str]:
    """Flavour (a): one cell per line led by a tab, rows separated by blank lines; a cell's hard
    line breaks continue on lines without a tab."""
    out = []
    for r in rows:
        for c in r:
            out.append("\t" + c)
        out.append("")
    return out


def render_cells(rep: Report, rng) -> str:
    """Seed 000: one project's 自评报告 with a one-cell-per-line budget table, section tables and 附件1."""
    p, y = rep.projects[0], rep.year
    L = [""] * 5 + ["项目支出绩效自评报告", "", "", f"项目名称： {p.name}", f"项目单位： {p.agency}",
                    f"主管部门： {p.agency}-{rep.code[:3]}{rand_int(rng, 1, 999):03d}", "", "",
                    f"{y + 1}年{rand_int(rng, 1, 4)}月", "", ""]
    toc = ["一、项目的基本情况\t3", "（一）项目概况\t3", "（二）预算执行情况\t3", "（三）项目绩效目标\t4",
           "二、项目绩效情况\t4", "三、项目绩效分析\t6", "四、项目主要经验做法\t7", "五、项目管理中存在问题及原因分析\t8"]
    L += toc + ["\t", "", "", f"[bookmark: _Toc{rand_int(rng, 10 ** 7, 10 ** 8)}]一、项目的基本情况", "（一）项目概况",
                f"项目概况：{p.goal}", f"立项依据：根据{rep.county}{y}年度部门预算安排及相关政策文件实施。",
                "项目实施计划：根据本单位业务工作需要实施。", "", "（二）预算执行情况", ""]
    ex_l = p.executed
    hdr = ["项目", "行次", "年度总金额(万元)", "财政资金", "上年结转资金(万元)", "其他资金(万元)"]
    rows = [hdr, ["", "", "", "小计", "中央级", "省级", "市级", "县区级", "", ""]]
    rate = trim(p.rate)
    for label, ref, v in [("年初预算资金", "(1)", p.initial), ("全年预算资金", "(2)", p.full),
                          ("实际到位资金", "(3)", p.full), ("全年执行资金", "(4)", ex_l)]:
        rows.append([label, ref, trim(v), trim(v), "", "", "", trim(v), "", ""])
    rows.append(["资金结余", "(5)=(3)-(4)", trim(p.full - ex_l), trim(p.full - ex_l), "0", "0", "0", trim(p.full - ex_l), "0", "0"])
    rows.append(["预算到位率", "(6)=(3)/(2)", "100", "100", "0", "0", "0", "100", "0", "0"])
    rows.append(["预算执行率(%)", "(7)=(4)/(2)", rate, rate, "0", "0", "0", rate, "0", "0"])
    L += _cells(rows)
    L += ["", "（三）项目绩效目标", "（1）. 项目实施期绩效目标", p.goal, "\t", "（2）. 项目年度目标", p.goal, "",
          "二、项目绩效情况",
          f"综合考虑预算执行情况、产出、效益、服务对象满意度各方面因素，通过数据采集及分析，最终评分结果："
          f"{p.name}项目绩效自评价结果为:总得分{trim(p.total)}分，属于\"{GRADE_WORDS[p.grade]}\"。",
          "（一）预算执行情况"]
    head = ["二级指标", "三级指标", "权重", "目标值", "业绩值", "得分"]
    L += _cells([head, ["预算执行指标", "预算执行率", trim(p.bw), "100%", f"{rate}%", trim(p.bs)]]) + ["", ""]
    for title, l1 in [("（二）项目产出情况", "产出指标"), ("（三）项目效益情况", "效益指标"), ("（四）项目满意度情况", "满意度指标")]:
        L.append(title)
        rows, last = [head], None
        for ln in p.lines:
            if ln.level1 != l1:
                continue
            rows.append([ln.level2 if ln.level2 != last else "", ln.level3, trim(ln.weight), ln.target, ln.actual,
                         trim(ln.score)])
            last = ln.level2
        L += _cells(rows) + [""]
    L += ["三、项目绩效分析", "1. 项目实施和预算执行情况及分析",
          f"{y}年我单位{p.name}实际完成情况：项目总支出{trim(ex_l)}万元，占预算经费{rate}%，较好的完成了年初设定目标。",
          "2. 产出情况及分析", f"我单位{y}年度按计划完成各项产出任务。", "3. 效益情况及分析",
          f"我单位{y}年度项目效益较好发挥。", "4. 满意度情况及分析", "经问卷调查，服务对象对项目实施总体满意。",
          "四、项目主要经验做法", "抓好绩效目标编制，及时报送绩效目标，探索绩效跟踪监控，建立健全绩效管理机制。",
          "五、项目管理中存在问题及原因分析", "对产出指标的把控还不够准确，预算绩效管理基础工作有待进一步加强。",
          "六、进一步加强项目管理措施及建议", "健全项目管理机制，细化绩效目标编制工作，加强支出过程监督管理。",
          " 附件1.项目支出绩效自评表", ""]
    rows = [["附件1.项目支出绩效自评表"],
            ["一级指标", "二级指标", "目标指标", "权重", "目标值", "业绩值", "完成率", "指标得分", "偏差原因分析及改进措施"],
            ["预算执行指标", "预算执行指标", "预算执行率", trim(p.bw), "100%", f"{rate}%", f"{fixed2(p.rate)}%", trim(p.bs),
             ""]]
    l1_last = l2_last = None
    for ln in p.lines:
        share = (q2(ln.score * D100 / ln.weight) if ln.weight else D100)
        rows.append([ln.level1 if ln.level1 != l1_last else "", ln.level2 if (ln.level2, ln.level1) != l2_last else "",
                     ln.level3, trim(ln.weight), ln.target, ln.actual, f"{fixed2(share)}%", trim(ln.score), ln.reason])
        l1_last, l2_last = ln.level1, (ln.level2, ln.level1)
    L += _cells(rows)
    return "\n".join(L) + "\n"


# the template's note the 四川 forms leave in the total row's 原因 cell (青神, 大英 2023 as published); before, such a row
# read its figures one column off (the block's title 年度预算数 taken for 年初预算数)
BUDGET_NOTE = ("1.预算执行率=预算执行数/调整后预算数，预算执行率未达到90%的需说明原因(100字以内)；2.年中发生预算调整的(追加或调减)，"
               "应单独说明理由；3.其他资金包括：社会投入资金、银行贷款.")
BUDGET_NOTE_SHARE = 0.5


def render_dept(rep: Report, rng) -> str:
    """Seed 001: a 部门决算 whose 附件 states 部门整体自评得分 and part scores, then one table per project."""
    y, ag = rep.year, rep.agency
    ex = sum((p.executed for p in rep.projects), D0)
    basic = q2(ex * Decimal(str(rng.uniform(0.6, 1.6))))
    total = basic + ex
    L = [" [bookmark: _Toc15377196]", "", "第一部分  部门概况", "", "一、部门职责",
         f"1、贯彻执行国家、省、市关于{rep.sector}工作的方针政策和法律法规。", "2、组织实施本部门年度重点工作任务。",
         "3、完成县委、县政府交办的其他事项。", "", "二、机构设置",
         f"{ag}是正科级行政单位，是有独立法人的一级预算单位，编制人数{rand_int(rng, 6, 60)}人。",
         f"第二部分  {y}年度部门决算情况说明", "", "一、收入支出决算总体情况说明",
         f"{y}年度收、支总计均为{fixed2(total)}万元。", "",
         "三、支出决算情况说明",
         f"{y}年度本年支出合计{fixed2(total)}万元，其中：基本支出{fixed2(basic)}万元；项目支出{fixed2(ex)}万元。", "",
         "（四）预算绩效管理情况",
         f"根据预算绩效管理要求，在{y}年度预算编制阶段，对{len(rep.projects)}个项目编制了绩效目标，预算执行过程中，"
         f"选取{len(rep.projects)}个项目开展绩效监控。",
         f"组织对{y}年度一般公共预算、政府性基金预算全面开展绩效自评，形成{ag}部门整体（含部门预算项目）绩效自评报告，"
         f"部门整体（含部门预算项目）绩效自评得分为{trim(rep.overall_score)}分。绩效自评报告详见附件。", "", "",
         "第三部分  名词解释", "1.财政拨款收入：指单位从同级财政部门取得的财政预算资金。",
         "2.项目支出：指在基本支出之外为完成特定行政任务和事业发展目标所发生的支出。", "第四部分  附件", "", "附件1", "",
         "部门预算绩效评价报告", "", "一、部门（单位）基本情况", f"{ag}内设办公室、业务股室等机构。", "二、部门资金收支情况",
         f"{y}年决算表收入{fixed2(total)}万元，支出{fixed2(total)}万元。", "三、部门预算绩效分析", "（一）部门预算总体绩效分析。"]
    texts = {"履职效能": "年终完成履职目标，目标设置科学合理", "预算管理": "部门严格按要求编制年初部门预算，支出执行进度较好",
             "财务管理": "部门已制定内部财务管理制度，资金使用符合相关财务管理制度规定",
             "资产管理": "部门所有固定资产全部纳入资产信息系统管理", "采购管理": "部门严格执行政府采购相关管理办法",
             "项目决策": "部门预算项目设立按规定履行评估论证、申报程序", "项目执行": "部门预算项目实际列支内容与绩效目标设置方向相符",
             "目标实现": "部门预算项目绩效目标基本实现"}
    for i, (label, mx, sc) in enumerate(rep.parts[:5], start=1):
        L.append(f"{i}.{label}。{texts[label]}，得分{trim(sc)}分。")
    L.append("（二）部门预算项目绩效分析。")
    for i, (label, mx, sc) in enumerate(rep.parts[5:8], start=1):
        L.append(f"{i}.{label}。{texts[label]}，得分{trim(sc)}分。")
    L.append(f"4.{rep.parts[8][0]}得分{trim(rep.parts[8][2])}分。")
    L += ["四、评价结论及建议", "（一）评价结论。", "全年基本支出保证了部门的正常运行，全年项目支出基本达到预期绩效目标。",
          "（二）存在问题。", "1.对绩效评价内容、流程不够熟悉。", "（三）改进建议。", "1.加强业务培训，提高业务水平和能力。", "",
          f"附表：部门预算项目支出绩效自评表（{y}年度）", "", "", "部门预算项目支出绩效自评表", f"（{y}年度）", "", ""]
    rows = []
    for p in rep.projects:
        rows += [[""] * 11, [f"部门预算项目支出绩效自评表（{y}年度）"], ["项目名称", p.name],
                 ["主管部门", f"{ag}本级", "实施单位 （盖章）", p.agency],
                 ["项目基本情况", "1.项目年度目标完成情况", "项目年度目标", "年度目标完成情况"],
                 ["", "", p.goal, pick(rng, DONE)],
                 ["", "2.项目实施内容及过程概述", f"按计划实施{p.topic}相关工作。"],
                 [f"预算执行情况（{trim(p.bw)}分）", "年度预算数（万元）", "年初预算", "调整后预算数", "预算执行数", "预算执行率",
                  "权重", "得分", "原因"],
                 ["", "总额", fixed2(p.initial), fixed2(p.full), fixed2(p.executed), f"{fixed2(p.rate)}%", trim(p.bw),
                  trim(p.bs), BUDGET_NOTE if random.Random(f"{p.name}{p.total}|note").random() < BUDGET_NOTE_SHARE else ""],
                 ["", "其中：财政资金", fixed2(p.part("initial")), fixed2(p.part("full")), fixed2(p.part("executed")), f"{fixed2(p.rate)}%", "/", "/", ""],
                 ["", "财政专户管理资金", "0.00", "0.00", "0.00", "0.00%", "/", "/", ""],
                 ["", "单位资金", "0.00", "0.00", "0.00", "0.00%", "/", "/", ""],
                 ["", "其他资金", "", "", "", "", "/", "/", ""],
                 [f"绩效指标（{trim(100 - p.bw)}分）", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值",
                  "权重", "得分", "未完成原因分析"]]
        for ln in p.lines:
            rows.append(["", ln.level1, ln.level2, ln.level3, ln.op, ln.value, ln.unit, ln.actual, trim(ln.weight),
                         trim(ln.score), ln.reason])
        rows += [["合计", "100", trim(p.total), ""],
                 ["评价结论", f"自评{trim(p.total)}分。{p.goal}"], ["存在问题", pick(rng, ["无", "部分指标设置不够细化。"])],
                 ["改进措施", pick(rng, ["无", "进一步细化绩效目标。"])]]
    rows.append([""] * 11)
    L += _cells(rows)
    return "\n".join(L) + "\n"


def render_annex(rep: Report, rng) -> str:
    """Seed 002: a one-project report whose narrative states (满分X分，自评得分Y分) per part, and an 附件 table."""
    p, y = rep.projects[0], rep.year
    rate = f"{trim(p.rate)}%"
    L = ["", f"{y}年{p.name}绩效自评报告", f"（{p.agency}）", f"{y + 1}年{rand_int(rng, 1, 4)}月{rand_int(rng, 1, 28)}日", "",
         "一、绩效目标分解下达情况", "1.资金下达预算及项目情况。", f"{y}年度下达{p.name}{trim(p.full)}万元。",
         "2.资金项目绩效目标设定情况。", f"绩效目标：{p.goal}", "二、绩效自评工作开展情况",
         "采取自评，材料核实、选点抽查、问卷调查等方式，对收集的基础材料进行严格核实分析。", "三、绩效目标完成情况分析",
         "（一）项目资金情况分析", "1.资金到位情况分析", f"截止{y}年末，项目资金到位{trim(p.full)}万元，资金到位率100%。",
         "2.资金执行情况分析", f"项目资金预算安排{trim(p.full)}万元，实际支出{trim(p.executed)}万元，预算执行率{rate}。",
         "(二)项目绩效指标完成情况", f"{y}年度{p.name}有效提升了相关工作的保障水平，具体情况如下："]
    marks = "①②③④⑤"
    for label, mx, sc in rep.parts:
        if label == "资金管理":
            L.append(f"资金管理：（满分{trim(mx)}分，自评得分{trim(sc)}分）①资金执行率{rate}；②资金使用符合相关规定，监管措施有力。")
            continue
        items = "；".join(f"{marks[i]}{ln.level3}{ln.target}" for i, ln in enumerate(
            [ln for ln in p.lines if ln.level2 == label][:5]))
        L.append(f"{label}：（满分{trim(mx)}分，自评得分{trim(sc)}分）{items}。")
    L += ["4、 存在的主要问题及产生的原因", "政策宣传覆盖范围不广，部分群众对政策了解不足。", "五、下一步改进措施及建议",
          "1、加强政策宣传，拓展线上线下宣传渠道。", "六、绩效自评结果拟应用和公开情况",
          f"绩效自评报告完成后将依法在{rep.county}人民政府信息公开门户网站及时公开，接受社会监督。", " 附件：", "项目支出绩效目标自评表",
          f"({y}年度)", ""]
    rows = [["项目名称", p.name, "项目负责人及电话", _person(rng)], ["主管部门", p.agency, "实施单位", p.agency],
            ["资金情况(万元)", "", "全年预算数(A)", "全年执行数(B)", "分值", "执行率(B/A)", "得分"],
            ["", "年度资金总额：", trim(p.full), trim(p.executed), trim(p.bw), rate, trim(p.bs)],
            ["", "其中：本年财政拨款", trim(p.part("full")), trim(p.part("executed")), "一", rate, "一"],
            ["", "其他资金", "", "", "一", "", "一"],
            ["年度总体目标", "年初设定目标", "年度总体目标完成情况综述"], ["", p.goal, pick(rng, DONE)],
            ["绩\n效\n指\n标", "一级指标", "二级指标", "三级指标", "分值", "年度指标值", "全年实际值", "得分",
             "未完成的原因及拟采取的改进措施"]]
    weights = group_weights(p)
    if p.points_delta:                     # the injected group_points_mismatch: a label's points off its lines' sum
        g, d = p.points_delta
        weights[g] = weights.get(g, D0) + d
    l1_last = l2_last = None
    order = ["数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标",
             "服务对象满意度指标"]
    for l2 in order:
        lines = [ln for ln in p.lines if ln.level2 == l2]
        l1 = {"数量": "产出指标", "质量": "产出指标", "时效": "产出指标", "成本": "产出指标", "服务": "满意度指标"}.get(l2[:2], "效益指标")
        if not lines and l2 not in ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"):
            continue
        lab1 = f"{l1}({trim(weights.get(l1, D0))}分)" if l1 != l1_last else ""
        if not lines:                      # the template's empty category rows (seed 002)
            rows.append(["", lab1, l2, "", "", "", "", "", ""])
            rows.append(["", "", "", "", "", "", "", "", ""])
            l1_last = l1
            continue
        for ln in lines:
            rows.append(["", lab1, l2 if l2 != l2_last else "", ln.level3, trim(ln.weight), ln.target, ln.actual,
                         trim(ln.score), ln.reason])
            lab1, l1_last, l2_last = "", l1, l2
    rows.append(["总分", "100", "", trim(p.total), ""])
    L += _cells(rows)
    L += ["", "说明：1.分值设定100分，其中预算执行率10分、产出指标50分、效益指标30分、满意度指标10分。",
          "       2.综合评价等级分为优秀（大于90分）、良好（80-90分）、较差（60-80分）、 差（小于60分）。"]
    return "\n".join(L) + "\n"


YUAN_RATE = 0.15   # share of reports whose project tables state their amounts in 元 (budget-system exports): tab-separated and office


def group_weights(p) -> dict[str, Decimal]:
    """Each level-1 group's weight: what its lines weigh together (the points a template prints after its label)."""
    out: dict[str, Decimal] = {}
    for ln in p.lines:
        out[ln.level1] = out.get(ln.level1, D0) + (ln.weight or D0)
    return out


def in_yuan(rep: Report) -> bool:
    """Whether the report's project tables state amounts in 元 (its own draw: the rendering's others stay as they were)."""
    return random.Random(f"{rep.code}:{rep.idx}:yuan").random() < YUAN_RATE


def money_text(x: Decimal | None, yuan: bool) -> str:
    """An amount (万元) as the report prints it: in 元 when `yuan`."""
    return trim(x * 10000 if yuan and x is not None else x)


TEMPLATE_SHARE = 0.2    # tables keeping each of the published templates' marks (points-only level-1 cells, slots, optional lines)
# the 四川 template's 效益 lines marked optional: those not taken are printed without figures after the group's lines
OPTIONAL_LINES = ("经济效益（可选项）", "生态效益（可选项）", "可持续效益（可选项）", "公平效率（可选项）", "使用效率（可选项）")


def optional_rows(level1: list[str], own: random.Random) -> tuple[int, list[str]]:
    """Where (after which line, given the lines' level-1 labels; -1: nowhere) and which optional lines a table keeps
    unused: a TEMPLATE_SHARE of the tables (its own draw, made after the others), after the last line of a 效益 group."""
    if own.random() >= TEMPLATE_SHARE:
        return -1, []
    at = max((i for i, label in enumerate(level1) if "效益" in label), default=-1)
    return at, own.sample(OPTIONAL_LINES, own.randint(2, 4))


def render_tabs(rep: Report, rng, with_extras: bool = True) -> str:
    """Seed 003: tab-separated project tables (markdown headings), a 汇总表 and a covering report; some with their
    amounts in 元 (`in_yuan`; the truth stays in 万元)."""
    y, n = rep.year, len(rep.projects)
    yuan = in_yuan(rep)

    def money(x: Decimal | None) -> str:
        return money_text(x, yuan)
    boss, clerk, phone = _person(rng), _person(rng), f"{rand_int(rng, 2, 8)}{rand_int(rng, 100000, 999999)}"
    date = f"{y + 1}.{rand_int(rng, 1, 3)}.{rand_int(rng, 1, 28)}"
    sp = rng.random() < 0.5          # the export's stray spaces inside words
    L = []
    for p in rep.projects:
        rate = f"{trim(p.rate)}%"
        L += ["", "# 项目支出绩效自评表", "", f"( {y} 年度 )", "",
              "\t".join(["项目名称", p.name] + [""] * 7),
              "\t".join(["主管部门", "", "", "", "实施单位", p.agency, "", "", ""]),
              "\t".join(["项目资金 (元)" if yuan else "项目资金 (万元)", "", "年初 预算数" if sp else "年初预算数",
                         "全年 预算数" if sp else "全年预算数", "全年 执行数" if sp else "全年执行数", "分值", "执行率", "得分", ""]),
              "\t".join(["", "年度资金总额", money(p.initial), money(p.full), money(p.executed), trim(p.bw), rate, trim(p.bs), ""]),
              "\t".join(["", "其中：当年财政拨款", money(p.part("initial")), money(p.part("full")), money(p.part("executed")), "—", rate if rng.random() < 0.5 else "", "—", ""]),
              "\t".join(["", "上年结转资金", "", "", "", "—", "", "—", ""]),
              "\t".join(["", "其他资金", "", "", "", "—", "", "—", ""]),
              "\t".join(["年度 总体 目标" if sp else "年度总体目标", "预期目标", "", "", "实际完成情况", "", "", "", ""]),
              "\t".join(["", p.goal, "", "", pick(rng, DONE), "", "", "", ""]),
              "\t".join(["绩效指标", "一级 指标" if sp else "一级指标", "二级指标", "三级指标", "年度 指标值" if sp else "年度指标值",
                         "实际 完成值" if sp else "实际完成值", "分值", "得分", "偏差原因分析 及改进措施" if sp else "偏差原因分析及改进措施"])]
        prefixed = rng.random() < 0.3
        # the published forms' template left as printed (its own draws: the corpus's other figures stay as they were):
        # slots run into the name (指标1工程完工率) with the unused ones and …… rows kept, level-1 cells holding only
        # the group's points ((50分): the label printed as a picture)
        own = random.Random(f"{p.name}{p.total}")
        run_in, points_only = prefixed and own.random() < 0.5, own.random() < TEMPLATE_SHARE
        group_points = group_weights(p)
        optional_at, optional = optional_rows([ln.level1 for ln in p.lines], own)
        l1_last = l2_last = None
        k = 0
        for i, ln in enumerate(p.lines):
            l1 = ln.level1 if ln.level1 != l1_last else ""
            l2 = ln.level2 if (ln.level2, ln.level1) != l2_last else ""
            if l1 and points_only:
                l1 = f"（{trim(group_points[ln.level1])}分）"
            elif sp and l1:
                l1 = l1[:2] + " " + l1[2:]
            k = 1 if l2 else k + 1
            name = (f"指标{k}{ln.level3}" if run_in else f"指标 {k}: {ln.level3}") if prefixed else ln.level3
            target = ln.target.replace(ln.value, ln.value + " ", 1) if sp and ln.unit and ln.value else ln.target
            cells = ["", l1, l2, name, target, ln.actual, trim(ln.weight), trim(ln.score), ln.reason]
            if not l1 and l2 and not ln.reason and rng.random() < 0.15:
                cells = cells[1:] + [""]           # the export lost the row's first empty cell (seed 003)
            L.append("\t".join(cells))
            if i == optional_at:
                L += ["\t".join(["", "", "", unused, "", "", "", "", ""]) for unused in optional]
            if prefixed and l2 and rng.random() < 0.4:
                L.append("\t".join(["", "", "", f"指标{k + 1}" if run_in else f"指标 {k + 1}:", "", "", "", "", ""]))
                if run_in:
                    L.append("\t".join(["", "", "", "……", "", "", "", "", ""]))
            l1_last, l2_last = ln.level1, (ln.level2, ln.level1)
        L += ["\t".join(["总分", "", "", "", "", "100", trim(p.total), "", ""]), "",
              f"填报单位负责人(签名): {boss}", "", f"填报日期: {date}", "", f"填报人: {clerk}", "", f"联系方式: {phone}", ""]
    if with_extras and rep.summary:
        s = rep.summary
        c = s["counts"]
        cnt = lambda g: str(c[g]) if c[g] else ""  # noqa: E731  (the form leaves a zero count empty)
        L += ["", "## 县直部门绩效自评情况汇总表", "", f"填报部门：{rep.agency}", "", "单位：万元", "",
              "统计内容\t应评价数\t已评价数\t", f"项目数量（个）\t{n}\t{n}\t",
              f"资金总量\t{trim(s['funds_due'])}\t{trim(s['funds_evaluated'])}\t",
              f"绩效评价等级（个）\t优\t其中：优\t{cnt('优')}", f"\t\t良\t{cnt('良')}", f"\t\t中\t{cnt('中')}",
              f"\t\t差\t{cnt('差')}", "",
              "**说明：**1. 资金总量的应评价数为所有项目的“项目支出绩效自评表”中“全年预算数”的总和；已评价数为所有项目的"
              "“项目支出绩效自评表”中“全年执行数”的总和。", "",
              "2. 严格按照实际确定项目评价分数，对于复核中分数差异过大的将酌情扣减评价项目分数或降低评价等级。", "",
              "3. 绩效评价等级根据绩效自评得分划分四档：90（含）-100分为优、80（含）-90分为良、60（含）-80分为中、60分以下为差。", ""]
    if with_extras:
        ini = sum((p.initial or D0 for p in rep.projects), D0)
        ex = sum((p.executed for p in rep.projects), D0)
        short = SECTORS[rep.sector]["abbr"]
        L += ["", f"# {y} 年度{rep.agency} 绩效自评工作报告", "",
              f"根据《县财政局关于做好 {y} 年度县级预算单位绩效自评工作的通知》，现对项目资金支出进行绩效自评，具体情况报告如下：", "",
              "## 一、绩效自评工作组织开展情况", "",
              f"县{short}认真落实绩效自评的责任主体，成立了绩效评价工作组，确定了评价工作的程序、时间安排和评价方法。", "",
              "### （一）预算安排及资金分配拨付情况", "",
              f"{y} 年预算项目绩效自评共计 {n} 个，年初预算数为 {trim(ini)} 万元，执行数为 {trim(ex)} 万元。", "",
              "## 二、绩效目标实现情况", ""]
        nums = "一二三四五六七八九十"
        for i, p in enumerate(rep.projects[:10]):
            L += [f"### **（{nums[i]}）{p.name}使用情况**", "",
                  f"安排预算资金{trim(p.full)}万元，实际支出{trim(p.executed)}万元，{p.goal}", ""]
        L += ["### **三、绩效目标设定质量情况**", "", "绩效目标设定清晰准确，绩效指标全面完整、科学合理。", "",
              "### **四、整改措施及结果应用**", "", "对自评中发现的问题及时整改，并将自评结果作为以后年度预算安排的重要依据。", ""]
    return "\n".join(L) + "\n"


def render_form(rep: Report, rng) -> str:
    """Seed 004: a one-project form: basic data, 定量目标 table, 综合得分 and 等次, 评价指标体系."""
    p, y = rep.projects[0], rep.year
    words = GRADE_WORDS_SH if rep.province == "上海市" else GRADE_WORDS
    rows = [[" 一、项 目 基 本 概 况"], ["项目名称", p.name], ["项目单位", p.agency],
            ["项目负责人", _person(rng), "联系电话", f"1{rand_int(rng, 3, 9)}{rand_int(rng, 10 ** 8, 10 ** 9 - 1)}"],
            ["项目起止时间", f"{y}年   01    月起至    {y} 年    12   月止"],
            ["计划安排资金\n（万元）", trim(p.initial), "实际到位资金\n（万元）", trim(p.initial), "实际支出\n（万元）",
             trim(p.executed), "结余\n（万元）", trim(p.initial - p.executed)],
            ["二、项目支出明细情况"], ["支出内容", "实际支出数", "会计凭证号", "备注"],
            [f"{y}年{p.name}支出", f"{trim(p.executed)}万元", "", ""], ["支出合计", f"{trim(p.executed)}万元", "", ""],
            ["三、项目绩效自评情况"], ["项目绩效定性目标及实施计划完成情况", "预  期 目 标", "实际完成"],
            ["", p.goal, pick(rng, DONE)],
            ["项目绩效定量目标（指标）及完成情况", "一级指标", "二级指标", "指标内容", "指标（目标）值", "实际完成值"]]
    l1_last = l2_last = None
    for ln in p.lines:
        if ln.kind != "form":
            continue
        rows.append(["", ln.level1 if ln.level1 != l1_last else "", ln.level2 if ln.level2 != l2_last else "",
                     ln.level3, ln.target, ln.actual])
        l1_last, l2_last = ln.level1, ln.level2
    rows += [["绩效自评综合得分", trim(p.total)], ["评价等次", words[p.grade]], ["四、评价人员"],
             ["姓名", "职称/职务", "单  位", "签字"], [_person(rng), "主任", p.agency, ""],
             [_person(rng), "财务股长", p.agency, ""]]
    L = _cells(rows)
    L += ["", "五、评价报告综述（文字部分）", "一、项目基本概况", f"{p.goal}", "二、项目资金使用及管理情况",
          f"{rep.county}{y}年度财务报表显示：{p.name}支出为{trim(p.executed)}万元。", "三、综合评价情况及评价结论",
          "项目目标任务得以圆满完成。", "", "", "项目支出绩效评价指标体系（参考样表）", ""]
    rows = [["一级\n指标", "分值", "二级\n指标", "分值", "三级\n指标", "分值", "具体指标", "评价标准", "自评\n得分"]]
    sys_lines = [ln for ln in p.lines if ln.kind == "system"]
    for (a, aw, b, bw, c, w, spec, crit), ln in zip(FORM_SYSTEM, sys_lines):
        rows.append([a, "" if aw is None else str(aw), b, "" if bw is None else str(bw), c, trim(ln.weight), spec, crit,
                     trim(ln.score)])
    rows.append(["总分", "100", "", "100", "", "100", "", "", trim(p.total)])
    L += _cells(rows)
    L += ["", "备注：部门（单位）根据项目实际，在《项目支出绩效评价指标体系（参考样表）》上进一步完善、量化、细化个性指标。"]
    return "\n".join(L) + "\n"


def render_juesuan(rep: Report, rng) -> str:
    """The 上海市普陀区 realdocs: a 部门决算 stating its self-evaluation results in one sentence."""
    y, ag, s = rep.year, rep.agency, rep.statement
    w, c = s["words"], s["counts"]
    total = q2(s["funds"] * Decimal(str(rng.uniform(3, 12))))
    L = [ag, "年度部门决算", str(y), "", "目 录", f"第一部分 {ag}概况", "一、主要职能", "二、部门决算单位构成",
         f"第二部分 {ag}{y}年度部门决算表", f"第三部分 {ag}{y}年度部门决算情况说明", "", f"第一部分 {ag}概况", "一、主要职能",
         f"{ag}是主管本行政区域{rep.sector}工作的政府工作部门。", "二、部门决算单位构成", f"{ag}部门决算由本部门本级决算组成。",
         "", f"第三部分 {ag}{y}年度部门决算情况说明", "一、收入支出决算总体情况说明",
         f"{ag}{y}年度收入总计{trim(total)}万元，支出总计{trim(total)}万元。", "十、预算绩效管理情况",
         f"{ag}{y}年度预算绩效管理工作开展情况如下：本部门制定了预算绩效管理实施办法，建立了预算绩效管理工作机制；实行"
         f"全过程绩效管理实施情况跟踪：编报绩效目标的{y}年度项目{s['n']}个，涉及预算金额{fixed2(s['funds'])}万元；"
         f"绩效自评的{y}年度项目{s['n']}个，涉及预算金额{fixed2(s['funds'])}万元，平均得分{fixed2(s['avg'])}分（其中，"
         f"绩效评级为“{w['优']}”的项目{c['优']}个；绩效评级为“{w['良']}”的项目{c['良']}个；绩效评级为“{w['中']}”的项目"
         f"{c['中']}个；绩效评级为“{w['差']}”的项目{c['差']}个。绩效自评中共发现问题0个，已经完成整改的0个，正在整改的0个）。",
         "十一、其他重要事项的情况说明", "（一）机关运行经费支出情况", f"{y}年度机关运行经费支出与上年基本持平。"]
    return "\n".join(L) + "\n"


TEXT_RENDER = {"cells": render_cells, "dept": render_dept, "annex": render_annex, "tabs": render_tabs,
               "form": render_form, "juesuan": render_juesuan}
