"""The report's runner steps one by one, counties keyed by division code (two counties sharing a
name stay apart), and the notebooks' parameters checked before anything runs."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from evalkit import report as rp
from evalkit.errors import UsageError
from evalkit.report import runner
from evalkit.store import write_atomic

# two counties of one name in two cities, and a project row that states only the province
SHANGHAI = ("上海市", "上海市", "普陀区")
ZHOUSHAN = ("浙江省", "舟山市", "普陀区")


def _tables() -> dict[str, pd.DataFrame]:
    reports, projects = [], []
    for i, (prov, city, county) in enumerate((SHANGHAI, ZHOUSHAN)):
        reports.append({"report_id": f"r{i}", "source_file": f"r{i}.txt", "status": "ok", "format": "txt",
                        "county": county, "city": city, "province": prov, "fiscal_year": 2022})
        for j in range(2 + i):
            projects.append({"project_id": f"p{i}{j}", "report_id": f"r{i}", "source_file": f"r{i}.txt",
                             "county": county, "city": city if j else None, "province": prov,
                             "fiscal_year": 2022, "project_name": f"项目{i}{j}", "budget_full_year": 100.0,
                             "executed": 50.0 + 20 * i, "total_score": 95.0 - 10 * j})
    return rp.complete_tables({"reports": pd.DataFrame(reports), "projects": pd.DataFrame(projects)},
                              run_checks=False)


@pytest.fixture(scope="module")
def clean_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("two_putuo") / "clean"
    write_atomic(_tables(), out)
    return out


def _notebooks(folder: Path, drop: tuple[str, str] | None = None) -> Path:
    """The real notebooks' parameters cells and one printing cell; `drop` = (notebook, parameter) left out."""
    folder.mkdir(parents=True, exist_ok=True)
    real = runner.find_notebooks_dir()
    for name in ("00_explore", "10_county_profile", "20_cross_county", "30_regional_summary"):
        params = next(c for c in nbformat.read(real / f"{name}.ipynb", as_version=4).cells
                      if "parameters" in c.metadata.get("tags", []))
        if drop and drop[0] == name:
            params.source = "\n".join(x for x in params.source.splitlines() if not x.startswith(drop[1] + " "))
        nb = nbformat.v4.new_notebook()
        nb.cells = [params, nbformat.v4.new_code_cell("import evalkit\nprint('ok', clean_dir, evalkit.__file__)")]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


def test_counties_sharing_a_name_are_keyed_by_division_code():
    vw = rp.Views(_tables())
    cf = vw.places.set_index("county_key")
    assert set(cf.index) == {"310107", "330903"}
    assert cf.loc["310107", "county_label"] == "普陀区（上海市）" and cf.loc["330903", "city"] == "舟山市"
    p = vw.projects
    assert p.groupby("county_key").size().to_dict() == {"310107": 2, "330903": 3}   # city-less rows join theirs
    cs = vw.county_summary.set_index("county_key")
    assert cs.loc["310107", "n_projects"] == 2 and cs.loc["330903", "n_projects"] == 3
    assert cs.loc["310107", "execution_rate"] == pytest.approx(50.0)
    zs = rp.filter_tables(vw.tables, region="330903")
    assert set(zs["projects"]["report_id"]) == {"r1"} and len(zs["projects"]) == 3
    assert rp.region_label(vw.tables["reports"], "310107", vw.tables) == "普陀区（上海市）"


def test_plan_gives_each_county_its_own_profile(clean_dir, tmp_path):
    pl = runner.plan(runner.ReportParams(clean_dir, tmp_path / "reports", notebooks_dir=_notebooks(tmp_path / "nb")))
    profiles = {j.stem: j.parameters["county"] for j in pl.jobs if j.notebook == "10_county_profile"}
    assert profiles == {"10_county_profile-普陀区（上海市）": "310107", "10_county_profile-普陀区（舟山市）": "330903"}
    assert all("years" in j.parameters and "year" not in j.parameters for j in pl.jobs if j.notebook != "00_explore")
    assert pl.folder == "all-all" and not (tmp_path / "reports").exists()   # planning writes nothing


