"""What the synthetic reports are made of: the contract's truth columns, the formats and layouts drawn, real places
(the division dataset), the indicator vocabulary of the reference reports, realistic money and rates."""
from __future__ import annotations

import csv
import importlib.util
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

from evalkit import grades as scales

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
    "dept": ("total_score_mismatch", "execution_rate_mismatch", "indicator_full_score_unmet", "weight_sum_mismatch",
             "budget_parts_mismatch"),
    "annex": ("execution_rate_mismatch", "indicator_full_score_unmet", "weight_sum_mismatch", "budget_parts_mismatch",
              "group_points_mismatch"),
    "tabs": ("total_score_mismatch", "execution_rate_mismatch", "indicator_full_score_unmet", "weight_sum_mismatch",
             "budget_parts_mismatch"),
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
        from evalkit.checks.config import DEFAULT_PATH
        return tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
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
