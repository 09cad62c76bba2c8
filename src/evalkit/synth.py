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
"""
from __future__ import annotations

import argparse
import bisect
import csv
import importlib.util
import io
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

from evalkit import grades as scales
from evalkit.geo import MUNICIPALITIES

D0, D1, D100 = Decimal(0), Decimal(1), Decimal(100)
Q2 = Decimal("0.01")

TRUTH_PROJECT_COLS = ["seed", "county", "fiscal_year", "agency", "project_name", "budget_initial",
                      "budget_full_year", "executed", "execution_rate", "budget_weight", "budget_score",
                      "total_score", "grade"]
TRUTH_INDICATOR_COLS = ["seed", "county", "project_name", "level1", "level2", "level3", "target", "actual",
                        "weight", "score"]
TRUTH_REPORT_COLS = ["seed", "county", "city", "province", "agency", "fiscal_year", "doc_kind",
                     "n_project_tables", "stated_overall_score", "stated_overall_grade",
                     "summary_projects_due", "summary_projects_evaluated", "summary_funds_due",
                     "summary_funds_evaluated", "count_you", "count_liang", "count_zhong", "count_cha",
                     "summary_avg_score", "narrative_score"]
FINDING_COLS = ["source_file", "seed", "project_name", "rule", "kind", "detail"]
DUPLICATE_COLS = ["source_file", "duplicate_of_file", "kind"]

ALL_FORMATS = ("txt", "docx", "xlsx", "csv", "html", "pptx", "pdf", "ofd", "xps", "scan")
DEFAULT_FORMATS = "txt,docx,xlsx,html"
FORMAT_WEIGHT = {"txt": 4, "docx": 2, "xlsx": 2, "csv": 1, "html": 2, "pptx": 1, "pdf": 1, "ofd": 1, "xps": 1, "scan": 1}
TXT_LAYOUTS = (("tabs", 34), ("dept", 20), ("cells", 14), ("annex", 14), ("form", 10), ("juesuan", 8))
INJECTABLE = ("total_score_mismatch", "execution_rate_mismatch", "grade_mismatch",
              "indicator_full_score_unmet", "weight_sum_mismatch")
ELIGIBLE = {  # layout -> the injections its document can carry without other findings following
    "cells": INJECTABLE,
    "dept": ("total_score_mismatch", "execution_rate_mismatch", "indicator_full_score_unmet", "weight_sum_mismatch"),
    "annex": ("execution_rate_mismatch", "indicator_full_score_unmet", "weight_sum_mismatch"),
    "tabs": ("total_score_mismatch", "execution_rate_mismatch", "indicator_full_score_unmet", "weight_sum_mismatch"),
    "form": ("total_score_mismatch", "grade_mismatch", "weight_sum_mismatch"),
    "table": ("total_score_mismatch", "execution_rate_mismatch", "indicator_full_score_unmet", "weight_sum_mismatch"),
}
SINGLE_LAYOUTS = {"cells", "annex", "form"}

# Counties whose agency names the division dataset's matcher reads as another place
# (五大连池市 -> 大连市, 梅县区 -> 重庆市's 梅县), found by locating every county once.
GEO_EXCLUDE = {"五大连池市", "梅县区"}
PROVINCE_ABBR = {"北京": "京", "天津": "津", "河北": "冀", "山西": "晋", "内蒙古": "蒙", "辽宁": "辽", "吉林": "吉",
                 "黑龙江": "黑", "上海": "沪", "江苏": "苏", "浙江": "浙", "安徽": "皖", "福建": "闽", "江西": "赣",
                 "山东": "鲁", "河南": "豫", "湖北": "鄂", "湖南": "湘", "广东": "粤", "广西": "桂", "海南": "琼",
                 "重庆": "渝", "四川": "川", "贵州": "黔", "云南": "滇", "西藏": "藏", "陕西": "陕", "甘肃": "甘",
                 "青海": "青", "宁夏": "宁", "新疆": "新"}


# ------------------------------------------------------------------------------ vocabulary
# Sector -> agency names, project names, and its own 数量指标 (name, unit, low, high).
SECTORS = {
    "医保": dict(
        agencies=["医疗保障局", "医疗保障事务中心"], abbr="医保局", dept="社",
        projects=["医疗保障服务经费", "医保基金监管专项检查经费", "打击欺诈骗保专项工作经费", "城乡医疗救助资金",
                  "医保经办业务保障经费", "全民参保工作保障经费", "医疗保障服务能力提升补助资金",
                  "城乡居民医保村级代办员补助资金", "医保信息化建设运维经费", "医保政策宣传经费",
                  "家庭医生签约服务费（医保部分）", "支付省级以上劳模及计生后遗症报销费用", "职工医保基金",
                  "医保电子凭证推广应用经费", "定点医药机构稽核经费", "门诊慢特病待遇保障经费"],
        quantity=[("监督检查定点医药机构数量", "家", 20, 300), ("医保政策宣传次数", "次", 3, 20),
                  ("医疗救助人次", "人次", 300, 60000), ("印制宣传资料数量", "份", 1000, 20000),
                  ("村级代办员人数", "人", 40, 400), ("开展业务培训次数", "次", 2, 12),
                  ("追回违规医保基金", "万元", 10, 300), ("医保电子凭证激活人数", "人", 5000, 90000)],
        social=[("参保群众医保政策知晓率", "rate"), ("医保基金安全运行", "qual:安全运行"),
                ("群众就医负担", "qual:有效减轻"), ("因病致贫返贫发生率", "ceil_rate")]),
    "财政": dict(
        agencies=["财政局"], abbr="财政局", dept="预",
        projects=["财政信息化建设运维经费", "预算绩效评价第三方服务费", "非税收入征管工作经费", "财政投资评审经费",
                  "国库集中支付代理手续费", "政府采购监管工作经费", "财政票据管理经费", "会计管理工作经费",
                  "乡镇财政所运转补助", "预算一体化系统运维费", "国有资产清查经费", "财政监督检查经费",
                  "债务风险监测工作经费", "惠民惠农补贴“一卡通”管理经费"],
        quantity=[("开展绩效评价项目个数", "个", 5, 60), ("完成投资评审项目数", "个", 20, 400),
                  ("审核会计凭证数量", "份", 2000, 30000), ("开展财政监督检查次数", "次", 2, 12),
                  ("培训财务人员人次", "人次", 50, 600), ("系统运维终端数量", "台", 50, 800)],
        social=[("财政资金使用效益", "qual:有效提升"), ("预算管理规范化水平", "qual:明显提高"),
                ("政策知晓率", "rate")]),
    "卫健": dict(
        agencies=["卫生健康局"], abbr="卫健局", dept="社",
        projects=["基本公共卫生服务补助资金", "家庭医生签约服务经费", "乡村医生补助经费", "重大公共卫生服务补助资金",
                  "计划生育家庭奖励扶助资金", "医疗服务与保障能力提升补助资金", "卫生应急处置经费",
                  "基层医疗卫生机构设备购置经费", "健康教育宣传经费", "爱国卫生运动经费", "严重精神障碍患者救治经费",
                  "妇幼健康服务经费"],
        quantity=[("居民电子健康档案建档人数", "人", 10000, 300000), ("培训乡村医生人次", "人次", 50, 600),
                  ("开展健康教育讲座次数", "次", 6, 60), ("购置医疗设备数量", "台", 3, 60),
                  ("奖励扶助对象人数", "人", 200, 8000), ("家庭医生签约人数", "人", 5000, 90000)],
        social=[("居民健康素养水平", "qual:有效提升"), ("传染病报告及时率", "rate"),
                ("孕产妇死亡率", "ceil_rate_small")]),
    "教育": dict(
        agencies=["教育局", "教育和体育局"], abbr="教育局", dept="教",
        projects=["学生资助补助经费", "义务教育薄弱环节改善与能力提升补助资金", "农村义务教育学生营养改善计划补助",
                  "教师培训经费", "校舍维修改造经费", "学前教育发展资金", "中小学校安全保障经费", "教育信息化建设经费",
                  "城乡义务教育公用经费保障机制资金", "特殊教育发展补助经费", "校园食品安全监管经费"],
        quantity=[("资助学生人次", "人次", 300, 20000), ("培训教师人次", "人次", 100, 3000),
                  ("维修改造校舍面积", "平方米", 500, 20000), ("受益学校数量", "所", 5, 120),
                  ("购置教学设备数量", "台", 20, 800), ("营养餐供餐天数", "天", 150, 200)],
        social=[("适龄儿童入学率", "rate"), ("办学条件", "qual:明显改善"), ("家庭经济困难学生资助覆盖率", "rate")]),
    "农业": dict(
        agencies=["农业农村局"], abbr="农业农村局", dept="农",
        projects=["高标准农田建设项目", "耕地地力保护补贴资金", "动物防疫补助经费", "农村人居环境整治经费",
                  "农机购置与应用补贴", "农作物病虫害防治经费", "农业技术推广服务经费", "村级集体经济发展扶持资金",
                  "农村厕所革命奖补资金", "种粮农民一次性补贴", "农产品质量安全监管经费"],
        quantity=[("建设高标准农田面积", "亩", 1000, 30000), ("补贴农户数", "户", 1000, 40000),
                  ("强制免疫畜禽数量", "万头", 1, 80), ("改造农村户厕数量", "座", 100, 3000),
                  ("培训农民人次", "人次", 100, 3000), ("农产品抽检批次", "批次", 50, 1500)],
        social=[("带动农户增收", "qual:有效带动"), ("农村人居环境", "qual:明显改善"), ("重大动物疫病发生率", "ceil_rate_small")]),
    "民政": dict(
        agencies=["民政局"], abbr="民政局", dept="社",
        projects=["城乡最低生活保障资金", "特困人员救助供养资金", "临时救助资金", "养老服务体系建设经费",
                  "困难残疾人生活补贴和重度残疾人护理补贴", "孤儿基本生活保障资金", "社区居家养老服务经费",
                  "殡葬改革奖补资金", "基层政权建设经费", "流浪乞讨人员救助经费"],
        quantity=[("城乡低保保障人数", "人", 1000, 30000), ("特困供养人数", "人", 100, 3000),
                  ("临时救助人次", "人次", 100, 5000), ("建设社区养老服务站数量", "个", 2, 40),
                  ("发放残疾人两项补贴人数", "人", 500, 12000)],
        social=[("困难群众基本生活", "qual:有效保障"), ("救助对象认定准确率", "rate"), ("养老服务水平", "qual:明显提升")]),
    "人社": dict(
        agencies=["人力资源和社会保障局"], abbr="人社局", dept="社",
        projects=["就业补助资金", "职业技能提升培训补贴", "公益性岗位补贴", "城乡居民基本养老保险补助",
                  "人才引进工作经费", "劳动保障监察经费", "创业担保贷款贴息资金", "农民工工资支付保障经费"],
        quantity=[("开展职业技能培训人次", "人次", 200, 6000), ("开发公益性岗位数量", "个", 20, 800),
                  ("新增城镇就业人数", "人", 500, 12000), ("发放创业担保贷款笔数", "笔", 20, 600),
                  ("劳动保障监察检查用人单位数", "家", 50, 900)],
        social=[("城镇登记失业率", "ceil_rate_small"), ("农民工工资拖欠问题", "qual:有效化解"), ("就业质量", "qual:稳步提升")]),
    "交通": dict(
        agencies=["交通运输局"], abbr="交通运输局", dept="建",
        projects=["农村公路养护资金", "危桥改造工程经费", "城乡客运补贴资金", "公路安全生命防护工程",
                  "交通运输综合执法经费", "农村客运站运营补助", "公交一体化运营补贴"],
        quantity=[("养护农村公路里程", "公里", 50, 1500), ("改造危桥数量", "座", 1, 20),
                  ("补贴客运车辆数量", "辆", 10, 400), ("安装波形护栏长度", "米", 500, 30000)],
        social=[("群众出行条件", "qual:明显改善"), ("道路优良路率", "rate"), ("交通事故发生率", "ceil_rate_small")]),
    "水利": dict(
        agencies=["水利局"], abbr="水利局", dept="农",
        projects=["小型水库维修养护经费", "农村饮水安全巩固提升工程", "河湖长制工作经费", "水土保持治理经费",
                  "山洪灾害防治非工程措施运行维护", "农田水利设施维修养护经费"],
        quantity=[("维修养护小型水库数量", "座", 2, 60), ("受益人口", "人", 1000, 80000),
                  ("治理水土流失面积", "平方公里", 2, 80), ("开展河湖巡查次数", "次", 12, 300)],
        social=[("农村集中供水率", "rate"), ("防洪减灾能力", "qual:有效增强"), ("河湖水质达标率", "rate")]),
    "自然资源": dict(
        agencies=["自然资源局", "自然资源和规划局"], abbr="自然资源局", dept="资环",
        projects=["国土空间规划编制经费", "不动产登记工作经费", "耕地保护补偿资金", "地质灾害防治经费",
                  "土地整治项目经费", "森林资源管护经费", "卫片执法监测经费"],
        quantity=[("办理不动产登记件数", "件", 1000, 30000), ("地质灾害隐患点巡查次数", "次", 12, 240),
                  ("完成土地整治面积", "亩", 200, 8000), ("核查卫片图斑数量", "个", 100, 3000)],
        social=[("耕地保有量", "qual:不减少"), ("群众生命财产安全", "qual:有效保障"), ("违法用地查处率", "rate")]),
    "生态环境": dict(
        agencies=["生态环境分局"], abbr="生态环境分局", dept="资环",
        projects=["大气污染防治资金", "生态环境监测经费", "农村生活污水治理经费", "土壤污染防治资金",
                  "环境执法专项经费", "饮用水水源地保护经费"],
        quantity=[("开展环境执法检查次数", "次", 20, 400), ("完成监测样品数量", "个", 100, 3000),
                  ("治理农村生活污水行政村数", "个", 3, 60)],
        social=[("空气质量优良天数比例", "rate"), ("群众生态环境满意度", "qual:明显提高"), ("突发环境事件", "qual:未发生")]),
    "文旅": dict(
        agencies=["文化广电和旅游局", "文化和旅游局"], abbr="文旅局", dept="教",
        projects=["公共文化服务体系建设资金", "农家书屋补充更新经费", "文物保护经费", "送戏下乡经费",
                  "全民健身活动经费", "旅游宣传推介经费", "非物质文化遗产保护经费"],
        quantity=[("送戏下乡场次", "场", 20, 300), ("补充更新图书数量", "册", 2000, 40000),
                  ("举办全民健身活动次数", "次", 3, 40), ("保护修缮文物点数量", "处", 1, 20)],
        social=[("群众文化生活", "qual:丰富"), ("公共文化设施免费开放率", "rate"), ("文物安全事故", "qual:未发生")]),
    "退役军人": dict(
        agencies=["退役军人事务局"], abbr="退役军人事务局", dept="社",
        projects=["优抚对象抚恤补助资金", "退役士兵安置经费", "退役军人服务站运行经费", "烈士纪念设施维护经费",
                  "退役军人职业技能培训经费"],
        quantity=[("发放抚恤补助人数", "人", 100, 5000), ("安置退役士兵人数", "人", 5, 200),
                  ("维护烈士纪念设施数量", "处", 1, 30)],
        social=[("优抚政策落实率", "rate"), ("退役军人合法权益", "qual:有效维护")]),
}
GENERIC_PROJECTS = ["办公设备购置经费", "信息化运维经费", "聘请法律顾问经费", "档案数字化经费", "业务培训经费",
                    "政策宣传经费", "机关运行保障经费", "政府购买服务经费", "网络运行维护费", "执法车辆购置经费",
                    "办公用房维修改造经费", "第三方审计服务费", "安全生产专项经费", "退役军人辅助性岗位经费",
                    "临聘人员经费", "应急值守经费"]
GENERIC_QUANTITY = [("购置办公设备数量", "台", 3, 40), ("开展业务培训次数", "次", 2, 10), ("聘请法律顾问人数", "人", 1, 3),
                    ("维护信息系统数量", "套", 1, 8), ("印制宣传材料数量", "份", 500, 10000),
                    ("购买服务岗位数量", "个", 2, 40), ("数字化档案数量", "卷", 500, 20000)]
QUALITY = [("资金发放准确率", 100), ("设备验收合格率", 100), ("任务完成率", 95), ("政策落实率", 100),
           ("资料归档完整率", 98), ("系统正常运行率", 95), ("补助对象认定准确率", 100), ("工程验收合格率", 100),
           ("问题整改率", 95), ("服务质量达标率", 90), ("培训合格率", 90)]
TIMELY = [("资金拨付及时率", "rate", 95), ("项目完成时间", "month", 12), ("补助发放时间", "month", 6),
          ("问题整改时限", "day", 30), ("业务办理时限", "workday", 10), ("工作完成及时性", "qual:及时"),
          ("采购完成时间", "month", 9)]
SUSTAIN = [("长效管理机制", "qual:健全"), ("项目持续发挥作用年限", "year", 3), ("制度建设", "qual:完善"),
           ("设备使用年限", "year", 5), ("工作机制运行", "qual:长效运行")]
ECON = [("节约财政资金", "qual:有效节约"), ("带动相关产业发展", "qual:有效带动")]
ECO = [("节能降耗", "qual:有效降低"), ("周边环境", "qual:有所改善")]
SATISFACTION = ["服务对象满意度", "群众满意度", "受益对象满意度", "参保群众满意度", "受益群众满意度", "社会公众满意度"]
REASONS = ["受项目实施进度影响，部分任务延至下年度完成，下一步将加快推进。",
           "实际需求少于年初预计，下一步将科学测算目标值。",
           "资金下达较晚，影响项目进度，已与财政部门沟通加快拨付。",
           "部分工作因客观原因未能按期完成，将加强跟踪管理。",
           "目标设定偏高，下年度将结合实际合理设定。"]
GOALS = ["通过项目实施，保障{topic}工作顺利开展，提升服务保障水平。",
         "按时足额拨付资金，完成{topic}年度任务，确保资金使用安全规范。",
         "落实{topic}相关政策，提高资金使用效益，群众满意度明显提升。"]
DONE = ["已完成", "已按计划完成年度目标", "年度目标基本完成", "已完成各项年度任务"]
QUAL_SHORTFALL = ["基本完成", "部分完成", "有待提升", "基本达到"]
DEPT_PARTS = [("履职效能", 15), ("预算管理", 20), ("财务管理", 10), ("资产管理", 10), ("采购管理", 5),
              ("项目决策", 10), ("项目执行", 12), ("目标实现", 10), ("绩效结果运用", 8)]
FORM_SYSTEM = [  # 评价指标体系 (seed 004): level1, level1 weight, level2, level2 weight, level3, weight, 具体指标, 评价标准
    ("项目决策", 20, "项目目标", 4, "目标内容", 4, "设立了项目绩效目标；目标明确；目标细化；目标量化", "①设有目标（1分）\n②目标明确（1分）\n③目标细化（1分）\n④目标量化（1分）"),
    ("", None, "决策过程", 8, "决策依据", 4, "有关法律法规的明确规定；某一经济社会发展规划；某部门年度工作计划", "①符合法律法规（1分）\n②符合经济社会发展规划（1分）\n③部门年度工作计划（1分）\n④针对某一实际问题和需求（1分）"),
    ("", None, "", None, "决策程序", 4, "项目符合申报条件；申报、批复程序符合相关管理办法", "①符合申报条件（2分）\n②项目申报、批复程序符合管理办法（1分）\n③项目调整履行了相应手续（1分）"),
    ("", None, "资金分配", 8, "分配办法", 3, "根据需要制定的相关资金管理办法；资金分配因素全面、合理", "①有相应的资金管理办法（1分）\n②办法健全、规范（1分）\n③因素全面合理（1分）"),
    ("", None, "", None, "分配结果", 5, "资金分配符合相关管理办法；分配结果公平合理", "①符合分配办法（2分）\n②分配公平合理（3分）"),
    ("项目管理", 25, "资金到位", 5, "到位率", 3, "实际到位/计划到位*100%", "根据项目资金的实际到位率计算得分（3分）"),
    ("", None, "", None, "到位时效", 2, "资金及时到位；若未及时到位，是否影响项目进度", "①到位及时（2分）\n②不及时但未影响项目进度（1分）"),
    ("", None, "资金管理", 10, "资金使用", 7, "支出依据合规，无虚列项目支出情况；无截留挤占挪用情况", "①虚列套取扣4-7分\n②依据不合规扣2分\n③截留、挤占、挪用扣3-6分"),
    ("", None, "", None, "财务管理", 3, "资金管理、费用支出等制度健全；制度执行严格；会计核算规范", "①财务制度健全（1分）\n②严格执行制度（1分）\n③会计核算规范（1分）"),
    ("", None, "组织实施", 10, "组织机构", 1, "机构健全、分工明确", "机构健全、分工明确（1分）"),
    ("", None, "", None, "支撑条件", 1, "项目实施单位是否具备了必备的人员、场地和设备等条件", "具备人员、场地、设备条件（1分）"),
    ("", None, "", None, "项目实施", 3, "项目按计划开工；按计划进度开展；按计划完工", "①按计划开工（1分）\n②按计划开展（1分）\n③按计划完工（1分）"),
    ("", None, "", None, "管理制度", 5, "项目管理制度健全；严格执行相关管理制度", "①管理制度健全（2分）\n②制度执行严格（3分）"),
    ("项目绩效", 55, "项目产出", 15, "产出数量", 5, "目标完成率=目标完成数/预定目标数×100%", "完成绩效目标100%得5分，未完成的同比例扣减。"),
    ("", None, "", None, "产出质量", 4, "目标完成质量=实际达到的效果/预定目标×100%", "项目产出质量达到绩效目标100%得4分。"),
    ("", None, "", None, "产出时效", 3, "项目资金使用的预定目标是否如期完成", "如期完成得3分，未如期完成且无充分理由的扣3分。"),
    ("", None, "", None, "产出成本", 3, "项目产出成本是否按绩效目标控制", "按绩效目标控制得3分，未完成的按超支比例扣减。"),
    ("", None, "项目效果", 40, "经济效益", 8, "指项目对国民经济和区域经济发展所带来的直接或间接效益", "完成绩效目标设定的经济效益得8分。"),
    ("", None, "", None, "社会效益", 8, "项目实施是否产生社会综合效益", "完成绩效目标设定的社会效益得8分。"),
    ("", None, "", None, "环境效益", 8, "项目实施是否对环境产生积极或消极影响", "完成绩效目标设定的环境效益得8分。"),
    ("", None, "", None, "可持续影响", 8, "项目实施对人、自然、资源是否带来可持续影响", "完成绩效设定目标的得8分。"),
    ("", None, "", None, "服务对象满意度", 8, "服务对象满意率=表示满意的人数/被调查人数×100%", "满意率达90%（含）以上的得8分，80%-90%得6分。"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志红梅兰俊峰宇新亮斌"


# ------------------------------------------------------------------------------ places

@lru_cache(maxsize=1)
def divisions() -> list[tuple[str, str, str, str]]:
    """(adcode, county, city, province) of every county-level division with a unique name, from cpca's
    adcodes.csv (read directly: importing cpca's matcher is not needed to list the divisions)."""
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("cpca is not installed: it ships the division dataset synth draws places from")
    path = Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = [(r["adcode"], r["name"]) for r in csv.DictReader(f)]
    name_of = dict(rows)
    counties = [(c, n) for c, n in rows if c[4:6] != "00" and c[6:] == "000000" and n != "市辖区"]
    seen = Counter(n for _, n in counties)
    out = []
    for code, name in sorted(counties):
        province = name_of.get(code[:2] + "0" * 10)
        city = name_of.get(code[:4] + "0" * 8)
        if city in ("市辖区", "县"):
            city = province
        if (seen[name] > 1 or name in GEO_EXCLUDE or not province or not city or "直辖" in city
                or not _gbk(name + city + province)):
            continue
        out.append((code, name, city, province))
    return out


def _gbk(s: str) -> bool:
    try:
        s.encode("gbk")
        return True
    except UnicodeEncodeError:
        return False


# ------------------------------------------------------------------------------ numbers

def q2(x: Decimal) -> Decimal:
    return x.quantize(Q2, rounding=ROUND_HALF_UP)


_TRIM: dict = {}


def trim(x: Decimal | None) -> str:
    """A Decimal as written in most tables: no trailing zeros ('5.60' -> '5.6', '10.00' -> '10')."""
    if x is None:
        return ""
    s = _TRIM.get(x)
    if s is None or len(_TRIM) > 200_000:
        s = format(x, "f")
        if "." in s:
            s = s.rstrip("0").rstrip(".")
        s = s or "0"
        if len(_TRIM) > 200_000:
            _TRIM.clear()
        _TRIM[x] = s
    return s


def fixed2(x: Decimal | None) -> str:
    return "" if x is None else format(q2(x), "f")


@lru_cache(maxsize=1)
def _checks_toml() -> dict:
    import tomllib
    try:
        return tomllib.loads(Path(__file__).with_name("checks.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def excellent_min_execution() -> Decimal:
    """Below this execution rate a 优 is a finding (checks.toml [plausibility]); clean projects stay above."""
    return Decimal(str(_checks_toml().get("plausibility", {}).get("excellent_min_execution", 80)))


@lru_cache(maxsize=64)
def _bands(province: str | None) -> tuple[tuple[Decimal, str], ...]:
    """(lower bound, contract grade) of the grade bands checks.toml sets for the province (its
    profile's, else the defaults), best first: the truth's grades follow what the checks expect."""
    cfg = _checks_toml()
    grades = cfg.get("grades", {})
    bands = cfg.get("profiles", {}).get(province or "", {}).get("grades", {}).get("bands") or grades.get("bands")
    names = scales.CONTRACT
    pairs = scales.band_pairs(bands or None)
    return tuple((lo, names[min(i, len(names) - 1)]) for i, (lo, _) in enumerate(pairs))


def grade_of(total: Decimal, province: str | None = None) -> str:
    """The contract grade (优/良/中/差) of a score under checks.toml's bands (default 90/80/60)."""
    bands = _bands(province)
    for low, grade in bands:
        if total >= low:
            return grade
    return bands[-1][1]


GRADE_WORDS = {"优": "优秀", "良": "良好", "中": "中等", "差": "差"}
GRADE_WORDS_SH = {"优": "优", "良": "良", "中": "合格", "差": "不合格"}
NEXT_GRADE = {"优": "良", "良": "优", "中": "良", "差": "中"}


# ------------------------------------------------------------------------------ model

@dataclass
class Line:
    level1: str
    level2: str
    level3: str
    op: str                     # ≥ ≤ = or 定性 / '' (split-cell layouts show it in its own cell)
    value: str
    unit: str
    actual: str
    weight: Decimal | None
    score: Decimal | None
    kind: str                   # floor (≥/= numeric), ceil (≤ numeric), qual, cost
    tv: Decimal | None = None   # target value (numeric kinds)
    reason: str = ""

    @property
    def target(self) -> str:
        return f"{self.op}{self.value}{self.unit}"


@dataclass
class Project:
    name: str
    agency: str
    topic: str
    initial: Decimal | None
    full: Decimal | None
    executed: Decimal | None
    rate: Decimal | None              # stated execution rate (percent)
    bw: Decimal | None
    bs: Decimal | None
    lines: list[Line]
    total: Decimal | None = None      # stated total
    grade: str | None = None          # stated grade (one character), layouts that state one
    goal: str = ""
    injected: list[tuple[str, str]] = field(default_factory=list)   # (rule, detail)

    def calc_total(self) -> Decimal:
        return (self.bs or D0) + sum((ln.score or D0 for ln in self.lines), D0)

    def calc_rate(self) -> Decimal | None:
        if self.full in (None, D0) or self.executed is None:
            return None
        return self.executed * D100 / self.full


@dataclass
class Report:
    idx: int
    layout: str                       # cells dept annex tabs form juesuan table
    fmt: str
    code: str
    county: str
    city: str
    province: str
    agency: str
    sector: str
    year: int
    projects: list[Project]
    doc_kind: str
    overall_score: Decimal | None = None
    overall_grade: str | None = None
    narrative_score: Decimal | None = None
    parts: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)
    summary: dict | None = None
    statement: dict | None = None     # juesuan: the 绩效自评 sentence's figures
    rel: str = ""                     # path under docs/


# ------------------------------------------------------------------------------ generation

COST_KINDS = ("total", "unit", "part", "overrun")
_WEIGHT_DEC = [Decimal(i) for i in range(101)]


def _ch(rng, seq):
    """rng.choice without its per-call overhead (the generator's hot path draws ~100 a report)."""
    return seq[int(rng.random() * len(seq))]


def _ri(rng, a: int, b: int) -> int:
    """rng.randint(a, b), cheaply."""
    return a + int(rng.random() * (b - a + 1))


# What sets a report's size (its format, its layout, the number of projects of a bundle) is drawn from Weyl
# sequences (start + idx × an irrational step, mod 1) rather than at random: any first N reports then hold the
# mix of the whole corpus, so corpora of 200 and 2,000 reports do comparable work per report (random draws
# left the first 200 of seed 7's 2,000 text reports with 11 % fewer rows a report, and a benchmark of 10× the
# reports measured 11.2× the work). The three steps are rationally independent, so the draws do not follow
# one another; everything else about a report stays random.
_STEPS = {"format": (math.sqrt(5) - 1) / 2, "layout": math.sqrt(2) - 1, "projects": math.sqrt(3) - 1}


@lru_cache(maxsize=None)
def _start(seed, name: str) -> float:
    return random.Random(f"{seed}:{name}:start").random()


def spread(seed, name: str, idx: int) -> float:
    """The idx-th value in [0, 1) of the seed's low-discrepancy sequence `name` (see _STEPS)."""
    return (_start(seed, name) + idx * _STEPS[name]) % 1.0


def _weighted(u: float, seq, cum_weights):
    """The item of seq whose share of the cumulative weights holds u in [0, 1) (random.choices' rule)."""
    return seq[min(bisect.bisect(cum_weights, u * cum_weights[-1]), len(seq) - 1)]


def _bundle_size(u: float) -> int:
    """Projects in a bundle: 3 plus an exponential of mean 6 (at the quantile u), at most 30."""
    return min(30, 3 + int(-6 * math.log(1.0 - u)))


def _pick(rng, seq, k: int) -> list:
    """k distinct items of seq (fewer if seq is shorter); cheap for the common k <= 1."""
    if k <= 0:
        return []
    if k == 1:
        return [seq[int(rng.random() * len(seq))]]
    return rng.sample(seq, k=min(k, len(seq)))

class Generator:
    """Builds one report's content from its own RNG (so one report's choices never shift another's)."""

    def __init__(self, seed: int, error_rate: float):
        self.seed = seed
        self.error_rate = error_rate
        self.places = divisions()

    def report(self, idx: int, layout: str, fmt: str) -> Report:
        rng = random.Random(f"{self.seed}:{idx}:report")
        code, county, city, province = _ch(rng, self.places)
        sector = _ch(rng, list(SECTORS))
        if layout == "juesuan" and rng.random() < 0.5:
            sector = "财政"
        sec = SECTORS[sector]
        prefix = province if province in MUNICIPALITIES else ""
        agency = prefix + county + _ch(rng, sec["agencies"])
        year = _ch(rng, [2019, 2020, 2021, 2021, 2022, 2022, 2023, 2023, 2024, 2024])
        if layout in SINGLE_LAYOUTS:
            n = 1
        elif layout == "juesuan":
            n = 0
        elif fmt == "scan":
            n = _ch(rng, [1, 1, 2, 3])             # a scanned, stamped table or two, not a bundle
        else:
            n = _bundle_size(spread(self.seed, "projects", idx))
        split = layout == "dept"
        names = self._project_names(rng, sector, n, year, province, code, layout)
        projects = [self.project(rng, sector, agency, name, layout, split) for name in names]
        doc_kind = {"cells": "project_report", "annex": "project_report", "form": "project_report",
                    "dept": "department_report", "juesuan": "department_report"}.get(
            layout, "project_tables" if n > 1 else "project_report")
        rep = Report(idx, layout, fmt, code, county, city, province, agency, sector, year, projects, doc_kind)
        for p in projects:
            if rng.random() < self.error_rate:
                self.inject(rng, rep, p)
        self.finish(rng, rep)
        return rep

    # -- names -----------------------------------------------------------------------------
    def _project_names(self, rng, sector, n, year, province, code, layout) -> list[str]:
        sec = SECTORS[sector]
        pool = sec["projects"] + rng.sample(GENERIC_PROJECTS, k=min(len(GENERIC_PROJECTS), 8))
        rng.shuffle(pool)
        out, used = [], set()
        abbr = PROVINCE_ABBR.get(province[:3] if province.startswith("黑龙江") or province.startswith("内蒙古") else province[:2], "")
        for i in range(n):
            if i < len(pool) and rng.random() < 0.85:
                name = pool[i]
            else:
                level = _ch(rng, ["中央财政", "省级财政", "中央", "省级"])
                topic = _ch(rng, sec["projects"]).replace("经费", "").replace("资金", "").replace("补助", "")
                name = (f"关于下达{year}年{level}{topic}补助资金的通知{abbr}财{sec['dept']}〔{year - _ri(rng, 0, 1)}〕"
                        f"{_ri(rng, 8, 260)}号")
            if layout == "dept" and rng.random() < 0.5:
                name = f"{code[:6]}{str(year)[2:]}T{rng.randrange(10 ** 14, 10 ** 15)}-{name}"
            base, k = name, 2
            while name in used:
                name = f"{base}（{'二三四五六七八九'[min(k - 2, 7)]}期）" if k < 10 else f"{base}{k}"
                k += 1
            used.add(name)
            out.append(name)
        return out

    # -- one project -----------------------------------------------------------------------
    def project(self, rng, sector, agency, name, layout, split) -> Project:
        x = rng.random()
        tier = "strong" if x < 0.78 else "moderate" if x < 0.95 else "weak"
        full = self._amount(rng)
        if layout == "form":
            return self._form_project(rng, sector, agency, name, full, tier)
        r = rng.random()
        if layout == "annex":
            initial = None
        elif r < 0.58:
            initial = full
        elif r < 0.83:
            initial = self._round_like(full * Decimal(str(rng.uniform(0.8, 1.3))), full)
        elif r < 0.93 or layout in ("cells",):
            initial = D0 if layout != "cells" else full
        else:
            initial = None if layout in ("tabs", "table") else D0
        rate_pct = self._rate(rng, tier)
        executed = full if rate_pct == D100 else q2(full * rate_pct / D100)
        if executed <= 0:
            executed = Q2
        p = Project(name=name, agency=agency, topic=re.sub(r"(经费|资金|项目|费用|补助|补贴)$", "", name)[:14],
                    initial=initial, full=full, executed=executed, rate=None, bw=Decimal(10), bs=None, lines=[])
        p.lines = self._lines(rng, sector, p, tier, split, layout)
        self._set_budget(p)
        # 优 with a low execution rate is a finding of its own: spend more, or score lower
        low = excellent_min_execution()
        if p.calc_rate() < low and grade_of(p.calc_total()) == "优":
            p.executed = q2(full * Decimal(_ri(rng, min(99, int(low) + 2), 99)) / D100)
            self._set_budget(p)
        p.goal = _ch(rng, GOALS).format(topic=p.topic)
        return p

    @staticmethod
    def _set_budget(p: Project) -> None:
        calc = p.calc_rate()
        p.rate = q2(calc)
        p.bs = q2(min(p.bw * calc / D100, p.bw))

    @staticmethod
    def _amount(rng) -> Decimal:
        x = 10 ** rng.uniform(0.2, 3.3)
        if rng.random() < 0.4:
            return Decimal(max(1, round(x)))
        return q2(Decimal(str(x)))

    @staticmethod
    def _round_like(x: Decimal, like: Decimal) -> Decimal:
        return Decimal(max(1, int(x))) if like == like.to_integral_value() else q2(x)

    @staticmethod
    def _rate(rng, tier) -> Decimal:
        if tier == "strong":
            return D100 if rng.random() < 0.6 else q2(Decimal(str(rng.uniform(88, 100))))
        if tier == "moderate":
            return D100 if rng.random() < 0.3 else q2(Decimal(str(rng.uniform(78, 100))))
        return q2(Decimal(str(rng.uniform(50, 95))))

    def _weights(self, rng, total: int, k: int) -> list[Decimal]:
        if k == 1:
            return [Decimal(total)]
        if total == 50 and k == 4 and rng.random() < 0.3:
            return [Decimal("12.5")] * 4
        unit = 5 if total // 5 >= k and rng.random() < 0.75 else 1
        slots = total // unit
        shares = [rng.random() + 0.35 for _ in range(k)]
        scale = (slots - k) / sum(shares)
        parts = [1 + int(x * scale) for x in shares]          # each at least one unit
        parts[int(rng.random() * k)] += slots - sum(parts)     # the rounding remainder somewhere
        return [_WEIGHT_DEC[x * unit] for x in parts]

    def _lines(self, rng, sector, p: Project, tier, split, layout) -> list[Line]:
        sec = SECTORS[sector]
        deduct_p = {"strong": 0.04, "moderate": 0.3, "weak": 0.65}[tier]
        share_lo = {"strong": 0.85, "moderate": 0.65, "weak": 0.4}[tier]
        used: set[str] = set()
        specs = []   # (level1, level2, maker)
        quantity = sec["quantity"] + GENERIC_QUANTITY[:2]
        r = rng.random
        for item in _pick(rng, quantity, 1 if r() < 0.4 else 2 if r() < 0.67 else 3):
            specs.append(("产出指标", "数量指标", ("count",) + item))
        for name, pct in _pick(rng, QUALITY, 1 if r() < 0.67 else 2):
            specs.append(("产出指标", "质量指标", ("rate", name, pct)))
        for item in _pick(rng, TIMELY, 1 if r() < 0.67 else 2):
            specs.append(("产出指标", "时效指标", ("timely",) + item))
        x = r()
        for kind in _pick(rng, COST_KINDS, 0 if x < 0.25 else 1 if x < 0.75 else 2):
            specs.append(("产出指标", "成本指标", ("cost", kind)))
        n_out = len(specs)
        ben = []
        soc = _pick(rng, sec["social"], 1 if r() < 0.67 else 2)
        for name, how in soc:
            ben.append(("效益指标", "社会效益指标", ("benefit", name, how)))
        if rng.random() < 0.25:
            ben.append(("效益指标", "经济效益指标", ("benefit",) + _ch(rng, ECON)))
        if rng.random() < 0.1:
            ben.append(("效益指标", "生态效益指标", ("benefit",) + _ch(rng, ECO)))
        if rng.random() < 0.7:
            ben.append(("效益指标", "可持续影响指标", ("benefit",) + _ch(rng, SUSTAIN)))
        ben = ben[:3]
        specs += ben
        sats = _pick(rng, SATISFACTION, 1 if r() < 0.8 else 2)
        specs += [("满意度指标", "服务对象满意度指标", ("sat", s)) for s in sats]
        weights = (self._weights(rng, 50, n_out) + self._weights(rng, 30, len(ben))
                   + self._weights(rng, 10, len(sats)))
        lines = []
        for (l1, l2, spec), w in zip(specs, weights):
            ln = self._line(rng, p, l1, l2, spec, w, split)
            if ln.level3 in used:
                ln.level3 = ln.level3 + "（" + l2[:2] + "）"
            used.add(ln.level3)
            if rng.random() < deduct_p:
                self._deduct(rng, ln, share_lo, split)
            lines.append(ln)
        return lines

    def _line(self, rng, p: Project, l1, l2, spec, w: Decimal, split) -> Line:
        kind = spec[0]

        def floor(name, value, unit, actual, op="≥"):
            return Line(l1, l2, name, op, trim(value), unit, f"{trim(actual)}{unit}", w, w, "floor", tv=value)

        def qual(name, word):
            if split:
                word2 = _ch(rng, ["好", "优", "高"])
                return Line(l1, l2, name, "定性", word2, "", word2, w, w, "qual")
            return Line(l1, l2, name, "", word, "", word if rng.random() < 0.8 else _ch(rng, ["已完成", "达到预期"]),
                        w, w, "qual")

        if kind == "count":
            _, name, unit, lo, hi = spec
            n = Decimal(_ri(rng, lo, hi))
            if n > 1000 and rng.random() < 0.6:
                n = Decimal(int(n) // 100 * 100)
            op = "=" if rng.random() < 0.15 else "≥"
            extra = D0 if op == "=" or rng.random() < 0.6 else Decimal(_ri(rng, 1, max(1, int(n) // 10 + 1)))
            return floor(name, n, unit, n + extra, op)
        if kind in ("rate", "sat"):
            name = spec[1]
            pct = Decimal(spec[2]) if kind == "rate" else Decimal(_ch(rng, [85, 90, 90, 95]))
            actual = pct if rng.random() < 0.5 or pct == D100 else Decimal(_ri(rng, int(pct), 100))
            if rng.random() < 0.2 and actual < D100:
                actual = actual + Decimal(_ri(rng, 1, 9)) / 10 if actual < 99 else actual
            return floor(name, pct, "%", actual)
        if kind == "timely":
            name, how = spec[1], spec[2]
            if how == "rate":
                pct = Decimal(spec[3])
                return floor(name, pct, "%", Decimal(_ri(rng, int(pct), 100)))
            if how.startswith("qual:"):
                return qual(name, how[5:])
            unit = {"month": "月", "day": "天", "workday": "个工作日"}[how]
            n = Decimal(spec[3]) if how == "month" else Decimal(_ch(rng, [int(spec[3]), 15, 20, 7, 5]))
            act = n if rng.random() < 0.6 else max(D1, n - _ri(rng, 1, max(1, int(n) // 3)))
            return Line(l1, l2, name, "≤", trim(n), unit, f"{trim(act)}{unit}", w, w, "ceil", tv=n)
        if kind == "cost":
            how = spec[1]
            full, ex = p.full, p.executed
            if how == "total":
                name = _ch(rng, ["项目总成本", "总成本", "费用总成本", "项目支出总额"])
                return Line(l1, l2, name, "≤", trim(full), "万元", f"{trim(ex)}万元", w, w, "cost", tv=full)
            if how == "unit":
                name, unit, lo, hi = _ch(rng, [("人均补助标准", "元/人", 200, 3000), ("单位采购成本", "元/台", 2000, 9000),
                                                 ("每场次活动成本", "元", 500, 5000), ("平均培训成本", "元/人次", 100, 800)])
                n = Decimal(_ri(rng, lo, hi) // 10 * 10)
                act = n if rng.random() < 0.6 else n - Decimal(_ri(rng, 1, int(n) // 10)) // 10 * 10
                return Line(l1, l2, name, "≤", trim(n), unit, f"{trim(act)}{unit}", w, w, "ceil", tv=n)
            if how == "part":
                name = _ch(rng, ["培训成本", "宣传资料印制成本", "设备购置成本", "维护成本", "劳务成本"])
                cap = q2(full * Decimal(str(rng.uniform(0.15, 0.6))))
                if cap <= Q2:
                    cap = full
                act = q2(cap * Decimal(str(rng.uniform(0.8, 1.0))))
                return Line(l1, l2, name, "≤", trim(cap), "万元", f"{trim(act)}万元", w, w, "cost", tv=cap)
            return Line(l1, l2, "项目超支额", "=", "0", "万元", "0万元", w, w, "cost", tv=D0)
        if kind == "benefit":
            name, how = spec[1], spec[2]
            if how.startswith("qual:"):
                return qual(name, how[5:])
            if how == "rate":
                pct = Decimal(_ch(rng, [85, 90, 95, 98]))
                return floor(name, pct, "%", Decimal(_ri(rng, int(pct), 100)))
            if how in ("ceil_rate", "ceil_rate_small"):
                cap = Decimal(_ch(rng, [1, 2, 3, 5])) if how == "ceil_rate_small" else Decimal(_ch(rng, [5, 10]))
                act = q2(cap * Decimal(str(rng.uniform(0.2, 0.9))))
                act = act.quantize(Decimal("0.1"))
                if act <= 0:
                    act = Decimal("0.1")
                return Line(l1, l2, name, "≤", trim(cap), "%", f"{trim(act)}%", w, w, "ceil", tv=cap)
            if how == "year":
                n = Decimal(_ch(rng, [1, 2, 3, 5, 8, 10]))
                return floor(name, n, "年", n)
        raise ValueError(spec)

    def _deduct(self, rng, ln: Line, share_lo: float, split: bool) -> None:
        """Miss the target: a floor line scores weight x achieved share; a qualitative one loses points."""
        w = ln.weight
        if ln.kind == "floor" and ln.tv is not None and ln.tv >= 2:
            share = Decimal(str(rng.uniform(share_lo, 0.97)))
            if ln.unit == "%":
                act = (ln.tv * share).quantize(Decimal("0.1"))
            else:
                act = Decimal(int(ln.tv * share))
            if act <= 0 or act >= ln.tv:
                return
            ln.actual = f"{trim(act)}{ln.unit}"
            ln.score = q2(w * act / ln.tv)
            ln.reason = _ch(rng, REASONS)
        elif ln.kind == "qual":
            lost = q2(w * Decimal(str(rng.uniform(0.05, 1 - share_lo + 0.05))))
            lost = max(Decimal("0.5"), (lost * 2).quantize(D1) / 2)
            if lost >= w:
                return
            ln.score = w - lost
            ln.actual = "中" if split else _ch(rng, QUAL_SHORTFALL)      # 定性: 好/中/差
            ln.reason = _ch(rng, REASONS)

    def _form_project(self, rng, sector, agency, name, full, tier) -> Project:
        """Seed 004's form: 计划安排资金 and 实际支出 (no full-year budget, no rate), 定量目标 lines
        without weights, and the 评价指标体系 (项目决策/项目管理/项目绩效) that carries the score."""
        sec = SECTORS[sector]
        executed = q2(full * self._rate(rng, tier) / D100)
        lines = []
        qty = rng.sample(sec["quantity"], k=min(2, len(sec["quantity"])))
        plan = [("项目产出指标", "数量指标", q) for q in qty]
        for l1, l2, (qname, unit, lo, hi) in plan:
            n = Decimal(_ri(rng, lo, hi))
            lines.append(Line(l1, l2, qname, "", trim(n), unit, f"{trim(n + _ri(rng, 0, 3))}{unit}", None, None, "form"))
        for l1, l2, nm in [("项目产出指标", "质量指标", _ch(rng, QUALITY)[0]),
                           ("项目产出指标", "时效指标", "全年任务在年底完成"),
                           ("项目产出指标", "成本指标", "控制支出在预算内"),
                           ("项目效益指标", "社会效益指标", _ch(rng, sec["social"])[0]),
                           ("项目效益指标", "服务对象满意度指标", _ch(rng, SATISFACTION))]:
            lines.append(Line(l1, l2, nm, "", "100", "%", "100%", None, None, "form"))
        lost_p = {"strong": 0.08, "moderate": 0.3, "weak": 0.6}[tier]
        l1 = l2 = ""
        for (a, _, b, _, c, w, _, _) in FORM_SYSTEM:
            l1, l2 = a or l1, b or l2
            w = Decimal(w)
            score = w
            if rng.random() < lost_p and w >= 2:
                score = w - Decimal(_ri(rng, 1, int(w) - 1 if w > 2 else 1))
            lines.append(Line(l1, l2, c, "", "", "", "", w, score, "system"))
        p = Project(name=name, agency=agency, topic=name, initial=full, full=None, executed=executed, rate=None,
                    bw=None, bs=None, lines=lines)
        p.goal = _ch(rng, GOALS).format(topic=name)
        return p

    # -- injections ------------------------------------------------------------------------
    def inject(self, rng, rep: Report, p: Project) -> None:
        layout = rep.layout
        options = [r for r in ELIGIBLE.get(layout, ()) if not p.injected]
        if not options:
            return
        # a stated grade is rare (one-project layouts): give it the weight to show up at all
        rule = rng.choices(options, weights=[4 if r == "grade_mismatch" else 1 for r in options])[0]
        if rule == "total_score_mismatch":
            calc = p.calc_total()
            for delta in rng.sample([Decimal(x) for x in ("0.5", "1", "2", "3", "5", "-0.5", "-1", "-2", "-3", "-5")], 10):
                t = calc + delta
                if t <= 100 and t >= 0 and grade_of(t, rep.province) == grade_of(calc, rep.province):
                    p.total = t
                    p.injected.append((rule, f"总分填报{trim(t)}，各行得分之和{trim(calc)}"))
                    return
        elif rule == "execution_rate_mismatch":
            calc = p.calc_rate()
            cands = []
            if p.initial and p.initial != p.full:
                cands.append(q2(p.executed * D100 / p.initial))                # rate against the initial budget
            if calc == D100:
                cands.append(Decimal(10))                                      # 100 written as 10 (seed 003)
            cands.append(q2(calc - Decimal(_ri(rng, 2, 15))))
            cands.append(q2(min(D100, calc + Decimal(_ri(rng, 2, 9)))))
            for wrong in cands:
                if abs(wrong - calc) > 1 and D0 <= wrong <= D100:
                    p.rate = wrong
                    p.injected.append((rule, f"执行率填报{trim(wrong)}%，应为{trim(q2(calc))}%"))
                    return
        elif rule == "grade_mismatch":
            p.grade = "wrong"          # resolved in finish(), once the total is final
            p.injected.append((rule, ""))
        elif rule == "indicator_full_score_unmet":
            cands = [ln for ln in p.lines if ln.kind == "floor" and ln.tv is not None and ln.tv >= 2
                     and ln.score == ln.weight]
            if cands:
                ln = _ch(rng, cands)
                share = Decimal(str(rng.uniform(0.5, 0.95)))
                act = (ln.tv * share).quantize(Decimal("0.1")) if ln.unit == "%" else Decimal(int(ln.tv * share))
                if D0 < act < ln.tv:
                    ln.actual = f"{trim(act)}{ln.unit}"
                    ln.reason = ""
                    p.injected.append((rule, f"「{ln.level3}」目标{ln.target}，完成{ln.actual}，得满分{trim(ln.score)}"))
                    return
        elif rule == "weight_sum_mismatch":
            cands = [ln for ln in p.lines if ln.weight is not None and ln.score == ln.weight and ln.weight >= 4]
            if cands:
                ln = _ch(rng, cands)
                d = Decimal(_ch(rng, [-3, -2, -1, 1, 2, 3, 5]))
                if ln.weight + d >= 2:
                    old, before = ln.weight, p.calc_total()
                    ln.weight = ln.score = ln.weight + d
                    after = p.calc_total()
                    if after > 100 or grade_of(after, rep.province) != grade_of(before, rep.province):  # same grade
                        ln.weight = ln.score = old
                        return
                    p.injected.append((rule, f"「{ln.level3}」权重{trim(old)}改为{trim(ln.weight)}，权重合计{trim(100 + d)}"))
                    return

    # -- report-level figures --------------------------------------------------------------
    def finish(self, rng, rep: Report) -> None:
        sh = rep.province == "上海市"
        for p in rep.projects:
            if p.total is None:
                p.total = p.calc_total()
            if rep.layout in ("cells", "form"):
                g = grade_of(p.total, rep.province)
                if p.grade == "wrong":
                    g2 = NEXT_GRADE[g]
                    if g2 == "优" and (p.calc_rate() or D100) < excellent_min_execution():
                        g2 = "中"
                    p.grade = g2
                    p.injected[-1] = ("grade_mismatch", f"总分{trim(p.total)}应为{g}，填报{g2}")
                else:
                    p.grade = g
            else:
                p.grade = None
        if rep.layout in ("cells", "form"):
            p = rep.projects[0]
            rep.overall_score, rep.overall_grade = p.total, p.grade
        elif rep.layout == "dept":
            parts = []
            for label, mx in DEPT_PARTS:
                mx = Decimal(mx)
                lost = D0 if rng.random() < 0.6 else q2(mx * Decimal(str(rng.uniform(0.02, 0.25))))
                parts.append((label, mx, mx - lost))
            rep.parts = parts
            rep.overall_score = sum((s for _, _, s in parts), D0)
            rep.narrative_score = rep.overall_score
        elif rep.layout == "annex":
            p = rep.projects[0]
            parts = [("资金管理", p.bw, p.bs)]
            groups: dict[str, list] = {}
            for ln in p.lines:
                g = groups.setdefault(ln.level2, [D0, D0])
                g[0] += ln.weight
                g[1] += ln.score
            parts += [(k, v[0], v[1]) for k, v in groups.items()]
            rep.parts = parts
            rep.narrative_score = sum((s for _, _, s in parts), D0)
        elif rep.layout == "tabs" and rng.random() < 0.75:
            counts = Counter(grade_of(p.total, rep.province) for p in rep.projects)
            rep.summary = dict(projects_due=len(rep.projects), projects_evaluated=len(rep.projects),
                               funds_due=sum((p.full for p in rep.projects), D0),
                               funds_evaluated=sum((p.executed for p in rep.projects), D0),
                               counts={g: counts.get(g, 0) for g in "优良中差"})
        elif rep.layout == "juesuan":
            n = _ch(rng, [1, 2, 3, 4, 5, 6, 8, 12, 15, 20, 26, 39])
            scores = []
            for _ in range(n):
                r = rng.random()
                s = Decimal(100) if r < 0.45 else q2(Decimal(str(rng.uniform(90, 99.9) if r < 0.9 else rng.uniform(70, 90))))
                scores.append(s)
            counts = Counter(grade_of(s, rep.province) for s in scores)
            rep.statement = dict(n=n, funds=q2(Decimal(str(10 ** rng.uniform(1.5, 3.8)))),
                                 avg=q2(sum(scores, D0) / n), counts={g: counts.get(g, 0) for g in "优良中差"},
                                 words=GRADE_WORDS_SH if sh or rng.random() < 0.5 else {"优": "优", "良": "良", "中": "中", "差": "差"})


# ------------------------------------------------------------------------------ text layouts

def _person(rng) -> str:
    return _ch(rng, SURNAMES) + "".join(_ch(rng, GIVEN) for _ in range(_ch(rng, [1, 2])))


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
                    f"主管部门： {p.agency}-{rep.code[:3]}{_ri(rng, 1, 999):03d}", "", "",
                    f"{y + 1}年{_ri(rng, 1, 4)}月", "", ""]
    toc = ["一、项目的基本情况\t3", "（一）项目概况\t3", "（二）预算执行情况\t3", "（三）项目绩效目标\t4",
           "二、项目绩效情况\t4", "三、项目绩效分析\t6", "四、项目主要经验做法\t7", "五、项目管理中存在问题及原因分析\t8"]
    L += toc + ["\t", "", "", f"[bookmark: _Toc{_ri(rng, 10 ** 7, 10 ** 8)}]一、项目的基本情况", "（一）项目概况",
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


def render_dept(rep: Report, rng) -> str:
    """Seed 001: a 部门决算 whose 附件 states 部门整体自评得分 and part scores, then one table per project."""
    y, ag = rep.year, rep.agency
    ex = sum((p.executed for p in rep.projects), D0)
    basic = q2(ex * Decimal(str(rng.uniform(0.6, 1.6))))
    total = basic + ex
    L = [" [bookmark: _Toc15377196]", "", "第一部分  部门概况", "", "一、部门职责",
         f"1、贯彻执行国家、省、市关于{rep.sector}工作的方针政策和法律法规。", "2、组织实施本部门年度重点工作任务。",
         "3、完成县委、县政府交办的其他事项。", "", "二、机构设置",
         f"{ag}是正科级行政单位，是有独立法人的一级预算单位，编制人数{_ri(rng, 6, 60)}人。",
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
                 ["", "", p.goal, _ch(rng, DONE)],
                 ["", "2.项目实施内容及过程概述", f"按计划实施{p.topic}相关工作。"],
                 [f"预算执行情况（{trim(p.bw)}分）", "年度预算数（万元）", "年初预算", "调整后预算数", "预算执行数", "预算执行率",
                  "权重", "得分", "原因"],
                 ["", "总额", fixed2(p.initial), fixed2(p.full), fixed2(p.executed), f"{fixed2(p.rate)}%", trim(p.bw),
                  trim(p.bs), ""],
                 ["", "其中：财政资金", fixed2(p.initial), fixed2(p.full), fixed2(p.executed), f"{fixed2(p.rate)}%", "/", "/", ""],
                 ["", "财政专户管理资金", "0.00", "0.00", "0.00", "0.00%", "/", "/", ""],
                 ["", "单位资金", "0.00", "0.00", "0.00", "0.00%", "/", "/", ""],
                 ["", "其他资金", "", "", "", "", "/", "/", ""],
                 [f"绩效指标（{trim(100 - p.bw)}分）", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值",
                  "权重", "得分", "未完成原因分析"]]
        for ln in p.lines:
            rows.append(["", ln.level1, ln.level2, ln.level3, ln.op, ln.value, ln.unit, ln.actual, trim(ln.weight),
                         trim(ln.score), ln.reason])
        rows += [["合计", "100", trim(p.total), ""],
                 ["评价结论", f"自评{trim(p.total)}分。{p.goal}"], ["存在问题", _ch(rng, ["无", "部分指标设置不够细化。"])],
                 ["改进措施", _ch(rng, ["无", "进一步细化绩效目标。"])]]
    rows.append([""] * 11)
    L += _cells(rows)
    return "\n".join(L) + "\n"


def render_annex(rep: Report, rng) -> str:
    """Seed 002: a one-project report whose narrative states (满分X分，自评得分Y分) per part, and an 附件 table."""
    p, y = rep.projects[0], rep.year
    rate = f"{trim(p.rate)}%"
    L = ["", f"{y}年{p.name}绩效自评报告", f"（{p.agency}）", f"{y + 1}年{_ri(rng, 1, 4)}月{_ri(rng, 1, 28)}日", "",
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
            ["", "其中：本年财政拨款", trim(p.full), trim(p.executed), "一", rate, "一"],
            ["", "其他资金", "", "", "一", "", "一"],
            ["年度总体目标", "年初设定目标", "年度总体目标完成情况综述"], ["", p.goal, _ch(rng, DONE)],
            ["绩\n效\n指\n标", "一级指标", "二级指标", "三级指标", "分值", "年度指标值", "全年实际值", "得分",
             "未完成的原因及拟采取的改进措施"]]
    weights = {}
    for ln in p.lines:
        weights[ln.level1] = weights.get(ln.level1, D0) + ln.weight
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


def in_yuan(rep: Report) -> bool:
    """Whether the report's project tables state amounts in 元 (its own draw: the rendering's others stay as they were)."""
    return random.Random(f"{rep.code}:{rep.idx}:yuan").random() < YUAN_RATE


def money_text(x: Decimal | None, yuan: bool) -> str:
    """An amount (万元) as the report prints it: in 元 when `yuan`."""
    return trim(x * 10000 if yuan and x is not None else x)


def render_tabs(rep: Report, rng, with_extras: bool = True) -> str:
    """Seed 003: tab-separated project tables (markdown headings), a 汇总表 and a covering report; some with their
    amounts in 元 (`in_yuan`; the truth stays in 万元)."""
    y, n = rep.year, len(rep.projects)
    yuan = in_yuan(rep)

    def money(x: Decimal | None) -> str:
        return money_text(x, yuan)
    boss, clerk, phone = _person(rng), _person(rng), f"{_ri(rng, 2, 8)}{_ri(rng, 100000, 999999)}"
    date = f"{y + 1}.{_ri(rng, 1, 3)}.{_ri(rng, 1, 28)}"
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
              "\t".join(["", "其中：当年财政拨款", money(p.initial), money(p.full), money(p.executed), "—", rate if rng.random() < 0.5 else "", "—", ""]),
              "\t".join(["", "上年结转资金", "", "", "", "—", "", "—", ""]),
              "\t".join(["", "其他资金", "", "", "", "—", "", "—", ""]),
              "\t".join(["年度 总体 目标" if sp else "年度总体目标", "预期目标", "", "", "实际完成情况", "", "", "", ""]),
              "\t".join(["", p.goal, "", "", _ch(rng, DONE), "", "", "", ""]),
              "\t".join(["绩效指标", "一级 指标" if sp else "一级指标", "二级指标", "三级指标", "年度 指标值" if sp else "年度指标值",
                         "实际 完成值" if sp else "实际完成值", "分值", "得分", "偏差原因分析 及改进措施" if sp else "偏差原因分析及改进措施"])]
        prefixed = rng.random() < 0.3
        l1_last = l2_last = None
        k = 0
        for ln in p.lines:
            l1 = ln.level1 if ln.level1 != l1_last else ""
            l2 = ln.level2 if (ln.level2, ln.level1) != l2_last else ""
            if sp and l1:
                l1 = l1[:2] + " " + l1[2:]
            k = 1 if l2 else k + 1
            name = f"指标 {k}: {ln.level3}" if prefixed else ln.level3
            target = ln.target.replace(ln.value, ln.value + " ", 1) if sp and ln.unit and ln.value else ln.target
            cells = ["", l1, l2, name, target, ln.actual, trim(ln.weight), trim(ln.score), ln.reason]
            if not l1 and l2 and not ln.reason and rng.random() < 0.15:
                cells = cells[1:] + [""]           # the export lost the row's first empty cell (seed 003)
            L.append("\t".join(cells))
            if prefixed and l2 and rng.random() < 0.4:
                L.append("\t".join(["", "", "", f"指标 {k + 1}:", "", "", "", "", ""]))
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
            ["项目负责人", _person(rng), "联系电话", f"1{_ri(rng, 3, 9)}{_ri(rng, 10 ** 8, 10 ** 9 - 1)}"],
            ["项目起止时间", f"{y}年   01    月起至    {y} 年    12   月止"],
            ["计划安排资金\n（万元）", trim(p.initial), "实际到位资金\n（万元）", trim(p.initial), "实际支出\n（万元）",
             trim(p.executed), "结余\n（万元）", trim(p.initial - p.executed)],
            ["二、项目支出明细情况"], ["支出内容", "实际支出数", "会计凭证号", "备注"],
            [f"{y}年{p.name}支出", f"{trim(p.executed)}万元", "", ""], ["支出合计", f"{trim(p.executed)}万元", "", ""],
            ["三、项目绩效自评情况"], ["项目绩效定性目标及实施计划完成情况", "预  期 目 标", "实际完成"],
            ["", p.goal, _ch(rng, DONE)],
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


# ------------------------------------------------------------------------------ office formats

RENDERED_LATER = ("pdf", "ofd", "xps", "scan")   # written from LibreOffice's PDFs after the plan: no byte copy of them


def _fixture_module(filename: str, name: str):
    """A private instance of tests/fixtures/<filename> (a source checkout's), or None when it is not there. The
    fixtures' folder is on the import path while it runs, as when it runs as a script: a maker may import a sibling's
    writers (make_xps_fixtures takes make_ofd_fixtures' glyph runs and zip writer)."""
    path = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / filename
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod          # dataclasses look their module up while it executes
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(mod)
    except Exception:
        sys.modules.pop(spec.name, None)
        raise
    finally:
        sys.path.remove(str(path.parent))
    return mod


@lru_cache(maxsize=1)
def ofd_builder():
    """tests/fixtures/make_ofd_fixtures.py (its PDF-to-OFD writer `plain`), or None when the file is not there."""
    return _fixture_module("make_ofd_fixtures.py", "_evalkit_synth_ofd")


@lru_cache(maxsize=1)
def xps_builder():
    """tests/fixtures/make_xps_fixtures.py (its PDF-to-XPS writer `convert`, as Windows' XPS writer writes them), or
    None when the file, fontTools or the Noto Sans CJK font it subsets is not there."""
    if importlib.util.find_spec("fontTools") is None:
        return None
    mod = _fixture_module("make_xps_fixtures.py", "_evalkit_synth_xps")
    return mod if mod is not None and mod.NOTO.is_file() else None


@lru_cache(maxsize=1)
def fixture_builders():
    """A private instance of tests/fixtures/make_fixtures.py (its DOCX/XLSX/HTML builders), with
    `project_cells` wrapped to write each line's deviation reason; None when the file is not there."""
    mod = _fixture_module("make_fixtures.py", "_evalkit_synth_fixtures")
    if mod is None:
        return None
    base = mod.project_cells

    def project_cells(p, inds):
        cells = base(p, inds)
        top = 9
        for c in cells:
            i = c.r - top - 1
            if c.c == 8 and 0 <= i < len(inds) and inds[i].get("reason"):
                c.text = inds[i]["reason"]
        for c in cells:
            if c.r == 8 and c.c == 1 and p.get("goal"):
                c.text = p["goal"]
            if c.r == 2 and c.c == 0 and p.get("yuan"):
                c.text = c.text.replace("万元", "元")       # 项目资金\n(元): the amounts below are in 元
        return cells

    mod.project_cells = project_cells
    mod.docx_table = _fast_docx_table(mod)
    return mod


def _fast_docx_table(mod):
    """make_fixtures.docx_table's table (Table Grid, fixed widths, rows that never split, merges as
    gridSpan/vMerge), written as one XML fragment: python-docx's cell()/merge() walk the whole grid
    on every call, minutes for a 30-project bundle."""
    from xml.sax.saxutils import escape

    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    widths = [int(round(cm * 567)) for cm in mod.COL_CM]     # twentieths of a point

    def para(text: str) -> str:
        if not text:
            return "<w:p/>"
        runs = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(t)}</w:t>' for t in text.split("\n"))
        return f"<w:p><w:r>{runs}</w:r></w:p>"

    def docx_table(d, cells):
        n = mod.n_rows(cells)
        at = {}
        for c in cells:
            for rr in range(c.r, c.r + c.rowspan):
                at[(rr, c.c)] = (c, rr == c.r)
        out = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
               '<w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
               'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>']
        out += [f'<w:gridCol w:w="{w}"/>' for w in widths]
        out.append("</w:tblGrid>")
        for r in range(n):
            out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
            col = 0
            while col < mod.NCOLS:
                c, top = at.get((r, col), (None, True))
                span = c.colspan if c is not None else 1
                props = f'<w:tcW w:w="{sum(widths[col:col + span])}" w:type="dxa"/>'
                if span > 1:
                    props += f'<w:gridSpan w:val="{span}"/>'
                if c is not None and c.rowspan > 1:
                    props += '<w:vMerge w:val="restart"/>' if top else "<w:vMerge/>"
                text = c.text if (c is not None and top) else ""
                out.append(f"<w:tc><w:tcPr>{props}</w:tcPr>{para(text)}</w:tc>")
                col += span
            out.append("</w:tr>")
        out.append("</w:tbl>")
        tbl = parse_xml("".join(out))
        body = d.element.body
        body.insert(len(body) - 1, tbl)           # before the section properties
        return tbl

    return docx_table


def _fixture_rows(rep: Report):
    """The fixture builders' project dicts and indicator lines; amounts in 元 where the report states them so
    (`in_yuan`: the budget block's header then says (元); the truth stays in 万元)."""
    projects, inds = [], {}
    yuan = in_yuan(rep)
    for p in rep.projects:
        d = {"project_name": p.name, "agency": p.agency, "execution_rate": trim(p.rate), "yuan": yuan,
             "budget_initial": money_text(p.initial, yuan), "budget_full_year": money_text(p.full, yuan),
             "executed": money_text(p.executed, yuan),
             "budget_weight": trim(p.bw), "budget_score": trim(p.bs), "total_score": trim(p.total), "goal": p.goal}
        projects.append(d)
        inds[p.name] = [{"level1": ln.level1, "level2": ln.level2, "level3": ln.level3, "target": ln.target,
                         "actual": ln.actual, "weight": trim(ln.weight), "score": trim(ln.score), "reason": ln.reason}
                        for ln in p.lines]
    return projects, (lambda d: inds[d["project_name"]])


FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def _normalize_zip(path: Path, year: int) -> None:
    """Rewrite an OOXML zip with fixed member times and document dates: same content, same bytes."""
    stamp = f"{year + 1}-03-01T00:00:00Z"
    with zipfile.ZipFile(path) as z:
        members = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              lambda m: m.group(1) + stamp.encode() + m.group(3), data)
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    path.write_bytes(buf.getvalue())


def write_now(rep: Report, fmt: str, path: Path, rng) -> bool:
    """Write a text or office file of the report; False for a format rendered later (PDF, OFD, scans)."""
    if fmt == "txt":
        path.write_text(TEXT_RENDER[rep.layout](rep, rng), encoding="utf-8")
    elif fmt in ("docx", "xlsx", "html", "csv", "pptx"):
        render_office(rep, fmt, path)
    else:
        return False
    return True


def render_office(rep: Report, fmt: str, path: Path) -> None:
    mod = fixture_builders()
    projects, inds_of = _fixture_rows(rep)
    year = str(rep.year)
    if fmt == "docx":
        mod.build_docx(projects, inds_of, rep.agency, year, nested=False).save(path)
        _normalize_zip(path, rep.year)
    elif fmt == "pptx":            # the DOCX's paragraphs and tables as slides, as a department pastes them into a deck
        tmp = path.with_name(path.name + ".docx")
        try:
            mod.build_docx(projects, inds_of, rep.agency, year, nested=False).save(tmp)
            path.write_bytes(_fixture_module("pptxfile.py", "_evalkit_synth_pptx").from_docx(tmp))
        finally:
            tmp.unlink(missing_ok=True)
        _normalize_zip(path, rep.year)
    elif fmt == "xlsx":
        mod.build_xlsx(path, projects, inds_of, rep.agency, year)
        _normalize_zip(path, rep.year)
    elif fmt == "csv":             # the workbook's sheet saved as CSV: GB18030 (Excel on Chinese Windows) or UTF-8 with a BOM
        render_csv(path, lambda p: mod.build_xlsx(p, projects, inds_of, rep.agency, year),
                   "gb18030" if zlib.crc32(path.name.encode("utf-8")) % 2 else "utf-8-sig")
    elif fmt == "html":
        mod.build_html(path, projects, inds_of, rep.agency, year)
        raw = path.read_bytes().decode("gbk").replace("开江县人民政府", f"{rep.county}人民政府")
        path.write_bytes(raw.encode("gbk"))
    else:
        raise ValueError(fmt)


def render_csv(path: Path, build_xlsx, encoding: str) -> None:
    """The sheet `build_xlsx(path)` writes, saved as Excel saves a sheet as CSV (values as shown, a merged
    range's value in its top-left cell)."""
    import openpyxl
    tmp = path.with_name(path.name + ".xlsx")
    try:
        build_xlsx(tmp)
        ws = openpyxl.load_workbook(tmp, data_only=True).worksheets[0]
        rows = [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        tmp.unlink(missing_ok=True)
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)


def _soffice() -> str | None:
    from evalkit.readers.office import find_soffice
    return find_soffice()


def _ocr_available() -> bool:
    """evalkit reads scans: its OCR reader is built (readers/ocr.py) and its engine installed."""
    from evalkit.readers import SUFFIXES
    return ".tif" in SUFFIXES and importlib.util.find_spec("rapidocr_onnxruntime") is not None


def render_pdfs(jobs: list[tuple[Report, Path]], scan_jobs: list[tuple[Report, Path]],
                ofd_jobs: list[tuple[Report, Path]] = (), scan_mode: str = "colour",
                xps_jobs: list[tuple[Report, Path]] = ()) -> None:
    """DOCX -> PDF with one LibreOffice run; scans: the PDF's pages as images in an image-only PDF; OFD: the PDF's
    glyph runs and rulings as OFD objects (tests/fixtures/make_ofd_fixtures.py, as PDF-to-OFD converters write them);
    XPS: as Glyphs and Paths with an obfuscated font subset (tests/fixtures/make_xps_fixtures.py, as Windows' 打印到
    XPS writes them)."""
    exe = _soffice()
    ofd_jobs, xps_jobs = list(ofd_jobs), list(xps_jobs)
    with tempfile.TemporaryDirectory(prefix="evalkit-synth-") as tmp:
        tmp = Path(tmp)
        src = []
        for k, (rep, _) in enumerate(jobs + scan_jobs + ofd_jobs + xps_jobs):
            d = tmp / f"r{k:05d}.docx"
            render_office(rep, "docx", d)
            src.append(d)
        for i in range(0, len(src), 50):
            _to_pdf(exe, src[i:i + 50], tmp)
        for k, (rep, out) in enumerate(jobs):
            shutil.move(str(tmp / f"r{k:05d}.pdf"), out)
        for k, (rep, out) in enumerate(scan_jobs, start=len(jobs)):
            _scan(tmp / f"r{k:05d}.pdf", out, random.Random(f"scan:{rep.idx}"), scan_mode)
        if ofd_jobs:
            to_ofd = ofd_builder().plain
            for k, (rep, out) in enumerate(ofd_jobs, start=len(jobs) + len(scan_jobs)):
                to_ofd(tmp / f"r{k:05d}.pdf", out)
        if xps_jobs:
            first = len(jobs) + len(scan_jobs) + len(ofd_jobs)
            xps_builder().convert([(tmp / f"r{k:05d}.pdf", out) for k, (_, out) in enumerate(xps_jobs, start=first)])


def _to_pdf(exe: str, docs: list[Path], tmp: Path) -> None:
    """One LibreOffice run (a private profile) converting `docs` to PDF next to them; a crash (LibreOffice
    now and then aborts while starting) is run once more, for all of them (a PDF it was writing may be cut)."""
    from evalkit.readers.office import crashed, remove_pipe
    profile = tmp / "profile"
    for attempt in (1, 2):
        try:
            proc = subprocess.run([exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                                   "pdf", "--outdir", str(tmp), *map(str, docs)], capture_output=True, timeout=600,
                                  env=dict(os.environ, TMPDIR=str(tmp)))   # its temp files go with the folder
        finally:
            remove_pipe(profile)        # left behind by a crash
        if proc.returncode == 0 or attempt == 2 or not crashed(proc.returncode):
            proc.check_returncode()
            return
        shutil.rmtree(profile, ignore_errors=True)


SCAN_MODES = ("colour", "grey", "bw")     # a scanner's 彩色, 灰度 and 黑白 modes
BW_AT = 160                                # 黑白: darker than this is black (the red seal too, as the print)


def _scan(pdf: Path, out: Path, rng, mode: str = "colour") -> None:
    """A scan of the printed PDF: a multi-page TIFF (one frame a page, the way office scanners file
    them), 150 dpi, each page slightly turned and soft, the 公章 in red on the first page. `mode` grey: 8-bit
    grey frames; bw: black and white (CCITT G4), the seal as black as the print."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw, ImageFilter
    doc = pdfium.PdfDocument(str(pdf))
    pages = []
    for k, page in enumerate(doc):
        img = page.render(scale=150 / 72).to_pil().convert("RGB")
        if k == 0:
            w, h = img.size
            r = int(w * 0.09)
            cx, cy = int(w * rng.uniform(0.55, 0.8)), int(h * rng.uniform(0.12, 0.3))
            stamp = Image.new("RGBA", img.size, (0, 0, 0, 0))
            d = ImageDraw.Draw(stamp)
            d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(220, 30, 30, 150), width=max(3, r // 14))
            d.regular_polygon((cx, cy, r // 4), 5, fill=(220, 30, 30, 150))
            img = Image.alpha_composite(img.convert("RGBA"), stamp).convert("RGB")
        img = img.rotate(rng.uniform(-0.8, 0.8), expand=False, fillcolor=(255, 255, 255), resample=Image.BILINEAR)
        pages.append(img.filter(ImageFilter.GaussianBlur(0.4)).quantize(colors=32))   # a scanner's palette
    doc.close()
    compression = "tiff_deflate"
    if mode == "grey":
        pages = [p.convert("L") for p in pages]
    elif mode == "bw":
        pages = [p.convert("L").point(lambda v: 255 if v >= BW_AT else 0).convert("1") for p in pages]
        compression = "group4"
    pages[0].save(out, format="TIFF", compression=compression, dpi=(150, 150), save_all=True,
                  append_images=pages[1:])


# ------------------------------------------------------------------------------ truth

def truth_rows(rep: Report) -> tuple[list, list, dict]:
    """The report's rows of projects.csv and indicators.csv (lists in column order) and of reports.csv."""
    seed = Path(rep.rel).name
    projects, indicators = [], []
    year = str(rep.year)
    for p in rep.projects:
        projects.append([seed, rep.county, year, p.agency, p.name,
                         fixed2(p.initial) if rep.layout == "dept" else trim(p.initial), trim(p.full),
                         trim(p.executed), trim(p.rate), trim(p.bw), trim(p.bs), trim(p.total), p.grade or ""])
        # annex writes `产出指标(50分)`: the checker ignores such annotations
        indicators += [[seed, rep.county, p.name, ln.level1, ln.level2, ln.level3, f"{ln.op}{ln.value}{ln.unit}",
                        ln.actual, trim(ln.weight), trim(ln.score)] for ln in p.lines]
    r = {c: "" for c in TRUTH_REPORT_COLS}
    r.update(seed=seed, county=rep.county, city=rep.city, province=rep.province, agency=rep.agency,
             fiscal_year=str(rep.year), doc_kind=rep.doc_kind, n_project_tables=str(len(rep.projects)),
             stated_overall_score=trim(rep.overall_score), stated_overall_grade=rep.overall_grade or "",
             narrative_score=trim(rep.narrative_score))
    if rep.summary:
        s = rep.summary
        r.update(summary_projects_due=str(s["projects_due"]), summary_projects_evaluated=str(s["projects_evaluated"]),
                 summary_funds_due=trim(s["funds_due"]), summary_funds_evaluated=trim(s["funds_evaluated"]))
        for g, col in scales.COUNT_COLUMNS.items():
            r[col] = str(s["counts"][g]) if s["counts"][g] else ""
    if rep.statement:
        s = rep.statement
        r.update(summary_projects_evaluated=str(s["n"]), summary_funds_evaluated=fixed2(s["funds"]),
                 summary_avg_score=fixed2(s["avg"]))
        for g, col in scales.COUNT_COLUMNS.items():
            r[col] = str(s["counts"][g])
    return projects, indicators, r


STANDARD_GROUPS = {"产出指标": 50, "效益指标": 30, "满意度指标": 10}


def expected_findings(rep: Report) -> list[dict]:
    """What the checks should say about this report: each injection and the findings that follow from it."""
    out = []
    for p in rep.projects:
        for rule, detail in p.injected:
            row = {"source_file": rep.rel, "seed": Path(rep.rel).name, "project_name": p.name, "rule": rule,
                   "kind": "injected", "detail": detail}
            out.append(row)
            if rule == "grade_mismatch":
                out.append(row | {"project_name": "", "rule": "report_grade_mismatch", "kind": "consequence"})
            if rule == "weight_sum_mismatch" and rep.layout != "form":
                sums: dict[str, Decimal] = {}
                for ln in p.lines:
                    sums[ln.level1] = sums.get(ln.level1, D0) + ln.weight
                for g, std in STANDARD_GROUPS.items():
                    if sums.get(g, D0) != std:
                        out.append(row | {"rule": "group_weight_nonstandard", "kind": "consequence",
                                          "detail": f"{g}权重合计{trim(sums.get(g, D0))}，标准{std}"})
    return out


# ------------------------------------------------------------------------------ the corpus

def _file_name(rep: Report, ext: str) -> str:
    kind = {"cells": "项目支出绩效自评报告", "annex": "项目绩效自评报告", "form": "项目绩效评价报告",
            "dept": "部门决算", "juesuan": "部门决算", "tabs": "项目支出绩效自评表", "table": "项目支出绩效自评表"}[rep.layout]
    name = f"{rep.idx:05d}_{rep.year}年度{rep.agency}{kind}"
    if rep.layout in SINGLE_LAYOUTS:
        name = f"{rep.idx:05d}_{rep.year}年度{rep.projects[0].name}{kind}"
    name = re.sub(r"[\\/:*?\"<>|.\s]", "", name)[:80]
    return f"{name}.{ext}"


def kept_first(fmt: str) -> int:
    """Where ingest ranks a copy in this format among one report's copies (identity.FORMAT_RANK: the lower is kept;
    a scan is an image), so the truth names the file ingest keeps."""
    from evalkit.identity import FORMAT_RANK
    return FORMAT_RANK.index("image" if fmt == "scan" else fmt)


def _folder(rep: Report) -> str:
    if rep.city == rep.province:
        return f"{rep.province}/{rep.county}"
    return f"{rep.province}/{rep.city}/{rep.county}"


@dataclass
class Planned:
    """One report of the corpus and its files: `rel` in `fmt`; a second format and a byte copy, if any.
    `rep.rel` is the copy evalkit keeps (the truth's file)."""
    rep: Report
    fmt: str
    rel: str
    second: str | None = None
    second_rel: str | None = None
    byte_copy_rel: str | None = None
    earlier: Report | None = None       # an earlier version (other figures) written at earlier_rel; rep.rel says 更正
    earlier_rel: str | None = None
    next_year: Report | None = None     # the report copied as the next year's (its own file and truth)


VERSION_FORMATS = ("txt", "docx", "xlsx", "csv", "html")   # an earlier version is written beside the corrected one


def earlier_version(rep: Report) -> Report | None:
    """The report as first published, before its correction: the first project's execution 1 万元 (or 10 %)
    higher; None for a report without an execution figure to change."""
    import copy
    for n, p in enumerate(rep.projects):
        if p.executed is not None:
            old = copy.deepcopy(rep)
            q = old.projects[n]
            q.executed = (q.executed + max(Decimal(1), (q.executed / 10).quantize(Decimal(1)))).quantize(q.executed)
            return old
    return None


def copied_as_next_year(rep: Report) -> Report | None:
    """The report handed in again as the next year's, every indicator line, actual value and score unchanged
    (only the year differs): None for a report with a project of fewer than three lines, or none."""
    import copy
    if not rep.projects or any(len(p.lines) < 3 for p in rep.projects):
        return None
    new = copy.deepcopy(rep)
    new.year = rep.year + 1
    return new


def year_copy_findings(rep: Report) -> list[dict]:
    """indicators_as_earlier_year for each project of a report copied from the year before."""
    return [{"source_file": rep.rel, "seed": Path(rep.rel).name, "project_name": p.name,
             "rule": "indicators_as_earlier_year", "kind": "year_copy", "detail": f"与{rep.year - 1}年度逐条相同"}
            for p in rep.projects]


def plan(n_reports: int, seed: int = 0, formats=tuple(f for f in DEFAULT_FORMATS.split(",")),
         error_rate: float = 0.08, dup_rate: float = 0.04, format_dup_rate: float = 0.05,
         version_rate: float = 0.03, year_copy_rate: float = 0.02):
    """The corpus `generate` writes, report by report, without writing it (cheap: ~1 ms a report):
    what each report holds, its truth (`truth_rows`, `expected_findings`) and its files."""
    gen = Generator(seed, error_rate)
    draw = random.Random(f"{seed}:plan")
    formats = list(formats)
    fmt_cum = list(accumulate(FORMAT_WEIGHT[f] for f in formats))
    layouts, layout_w = zip(*TXT_LAYOUTS)
    layout_cum = list(accumulate(layout_w))
    for i in range(1, n_reports + 1):
        fmt = _weighted(spread(seed, "format", i), formats, fmt_cum)
        layout = _weighted(spread(seed, "layout", i), layouts, layout_cum) if fmt == "txt" else "table"
        rep = gen.report(i, layout, fmt)
        ext = {"scan": "tif"}.get(fmt, fmt)
        rel = f"{_folder(rep)}/{_file_name(rep, ext)}"
        if fmt == "scan":
            rel = rel[:-4] + "_扫描件.tif"
        item = Planned(rep, fmt, rel)
        rep.rel = rel
        # the same report in a second format: the truth follows the copy evalkit keeps
        if layout == "table" and fmt != "scan" and draw.random() < format_dup_rate:
            choices = [f for f in ("docx", "xlsx", "csv", "html", "txt", "pptx", "pdf", "ofd", "xps", "scan")
                       if f != fmt and (f in formats or f == "txt")]
            if choices:
                item.second = draw.choice(choices)
                stem = Path(rel).name.split('.')[0]
                item.second_rel = (f"{_folder(rep)}/{stem}_扫描件.tif" if item.second == "scan" else   # a scan of the report
                                   f"{_folder(rep)}/{stem}_{item.second}版.{item.second}")
                rep.rel = min((fmt, rel), (item.second, item.second_rel), key=lambda x: kept_first(x[0]))[1]
        if draw.random() < dup_rate and fmt not in RENDERED_LATER:
            stem, ext = rep.rel.rsplit(".", 1)
            item.byte_copy_rel = f"{stem}_副本.{ext}"
        # a corrected report beside the one first published (its own draw: the other choices stay as they were)
        if (fmt in VERSION_FORMATS and not item.second and random.Random(f"{seed}:{i}:version").random() < version_rate
                and (old := earlier_version(rep)) is not None):
            stem, ext = rel.rsplit(".", 1)
            item.earlier, item.earlier_rel = old, rel
            item.rel = rep.rel = f"{stem}（更正）.{ext}"
            if item.byte_copy_rel:
                item.byte_copy_rel = f"{stem}（更正）_副本.{ext}"
        # the report handed in again, unchanged, as the next year's (its own draw)
        if (fmt in VERSION_FORMATS and not item.second and item.earlier is None
                and random.Random(f"{seed}:{i}:nextyear").random() < year_copy_rate
                and (nxt := copied_as_next_year(rep)) is not None):
            nxt.rel = f"{_folder(nxt)}/{_file_name(nxt, fmt)}"
            item.next_year = nxt
        yield item


def generate(n_reports: int, out: Path, seed: int = 0, formats: str | list[str] = DEFAULT_FORMATS,
             error_rate: float = 0.08, dup_rate: float = 0.04, format_dup_rate: float = 0.05,
             version_rate: float = 0.03, year_copy_rate: float = 0.02, log=print, scan_mode: str = "colour") -> dict:
    """Write the corpus and its truth; return a summary (counts, skipped formats, seconds). `scan_mode`: how the
    scans are saved (SCAN_MODES)."""
    t0 = time.perf_counter()
    out = Path(out)
    if isinstance(formats, str):
        formats = [f.strip() for f in formats.split(",") if f.strip()]
    bad = [f for f in formats if f not in ALL_FORMATS]
    if bad:
        raise ValueError(f"不认识的格式 {', '.join(bad)}")
    if scan_mode not in SCAN_MODES:
        raise ValueError(f"不认识的扫描模式 {scan_mode}")
    skipped = {}
    if any(f in formats for f in ("docx", "xlsx", "csv", "html", "pptx", *RENDERED_LATER)) and fixture_builders() is None:
        for f in ("docx", "xlsx", "csv", "html", "pptx", *RENDERED_LATER):
            if f in formats:
                skipped[f] = "tests/fixtures/make_fixtures.py (the office builders) not found"
    if any(f in formats for f in RENDERED_LATER) and not _soffice():
        for f in RENDERED_LATER:
            skipped.setdefault(f, "LibreOffice (soffice) not installed") if f in formats else None
    if "ofd" in formats and "ofd" not in skipped and ofd_builder() is None:
        skipped["ofd"] = "tests/fixtures/make_ofd_fixtures.py (the PDF-to-OFD writer) not found"
    if "xps" in formats and "xps" not in skipped and xps_builder() is None:
        skipped["xps"] = ("tests/fixtures/make_xps_fixtures.py (the PDF-to-XPS writer), fontTools or the Noto Sans CJK "
                          "font it embeds not found")
    if "xps" in formats and "xps" not in skipped:
        from evalkit.readers.xps import find_xpstopdf
        if find_xpstopdf() is None:
            skipped["xps"] = "no xpstopdf here (libgxps-utils: make setup installs it): XPS files could not be read"
    if "scan" in formats and "scan" not in skipped and not _ocr_available():
        skipped["scan"] = "no OCR here (evalkit's readers/ocr.py or rapidocr-onnxruntime missing): scans could not be read"
    for f, why in skipped.items():
        log(f"synth: skipping {f}: {why}")
    formats = [f for f in formats if f not in skipped]
    if not formats:
        raise ValueError("所选格式在本机都无法生成（原因见上方 skipping 提示）")
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty")
    docs, truth = out / "docs", out / "truth"
    docs.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)

    t_proj, t_ind, t_rep, t_find, t_dup, placed = [], [], [], [], [], []
    later = {f: [] for f in RENDERED_LATER}     # (report, path) to write from LibreOffice's PDF, by format
    made: set[Path] = set()
    counts = Counter()
    for item in plan(n_reports, seed, formats, error_rate, dup_rate, format_dup_rate, version_rate, year_copy_rate):
        rep, fmt = item.rep, item.fmt
        rng = random.Random(f"{seed}:{rep.idx}:render")
        folder = docs / _folder(rep)
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        path = docs / item.rel
        if not write_now(rep, fmt, path, rng):
            later[fmt].append((rep, path))
        counts[f"{fmt}:{rep.layout}"] += 1
        if item.second:
            cpath = docs / item.second_rel
            if item.second == "txt":
                cpath.write_text(render_tabs(rep, rng, with_extras=False), encoding="utf-8")
            elif item.second in later:
                later[item.second].append((rep, cpath))
            else:
                render_office(rep, item.second, cpath)
            dropped = item.second_rel if rep.rel == item.rel else item.rel
            t_dup.append({"source_file": dropped, "duplicate_of_file": rep.rel, "kind": "same_report"})
            counts["format_copies"] += 1
        if item.earlier is not None:                     # VERSION_FORMATS: written at once
            write_now(item.earlier, fmt, docs / item.earlier_rel, random.Random(f"{seed}:{rep.idx}:render"))
            t_dup.append({"source_file": item.earlier_rel, "duplicate_of_file": rep.rel, "kind": "other_version"})
            counts["earlier_versions"] += 1
        if item.byte_copy_rel:
            shutil.copyfile(docs / rep.rel, docs / item.byte_copy_rel)
            t_dup.append({"source_file": item.byte_copy_rel, "duplicate_of_file": rep.rel, "kind": "same_file"})
            counts["byte_copies"] += 1
        def count(one: Report) -> None:                  # a report of its own in the truth
            p_rows, i_rows, r_row = truth_rows(one)
            placed.append((one.rel, one.province, p_rows))
            t_proj.extend(p_rows)
            t_ind.extend(i_rows)
            t_rep.append(r_row)
            t_find.extend(expected_findings(one))
        count(rep)
        if item.next_year is not None:                   # VERSION_FORMATS: written at once, rendered alike
            write_now(item.next_year, fmt, docs / item.next_year.rel, random.Random(f"{seed}:{rep.idx}:render"))
            t_find += year_copy_findings(item.next_year)
            counts["year_copies"] += 1
            count(item.next_year)
    t_render = time.perf_counter()
    if any(later.values()):
        log(f"synth: rendering {len(later['pdf'])} PDF, {len(later['ofd'])} OFD, {len(later['xps'])} XPS and "
            f"{len(later['scan'])} scans with LibreOffice …")
        render_pdfs(later["pdf"], later["scan"], later["ofd"], scan_mode, later["xps"])
    t_find += repeated_findings(placed)
    for d in t_dup:
        t_find.append({"source_file": d["source_file"], "seed": Path(d["source_file"]).name, "project_name": "",
                       "rule": "report_other_version" if d["kind"] == "other_version" else "duplicate_document",
                       "kind": d["kind"], "detail": f"重复：{d['duplicate_of_file']}"})
    _write_csv(truth / "projects.csv", TRUTH_PROJECT_COLS, t_proj)
    _write_csv(truth / "indicators.csv", TRUTH_INDICATOR_COLS, t_ind)
    _write_csv(truth / "reports.csv", TRUTH_REPORT_COLS, t_rep)
    _write_csv(truth / "findings.csv", FINDING_COLS, t_find)
    _write_csv(truth / "duplicates.csv", DUPLICATE_COLS, t_dup)
    secs = time.perf_counter() - t0
    summary = {"seed": seed, "reports": n_reports, "files": sum(1 for _ in docs.rglob("*") if _.is_file()),
               "projects": len(t_proj), "indicators": len(t_ind), "findings_expected": len(t_find),
               "injected": sum(1 for f in t_find if f["kind"] == "injected"), "duplicates": len(t_dup),
               "formats": formats, "skipped": skipped, "by_format_layout": dict(sorted(counts.items())),
               "rates": {"error_rate": error_rate, "dup_rate": dup_rate, "format_dup_rate": format_dup_rate,
                         "version_rate": version_rate, "year_copy_rate": year_copy_rate},
               "year_copies": counts["year_copies"],
               **({"scan_mode": scan_mode} if scan_mode != "colour" else {}),
               "seconds": round(secs, 3), "seconds_text_and_office": round(t_render - t0, 3)}
    (truth / "README.md").write_text(TRUTH_README.format(seed=seed, n=n_reports), encoding="utf-8")
    stable = {k: v for k, v in summary.items() if not k.startswith("seconds")}   # same seed, same bytes
    (truth / "manifest.json").write_text(json.dumps(stable, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                         encoding="utf-8")
    return summary


TRUTH_README = """# Truth for a synthetic corpus (evalkit synth, seed {seed}, {n} reports)

Written with the documents in ../docs, in the conventions of the shared reference truth
(../shared/truth/README.md): text as written without whitespace, numbers as stated (null where
the document states none), grades as one character, `seed` = the document's file name.

- `projects.csv`, `indicators.csv`, `reports.csv`: one row per distinct report, under the copy
  evalkit keeps; score an ingest with `truthcheck.py --clean DATASET --truth THIS_FOLDER`.
- `duplicates.csv`: files evalkit should mark `duplicate` (`same_file`: byte-identical copy;
  `same_report`: the same report in another format, its scan included — evalkit says `same_report_ocr`
  where its OCR misread a character of a name; `other_version`: the report as first published, beside its
  correction `…（更正）` with another execution figure) and the kept file they repeat.
- `findings.csv`: findings the checks should raise. `kind` = `injected` (an inconsistency written
  into that project on purpose, `detail` says what), `consequence` (a finding that follows from an
  injection, e.g. `group_weight_nonstandard` after a changed weight, `report_grade_mismatch` after a
  wrong grade in a one-project report), `same_file`/`same_report` (`duplicate_document`), `other_version`
  (`report_other_version`), `year_copy` (`indicators_as_earlier_year`: a report handed in again unchanged as the
  next year's, a report of its own in reports.csv).
  Reports without an injection are built to raise no error or warning. Score a dataset with
  `evalkit.synth.score_findings(DATASET, THIS_FOLDER)`.
- `manifest.json`: seed, counts, rates, formats (and any skipped, with the reason).
"""


def repeated_findings(placed: list) -> list[dict]:
    """project_repeated for each project (place, agency, year, name) that two reports of the corpus both hold:
    drawn by chance (a county's agency and year drawn twice with a project in common), expected like an
    injection's consequence. `placed`: (file, province, its projects.csv rows) per kept report."""
    by: dict[tuple, list] = {}
    for rel, province, rows in placed:
        for seed, county, year, agency, name, *_ in rows:
            by.setdefault((province, county, agency, year, "".join(name.split())), []).append((rel, seed, name))
    return [{"source_file": rel, "seed": seed, "project_name": name, "rule": "project_repeated",
             "kind": "consequence", "detail": "同一项目也在另一份报告中"}
            for members in by.values() if len({m[0] for m in members}) > 1 for rel, seed, name in members]


def _write_csv(path: Path, cols: list[str], rows: list) -> None:
    """Rows as dicts, or as lists already in the columns' order."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        w.writerows([r[c] for c in cols] if isinstance(r, dict) else r for r in rows)


# ------------------------------------------------------------------------------ scoring the checks

def score_findings(dataset_dir, truth_dir) -> dict:
    """Recall and precision of the checks: the dataset's findings against DIR/truth/findings.csv.

    A finding is keyed by (source_file, project_name — '' for report-level findings, rule), counted
    with multiplicity. Scored: every rule the truth expects, and every error/warning rule found
    (a clean report must raise none); info findings of rules the truth never expects (e.g.
    `template_nonstandard` on seed 004's form) are listed under `unscored`."""
    import pandas as pd
    dataset_dir, truth_dir = Path(dataset_dir), Path(truth_dir)
    found = pd.read_parquet(dataset_dir / "findings.parquet")
    projects = pd.read_parquet(dataset_dir / "projects.parquet")
    names = dict(zip(projects["project_id"].astype(str), projects["project_name"].astype(str)))
    truth = pd.read_csv(truth_dir / "findings.csv", dtype=str, keep_default_na=False)

    def pname(pid) -> str:
        return "" if pid is None or str(pid) in ("", "None", "nan", "<NA>") else names.get(str(pid), str(pid))

    got = Counter((str(r.source_file), pname(r.project_id), str(r.rule)) for r in found.itertuples(index=False))
    want = Counter((r.source_file, r.project_name, r.rule) for r in truth.itertuples(index=False))
    severity = dict(zip(found["rule"].astype(str), found["severity"].astype(str)))
    scored = set(want_rule for _, _, want_rule in want) | {k[2] for k in got if severity.get(k[2]) in ("error", "warning")}
    per_rule, unscored = {}, Counter()
    tp_all = exp_all = found_all = 0
    missed, spurious = [], []
    for rule in sorted(scored | {k[2] for k in got}):
        if rule not in scored:
            unscored[rule] = sum(v for k, v in got.items() if k[2] == rule)
            continue
        w = Counter({k: v for k, v in want.items() if k[2] == rule})
        g = Counter({k: v for k, v in got.items() if k[2] == rule})
        tp = sum((w & g).values())
        ne, nf = sum(w.values()), sum(g.values())
        per_rule[rule] = {"expected": ne, "found": nf, "tp": tp, "recall": tp / ne if ne else 1.0,
                          "precision": tp / nf if nf else 1.0}
        missed += [k for k in (w - g).elements()]
        spurious += [k for k in (g - w).elements()]
        tp_all, exp_all, found_all = tp_all + tp, exp_all + ne, found_all + nf
    return {"recall": tp_all / exp_all if exp_all else 1.0, "precision": tp_all / found_all if found_all else 1.0,
            "per_rule": per_rule, "unscored": dict(unscored), "expected": exp_all, "found": found_all,
            "missed": missed[:50], "spurious": spurious[:50]}


# ------------------------------------------------------------------------------ command line

def add_parser(subparsers) -> argparse.ArgumentParser:
    """`evalkit synth`: register the subcommand on cli.py's subparsers (sets func=cmd_synth)."""
    p = subparsers.add_parser("synth", help="生成带标准答案的合成报告语料，用于规模测试 (write a synthetic corpus with its truth)",
                              description="预算绩效自评 reports in the reference layouts, with their truth, "
                                          "duplicates and injected inconsistencies (see evalkit.synth)")
    _arguments(p)
    p.set_defaults(func=cmd_synth)
    return p


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reports", type=int, required=True, help="how many reports (distinct documents) to write")
    p.add_argument("--out", required=True, help="new or empty folder: DIR/docs (the corpus) and DIR/truth")
    p.add_argument("--seed", type=int, default=0, help="same seed, same files (default 0)")
    p.add_argument("--formats", default=DEFAULT_FORMATS,
                   help=f"comma-separated, of {','.join(ALL_FORMATS)} (default {DEFAULT_FORMATS}); "
                        "pdf, ofd and xps need LibreOffice, xps also xpstopdf, scan an OCR reader")
    p.add_argument("--scan-mode", choices=SCAN_MODES, default="colour",
                   help="how scans are saved: colour (the red seal red), grey, or bw (black and white, CCITT G4: the "
                        "seal as black as the print)")
    p.add_argument("--error-rate", type=float, default=0.08, help="share of projects with one injected inconsistency")
    p.add_argument("--dup-rate", type=float, default=0.04, help="share of reports also written as a byte-identical copy")
    p.add_argument("--format-dup-rate", type=float, default=0.05,
                   help="share of table reports also written in a second format")
    p.add_argument("--version-rate", type=float, default=0.03,
                   help="share of reports written twice: as first published and as corrected (（更正）, other figures)")
    p.add_argument("--year-copy-rate", type=float, default=0.02,
                   help="share of reports handed in again, unchanged, as the next year's (照抄上年: a report of its own)")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def cmd_synth(a) -> int:
    from evalkit.errors import UsageError
    if a.reports < 1:
        raise UsageError("--reports 须为正整数", "例如 --reports 100")
    try:
        s = generate(a.reports, Path(a.out), seed=a.seed, formats=a.formats, error_rate=a.error_rate,
                     dup_rate=a.dup_rate, format_dup_rate=a.format_dup_rate, version_rate=a.version_rate,
                     year_copy_rate=a.year_copy_rate, scan_mode=a.scan_mode)
    except FileExistsError:
        raise UsageError(f"输出文件夹 {a.out} 已存在且不为空，synth 不会覆盖其中的文件", "请换一个新的或空的 --out 文件夹") from None
    except ValueError as e:
        raise UsageError(f"--formats 有误：{e}", f"可选 {','.join(ALL_FORMATS)}，用逗号分隔") from None
    rate = s["reports"] / s["seconds_text_and_office"] if s["seconds_text_and_office"] else 0
    copies = f"，另有 {s['year_copies']} 份照抄上年" if s["year_copies"] else ""
    print(f"{s['reports']} 份报告{copies}（{s['files']} 个文件，{s['duplicates']} 个重复），{s['projects']} 个项目，"
          f"{s['indicators']} 条指标，注入 {s['injected']} 处不一致 -> {a.out}（{s['seconds']:.2f} 秒，"
          f"{rate:.0f} 份/秒）")
    for f, why in s["skipped"].items():
        print(f"未生成 {f}：{why}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m evalkit.synth …`, the same options as `evalkit synth`."""
    from evalkit.errors import EvalkitError
    ap = argparse.ArgumentParser(prog="python -m evalkit.synth", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    _arguments(ap)
    a = ap.parse_args(argv)
    try:
        return cmd_synth(a)
    except EvalkitError as e:
        print(f"evalkit synth: {e}", file=sys.stderr)
        return e.exit_code


if __name__ == "__main__":
    sys.exit(main())