def test_unknown_parameter_is_refused_before_anything_runs(clean_dir, tmp_path):
    nbs = _notebooks(tmp_path / "nb", drop=("20_cross_county", "low_execution"))
    with pytest.raises(UsageError, match="20_cross_county.ipynb 没有参数 low_execution"):
        rp.run_report(clean_dir, tmp_path / "reports", progress=False, notebooks_dir=nbs)
    assert not (tmp_path / "reports").exists()
    runner.check_parameters(runner.find_notebooks_dir() / "30_regional_summary.ipynb",
                            {"clean_dir": "x", "region": None, "years": 2022})
    with pytest.raises(UsageError, match="year"):
        runner.check_parameters(runner.find_notebooks_dir() / "30_regional_summary.ipynb", {"year": 2022})


def test_the_shipped_notebooks_take_years(tmp_path):
    import papermill as pm
    real = runner.find_notebooks_dir()
    assert real == Path(runner.__file__).resolve().parents[1] / "notebooks"   # package data
    for nb in real.glob("*.ipynb"):
        params = pm.inspect_notebook(str(nb))
        assert "years" in params and "year" not in params, nb.name


def test_steps_one_by_one(clean_dir, tmp_path):
    p = runner.ReportParams(clean_dir, tmp_path / "reports", progress=False, county_profiles=1,
                            notebooks_dir=_notebooks(tmp_path / "nb"))
    pl = runner.plan(p)
    assert [j.notebook for j in pl.jobs] == ["30_regional_summary", "20_cross_county", "10_county_profile",
                                             "00_explore"]
    assert pl.jobs[2].parameters["county"] == "330903"          # the county with the most projects
    runner.start(pl)
    assert (pl.data_dir / "projects.parquet").is_file() and pl.run_dir.parent == p.out_dir / "all"
    assert pl.jobs[0].parameters["clean_dir"] == str(pl.data_dir)
    assert pl.jobs[2].parameters["charts_dir"].endswith("counties/普陀区（舟山市）")
    assert "charts_dir" not in pl.jobs[3].parameters
    runner.execute(pl)
    assert [j.status for j in pl.jobs] == ["ok"] * 4
    out = nbformat.read(pl.run_dir / "notebooks" / "30_regional_summary.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in out.cells for o in c.get("outputs", []))
    assert str(Path(rp.__file__).resolve().parents[1] / "__init__.py") in printed   # the kernel imports this evalkit
    runner.render(pl)
    assert len(list((pl.run_dir / "html").glob("*.html"))) == 4
    runner.export(pl)
    assert (pl.run_dir / "summary.xlsx").is_file() and (pl.run_dir / "briefing.pptx").is_file()
    assert not (p.out_dir / "latest").exists()
    assert runner.finalize(pl) == pl.run_dir
    info = json.loads((pl.run_dir / "run.json").read_text(encoding="utf-8"))
    assert info["status"] == "ok" and info["county_keys"] == ["310107", "330903"]
    assert (p.out_dir / "latest").resolve() == pl.run_dir.resolve()


def test_red_flags_come_from_the_findings():
    t = _tables()
    t["findings"] = rp.ensure_columns("findings", pd.DataFrame([
        {"finding_id": "f1", "rule": "execution_rate_mismatch", "severity": "error", "report_id": "r0",
         "project_id": "p00", "found": "10%", "expected": "50.00%"},
        {"finding_id": "f2", "rule": "grade_mismatch", "severity": "error", "report_id": "r1",
         "project_id": "p11", "found": "优", "expected": "良"}]))
    f = rp.red_flags(t).set_index("flag")
    assert f.loc["执行率与金额不符", "detail"] == "填报10%，按金额计算50.00%"
    assert f.loc["等级与得分不符", "detail"] == "填报“优”，85.00分应为“良”"
    assert "检查错误" not in f.index       # both error findings are already named
    t["findings"] = t["findings"].iloc[:0]
    assert not rp.red_flags(t)["flag"].isin(["执行率与金额不符", "等级与得分不符", "总分与分项合计不符"]).any()


def test_snapshot_links_single_files_and_partitioned_folders(tmp_path):
    clean = tmp_path / "clean"
    (clean / "projects.parquet" / "province=甲省" / "year=2022").mkdir(parents=True)
    (clean / "projects.parquet" / "province=甲省" / "year=2022" / "part-0.parquet").write_bytes(b"p")
    (clean / "reports.parquet").write_bytes(b"r")
    (clean / "notes.txt").write_text("not a table")
    out = runner.snapshot_dataset(clean, tmp_path / "run" / "data")
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == ["projects.parquet/province=甲省/year=2022/part-0.parquet", "reports.parquet"]


def _three_counties() -> dict[str, pd.DataFrame]:
    """普陀区（上海市）: a red flag (执行率 50%); 普陀区（舟山市）: clean; 黄浦区: clean figures but an
    error-level finding about its report."""
    reports, projects = [], []
    for i, (prov, city, county, executed) in enumerate((SHANGHAI + (50.0,), ZHOUSHAN + (100.0,),
                                                         ("上海市", "上海市", "黄浦区", 100.0))):
        reports.append({"report_id": f"r{i}", "source_file": f"r{i}.txt", "status": "ok", "format": "txt",
                        "county": county, "city": city, "province": prov, "fiscal_year": 2022})
        projects.append({"project_id": f"p{i}", "report_id": f"r{i}", "source_file": f"r{i}.txt",
                         "county": county, "city": city, "province": prov, "fiscal_year": 2022,
                         "project_name": f"项目{i}", "budget_full_year": 100.0, "executed": executed,
                         "total_score": 85.0})
    t = rp.complete_tables({"reports": pd.DataFrame(reports), "projects": pd.DataFrame(projects)}, run_checks=False)
    t["findings"] = rp.ensure_columns("findings", pd.DataFrame([
        {"finding_id": "f1", "rule": "summary_count_mismatch", "severity": "error", "report_id": "r2",
         "source_file": "r2.txt", "found": "3", "expected": "1"},
        {"finding_id": "f2", "rule": "weight_sum_mismatch", "severity": "warning", "report_id": "r1",
         "project_id": "p1", "source_file": "r1.txt", "found": "90", "expected": "100"}]))
    return t


def test_county_profiles_all_flagged_none(tmp_path):
    clean = tmp_path / "clean"
    write_atomic(_three_counties(), clean)
    nbs = _notebooks(tmp_path / "nb")

    def planned(mode):
        pl = runner.plan(runner.ReportParams(clean, tmp_path / "reports", notebooks_dir=nbs, county_profiles=mode))
        return pl, sorted(j.parameters["county"] for j in pl.jobs if j.notebook == "10_county_profile")

    pl, keys = planned("all")
    assert keys == ["310101", "310107", "330903"] and pl.skipped_profiles == []
    pl, keys = planned("flagged")      # a red flag (上海 普陀) or an error finding (黄浦); a warning is not enough
    assert keys == ["310101", "310107"] and pl.skipped_profiles == ["普陀区（舟山市）"]
    assert "有红旗或错误级检查问题" in pl.profiles_note and "未生成 1 个（普陀区（舟山市））" in pl.profiles_note
    pl, keys = planned("none")
    assert keys == [] and len(pl.skipped_profiles) == 3 and "未生成 3 个" in pl.profiles_note
    assert [j.notebook for j in pl.jobs] == ["30_regional_summary", "20_cross_county", "00_explore"]
    with pytest.raises(UsageError, match="--county-profiles 的值“some”无效") as e:
        planned("some")
    assert "flagged" in e.value.hint
    assert not (tmp_path / "reports").exists()


def test_index_names_the_counties_without_a_profile(tmp_path):
    from evalkit.report import pages
    pages.write_run_index(tmp_path, {"region_label": "全部地区", "years_label": "全部年度", "notebooks": [],
                                     "county_profiles_note": "县区简报：有红旗或错误级检查问题的县区，生成 1 个；未生成 1 个（<甲>县）"})
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "未生成 1 个（&lt;甲&gt;县）" in html and "<甲>" not in html


def test_red_flagged_reports_inside_an_archive_get_their_inspect_page(tmp_path, monkeypatch):
    """A report inside an archive under raw_dir is taken out for its page (it was skipped as 'not a file'),
    checked against the dataset's SHA-256 first; the temp folder is removed."""
    import shutil
    import tempfile

    from conftest import ROOT
    from evalkit import load
    from evalkit.ingest import ingest_paths
    from evalkit.report.inspect_pages import write_pages
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "archives" / "自评材料.zip", raw)
    ingest_paths([raw], tmp_path / "clean")
    tables = load(tmp_path / "clean")
    flags = rp.Views(tables).red_flags
    members = set(flags["source_file"])
    assert members and all(sf.startswith("自评材料.zip!") for sf in members)
    stage = tmp_path / "tmp"
    stage.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(stage))
    m = write_pages(tables, flags, raw, tmp_path / "html")
    assert set(m["pages"]) == members and m["skipped"] == {}
    for sf, name in m["pages"].items():
        page = (tmp_path / "html" / "inspect" / name).read_text(encoding="utf-8")
        assert sf.split("!")[-1].split("/")[-1] in page and "<h2>表格 " in page
    assert list(stage.iterdir()) == []


