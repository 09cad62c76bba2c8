"""Places come from what the document says: a county name several divisions share gets a city and a
province only where the text names one of them; a placeholder of the division dataset (县, 市辖区) and a
misread name locate nothing; a full county name wins over the matcher's shorter reading."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import seed
from evalkit.geo import candidates, locate
from evalkit.ingest import ingest_file


@pytest.mark.parametrize("text, place", [
    # a name shared by 北京市 and 长春市: nothing said, nothing guessed
    ("朝阳区教育委员会", ("朝阳区", None, None)),
    ("北京市朝阳区教育委员会", ("朝阳区", "北京市", "北京市")),
    ("长春市朝阳区财政局", ("朝阳区", "长春市", "吉林省")),
    ("普陀区规划和自然资源局", ("普陀区", None, None)),
    ("上海市普陀区财政局", ("普陀区", "上海市", "上海市")),
    ("舟山市普陀区财政局", ("普陀区", "舟山市", "浙江省")),
    # four 鼓楼区, two of them in 江苏省: the province is known, the city is not
    ("江苏省鼓楼区财政局", ("鼓楼区", None, "江苏省")),
    ("徐州市鼓楼区财政局", ("鼓楼区", "徐州市", "江苏省")),
    # the dataset's group names are not places (the matcher read any 县 as 重庆市's 县)
    ("县财政局", (None, None, None)),
    ("自治县民政局", (None, None, None)),
    ("浙川县卫生健康局", (None, None, None)),       # OCR's 浙 for 淅: no such county
    ("市辖区", (None, None, None)),
    # a full county name the matcher read as a shorter one (大连市, 重庆市's 县)
    ("五大连池市教育局", ("五大连池市", "黑河市", "黑龙江省")),
    ("梅县区教育局", ("梅县区", "梅州市", "广东省")),
    # 区域 is a word, not a district: 城中区 (西宁市, 柳州市), 和平区 (天津市, 沈阳市), 江北区
    ("推进城中区域改造工作", (None, None, None)),
    ("维护和平区域稳定", (None, None, None)),
    ("湖南省推进城中区域改造", (None, None, "湖南省")),
    ("江北区域协调发展，江北区财政局", ("江北区", None, None)),
    ("岳阳县域经济发展", ("岳阳县", "岳阳市", "湖南省")),           # 县域 is the county's own
    # what was right stays right
    ("淅川县卫生健康局", ("淅川县", "南阳市", "河南省")),
    ("城口县财政局", ("城口县", "重庆市", "重庆市")),
    ("黄浦区财政局", ("黄浦区", "上海市", "上海市")),
    ("岳阳市财政局", (None, "岳阳市", "湖南省")),
    ("湖南省财政厅", (None, None, "湖南省")),
    ("大厂回族自治县医疗保障局", ("大厂回族自治县", "廊坊市", "河北省")),
])
def test_a_place_is_only_what_the_text_supports(text, place):
    assert locate(text) == place


def test_the_document_around_an_ambiguous_agency_decides():
    assert locate("朝阳区教育委员会", context="北京市朝阳区教育委员会2023年度部门决算") == ("朝阳区", "北京市", "北京市")
    assert locate("朝阳区教育委员会", context="2023年度部门决算") == ("朝阳区", None, None)
    assert set(candidates("朝阳区")) == {("北京市", "北京市"), ("长春市", "吉林省")}


def _variant(tmp_path, old: str, new: str, first_line: str = "") -> dict:
    text = seed("004").read_text(encoding="utf-8").replace(old, new)
    path = tmp_path / "variant.txt"
    path.write_text(first_line + text, encoding="utf-8")
    return ingest_file(path, path.name).report


def test_an_ambiguous_county_gets_its_city_from_the_document_or_none(tmp_path):
    # seed 004 (君山区, 岳阳市) as if it came from a 朝阳区: which one, the report does not say
    rep = _variant(tmp_path, "君山区", "朝阳区")
    assert (rep["agency"], rep["county"], rep["city"], rep["province"]) == ("朝阳区医疗保障事务中心", "朝阳区", None, None)
    # a title naming the city settles it
    rep = _variant(tmp_path, "君山区", "朝阳区", first_line="长春市医疗保障系统\n")
    assert (rep["county"], rep["city"], rep["province"]) == ("朝阳区", "长春市", "吉林省")


def test_an_agency_without_a_county_name_is_not_placed_in_chongqing(tmp_path):
    rep = _variant(tmp_path, "君山区", "县")
    assert rep["agency"] == "县医疗保障事务中心"
    assert (rep["county"], rep["city"], rep["province"]) == (None, None, None)


def test_a_report_that_cannot_be_placed_in_one_county_is_pointed_out_not_guessed(tmp_path):
    from evalkit.ingest import ingest_paths
    text = seed("004").read_text(encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "bare.txt").write_text(text.replace("君山区", "县"), encoding="utf-8")
    # another report (seed 000, 曲沃县) as from a 朝阳区: not the same report as bare.txt
    (docs / "shared_name.txt").write_text(seed("000").read_text(encoding="utf-8").replace("曲沃县", "朝阳区"),
                                          encoding="utf-8")
    (docs / "named_city.txt").write_text("长春市医疗保障系统\n" + seed("002").read_text(encoding="utf-8")
                                         .replace("绥宁县", "朝阳区"), encoding="utf-8")
    (docs / "as_is.txt").write_text(seed("001").read_text(encoding="utf-8"), encoding="utf-8")
    t = ingest_paths([docs])
    f = t["findings"][t["findings"]["rule"].isin(["place_ambiguous", "county_unknown"])]
    assert sorted(zip(f["source_file"], f["rule"], f["severity"])) == [
        ("bare.txt", "county_unknown", "warning"), ("shared_name.txt", "place_ambiguous", "warning")]
    msg = f.set_index("source_file")["message"]
    assert "“朝阳区”在吉林省长春市、北京市都有" in msg["shared_name.txt"] and "不猜测" in msg["shared_name.txt"]
    assert "县医疗保障事务中心" in msg["bare.txt"] and "不计入任何县区" in msg["bare.txt"]
    places = t["reports"].set_index("source_file")[["county", "city", "province"]]
    assert places.loc["named_city.txt"].tolist() == ["朝阳区", "长春市", "吉林省"]
    assert places.loc["as_is.txt"].tolist() == ["开江县", "达州市", "四川省"]
    # the briefing says so: in the totals, in no county (shared_name.txt's 朝阳区 joins the one 朝阳区 of the
    # data, as any row without a city does in the report's views)
    from evalkit import report as rp
    from evalkit.report.views import as_views
    h = as_views(t).headline
    assert (h["n_unplaced"], h["n_unplaced_projects"], h["n_counties"]) == (1, 1, 2)
    assert "4份报告中有1份（1个项目）未能确定所属县区：计入以上合计，不计入县区对比" in rp.headline_text(h)


def test_a_report_whose_text_names_no_county_is_placed_by_its_path_and_says_so(tmp_path):
    from evalkit.ingest import ingest_paths
    text = seed("004").read_text(encoding="utf-8")
    folder = tmp_path / "docs" / "广东省" / "韶关市" / "浈江区"
    folder.mkdir(parents=True)
    # 浈江区 read by OCR as 淡江区 (no such county): the folder the user filed it in says where it is from
    (folder / "2024年度浈江区教育局自评表.txt").write_text(text.replace("君山区", "淡江区"), encoding="utf-8")
    # a city's own agency filed in a county's folder stays the city's: the path is not used
    city_folder = tmp_path / "docs" / "湖南省" / "开江县"
    city_folder.mkdir(parents=True)
    (city_folder / "city.txt").write_text(seed("000").read_text(encoding="utf-8").replace("曲沃县", "岳阳市"),
                                          encoding="utf-8")
    t = ingest_paths([tmp_path / "docs"])
    rep = t["reports"].set_index("source_file")
    by_path = rep.loc["广东省/韶关市/浈江区/2024年度浈江区教育局自评表.txt"]
    assert [by_path[c] for c in ("agency", "county", "city", "province", "place_source")] == [
        "淡江区医疗保障事务中心", "浈江区", "韶关市", "广东省", "文件路径"]
    assert set(t["projects"].loc[t["projects"]["report_id"] == by_path["report_id"], "county"]) == {"浈江区"}
    city = rep.loc["湖南省/开江县/city.txt"]
    assert (pd.isna(city["county"]), city["city"], city["province"], city["place_source"]) == (True, "岳阳市", "湖南省", "单位名称")
    f = t["findings"].set_index("rule")
    assert f.loc["county_from_path", "severity"] == "info"
    assert "按文件路径归入广东省、韶关市、浈江区" in f.loc["county_from_path", "message"]
    assert "只识别到湖南省岳阳市" in f.loc["county_unknown", "message"]


def test_a_place_read_from_the_path_follows_the_file_when_it_moves_not_the_cache(tmp_path):
    # results are cached by content: the same content under another folder must be placed by its new path
    import shutil
    from evalkit.ingest import ingest_paths
    docs = tmp_path / "docs"
    filed = docs / "广东省" / "韶关市" / "浈江区"
    filed.mkdir(parents=True)
    (filed / "自评表.txt").write_text(seed("004").read_text(encoding="utf-8").replace("君山区", "淡江区"),
                                      encoding="utf-8")
    out = tmp_path / "clean"
    stats: dict = {}
    first = ingest_paths([docs], out, stats=stats)["reports"]
    assert (first["county"].iloc[0], first["place_source"].iloc[0]) == ("浈江区", "文件路径") and stats["parsed"] == 1
    (docs / "未分类").mkdir()
    shutil.move(filed / "自评表.txt", docs / "未分类" / "自评表.txt")
    stats = {}
    moved = ingest_paths([docs], out, stats=stats)["reports"]
    assert stats["from_cache"] == 1 and stats["parsed"] == 0           # not parsed again ...
    assert moved["source_file"].iloc[0] == "未分类/自评表.txt"
    assert pd.isna(moved["county"].iloc[0]) and pd.isna(moved["place_source"].iloc[0])   # ... but placed again


@pytest.mark.parametrize("path,place", [
    ("四川省/眉山市/仁寿县/2021年度仁寿县人力资源和社会保障局自评表.tif", ("仁寿县", "眉山市", "四川省", "文件路径")),
    ("安徽省/淮南市/寿县/自评表.tif", ("寿县", "淮南市", "安徽省", "单位名称")),
    ("自评表/自评表.tif", ("寿县", "淮南市", "安徽省", "单位名称")),
    ("四川省/眉山市/仁寿县/东坡区/自评表.tif", ("寿县", "淮南市", "安徽省", "单位名称")),   # two counties: not settled
])
def test_a_county_read_without_its_first_characters_is_the_paths_county(path, place):
    """A black-and-white scan's seal hid the 仁 of 仁寿县人力资源和社会保障局: the agency read 寿县…, a county of 安徽省
    that exists, and the report went to 安徽省淮南市. The folder the user filed it in names 仁寿县, which ends with
    the county read: the path's county, said (文件路径). A path naming 寿县, or no county, leaves the agency's."""
    from evalkit import geo
    assert geo.place("寿县人力资源和社会保障局", "", path) == place


@pytest.mark.parametrize("path,place", [
    ("河北省/石家庄市/藁城区/00009_2022年度藁城区生态环境分局项目支出绩效自评表_扫描件.tif", ("藁城区", "石家庄市", "河北省", "文件路径")),
    ("山西省/长治市/城区/自评表.tif", ("城区", "长治市", "山西省", "文件路径")),     # the path settles which 城区
    ("自评表/自评表.tif", ("城区", None, None, "单位名称")),                          # nothing settles it
])
def test_a_shared_county_name_read_without_its_first_character_is_the_paths_county(path, place):
    """A black-and-white scan (`evalkit synth --reports 25 --seed 11 --formats scan --scan-mode bw`, report 9): OCR
    lost the rare 藁 of 藁城区生态环境分局 and read 城区, the name of five districts (of 汕尾市, 长治市, 大同市, 阳泉市, 晋城市):
    the report stood in 城区 without city or province, though filed under 河北省/石家庄市/藁城区, which ends with it."""
    from evalkit import geo
    assert geo.place("城区生态环境分局", "", path) == place