def test_red_flagged_reports_named_as_the_ledger_shows_them_get_their_inspect_page(tmp_path):
    """Files `unzip` left in GBK (the ledger shows them decoded, a twin beside a UTF-8 name as `报告（2）.txt`): before,
    skipped as 原始文件不在原始目录中; now each gets the page of the file read under its name."""
    import os
    import shutil

    from conftest import SEEDS
    from evalkit import load
    from evalkit.ingest import ingest_paths
    from evalkit.report.inspect_pages import write_pages
    raw = tmp_path / "raw"
    raw.mkdir()
    for k, seed in enumerate(SEEDS[:4]):
        (raw / f"县{k // 2}").mkdir(exist_ok=True)
        shutil.copy(seed, os.fsencode(raw / f"县{k // 2}") + "/报告.txt".encode("gbk" if k % 2 else "utf-8"))
    ingest_paths([raw], tmp_path / "clean")
    tables = load(tmp_path / "clean")
    assert sorted(tables["reports"]["source_file"]) == ["县0/报告.txt", "县0/报告（2）.txt", "县1/报告.txt", "县1/报告（2）.txt"]
    flags = rp.Views(tables).red_flags
    assert len(set(flags["source_file"])) >= 2
    m = write_pages(tables, flags, raw, tmp_path / "html")
    assert set(m["pages"]) == set(flags["source_file"]) and m["skipped"] == {}


def test_an_archive_is_opened_once_for_all_its_flagged_reports(tmp_path, monkeypatch):
    """Sixty flagged reports of one county's 1,000-file archive must not take the archive out sixty times."""
    import shutil

    import evalkit.archives as archives
    from conftest import ROOT
    from evalkit import load
    from evalkit.ingest import ingest_paths
    from evalkit.report.inspect_pages import write_pages
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "archives" / "自评材料.zip", raw)
    ingest_paths([raw], tmp_path / "clean", checks=True)
    tables = load(tmp_path / "clean")
    flags = rp.Views(tables).red_flags
    assert len(set(flags["source_file"])) >= 2
    calls = []
    real = archives.expand
    monkeypatch.setattr(archives, "expand", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    m = write_pages(tables, flags, raw, tmp_path / "html")
    assert len(m["pages"]) >= 2 and [p.name for p in calls] == ["自评材料.zip", "附件.zip"]      # the nested one once too
