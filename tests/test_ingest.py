"""Ingest as a user runs it: folders, bad files, atomic output, the command line and evalkit.load."""
import os
import subprocess
import sys

import pandas as pd
import pytest

import evalkit
from evalkit.ingest import ingest_paths
from conftest import SEEDS


def test_unreadable_file_fails_alone_and_batch_goes_on(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    for s in SEEDS[:2]:
        (batch / s.name).write_bytes(s.read_bytes())
    (batch / "broken.txt").write_bytes(b"\x00\x01\x02 binary junk")
    (batch / "empty.txt").write_bytes(b"")
    (batch / "fake.docx").write_bytes(b"this is not a zip archive")
    tables = ingest_paths([batch], tmp_path / "clean")
    rep = tables["reports"].set_index("source_file")
    assert rep.loc["broken.txt", "status"] == "failed"
    assert "不是文本" in rep.loc["broken.txt", "error"] and "broken.txt" in rep.loc["broken.txt", "error"]
    assert rep.loc["empty.txt", "status"] == "failed" and "空文件" in rep.loc["empty.txt", "error"]
    assert rep.loc["fake.docx", "status"] == "failed"
    assert (rep.loc[[s.name for s in SEEDS[:2]], "status"] == "ok").all()
    assert len(tables["projects"]) == 1 + 4           # 000 has one project, 001 four
    assert set(pd.read_parquet(tmp_path / "clean" / "reports.parquet")["source_file"]) == set(rep.index)


def test_text_without_tables_is_partial_with_reason(tmp_path):
    f = tmp_path / "memo.txt"
    f.write_text("关于开展绩效自评工作的通知\n请各单位按时报送。\n", encoding="utf-8")
    rep = ingest_paths([f])["reports"].iloc[0]
    assert rep["status"] == "partial" and "未识别出" in rep["error"]
    assert "补充表头词汇" in rep["error"] and "先处理上面的读取问题" not in rep["error"]   # nothing else to blame


def test_failed_write_leaves_previous_dataset(tmp_path, monkeypatch):
    out = tmp_path / "clean"
    ingest_paths(SEEDS[:1], out)
    before = pd.read_parquet(out / "projects.parquet")

    def boom(self, *a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    try:
        ingest_paths(SEEDS, out)
    except OSError:
        pass
    monkeypatch.undo()
    after = pd.read_parquet(out / "projects.parquet")
    assert after.equals(before)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".clean.tmp")]


def test_cli_ingest_prints_ledger_and_load_reads_it(tmp_path):
    out = tmp_path / "clean"
    r = subprocess.run([sys.executable, "-m", "evalkit", "ingest", *map(str, SEEDS), "--out", str(out), "--quiet"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "003_7cec67b54d9192d1.txt" in r.stdout and "30 个项目" in r.stdout
    tables = evalkit.load(out)
    assert set(tables) >= {"reports", "projects", "indicators", "summaries", "findings"}
    assert len(tables["indicators"]) == 255


def test_cli_rejects_missing_path(tmp_path):
    r = subprocess.run([sys.executable, "-m", "evalkit", "ingest", str(tmp_path / "nope"), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "找不到输入" in r.stderr and str(tmp_path / "nope") in r.stderr


def test_batches_give_the_tables_of_one_batch(tmp_path):
    """Ingest in batches of four files (rows parked on disk, each batch checked and spooled as
    Parquet, streamed into the dataset) writes the tables of one batch; a byte copy in a later
    batch than its original is still a duplicate, a failed file keeps its row."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for s in SEEDS:
        (corpus / s.name).write_bytes(s.read_bytes())
    (corpus / "zz_copy.txt").write_bytes(SEEDS[0].read_bytes())     # batch 2; its original is in batch 1
    (corpus / "broken.txt").write_bytes(b"\x00\x01 binary junk")
    cache = tmp_path / "cache"            # parsed once
    stats_one, stats_many = {}, {}
    one = ingest_paths([corpus], tmp_path / "one", cache_dir=cache, jobs=1, batch=1000, stats=stats_one)
    many = ingest_paths([corpus], tmp_path / "many", cache_dir=cache, jobs=1, batch=4, stats=stats_many,
                        want=("reports", "findings"))
    assert list(many) == ["reports", "findings"]
    assert stats_one["rows"] == stats_many["rows"] and stats_many["rows"]["indicators"] > 0
    written, one_written = evalkit.load(tmp_path / "many"), evalkit.load(tmp_path / "one")
    assert set(written) == set(one)
    for name in one:
        pd.testing.assert_frame_equal(written[name], one_written[name], check_exact=True, obj=name)
    for name in many:
        pd.testing.assert_frame_equal(many[name], one_written[name], check_exact=True, obj=name)
    rep = many["reports"].set_index("source_file")
    assert rep.loc["zz_copy.txt", "status"] == "duplicate" and rep.loc["zz_copy.txt", "duplicate_of_file"] == SEEDS[0].name
    assert rep.loc["broken.txt", "status"] == "failed"
    assert many["findings"]["report_id"].nunique() > 1          # findings from both batches, in one order


def _seed_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for s in SEEDS:
        (corpus / s.name).write_bytes(s.read_bytes())
    (corpus / "zz_copy.txt").write_bytes(SEEDS[0].read_bytes())
    (corpus / "broken.txt").write_bytes(b"\x00\x01 binary junk")
    return corpus


MARKS: dict = {}     # where the batch builders below leave their marks (inherited by forked workers)


def marking_build_batch(*args):
    """_build_batch that leaves a file named after the process and the batch index."""
    (MARKS["dir"] / f"{os.getpid()}-{args[-1]}").touch()
    return MARKS["real"](*args)


def dying_build_batch(*args):
    """_build_batch whose process dies on batch 1."""
    if args[-1] == 1:
        (MARKS["dir"] / "died").touch()
        os._exit(9)
    return MARKS["real"](*args)


def test_batches_built_by_worker_processes_give_the_tables_of_one_process(tmp_path, monkeypatch):
    """With --jobs 2 the batches are built and checked by two forked processes (pieces written there,
    adopted here in batch order): the dataset is the one a single process writes."""
    from evalkit import ingest
    corpus = _seed_corpus(tmp_path)
    cache = tmp_path / "cache"
    one = ingest_paths([corpus], tmp_path / "one", cache_dir=cache, jobs=1)
    monkeypatch.setattr(ingest, "TAIL_FILES_PER_WORKER", 1)        # 7 files: 2 workers, several batches
    assert ingest.tail_workers(7, 2) == 2 and ingest.tail_workers(7, 1) == 1
    assert [len(b) for b in ingest.split_batches(list(range(7)), 2, 2)] == [2, 2, 1, 2]
    assert [len(b) for b in ingest.split_batches(list(range(7)), 100, 2)] == [4, 3]
    (tmp_path / "marks").mkdir()
    monkeypatch.setitem(MARKS, "dir", tmp_path / "marks")
    monkeypatch.setitem(MARKS, "real", ingest._build_batch)
    monkeypatch.setattr(ingest, "_build_batch", marking_build_batch)
    stats = {}
    ingest_paths([corpus], tmp_path / "two", cache_dir=cache, jobs=2, batch=2, stats=stats)
    assert stats["from_cache"] == 6 and stats["rows"]["indicators"] > 0
    written, one_written = evalkit.load(tmp_path / "two"), evalkit.load(tmp_path / "one")
    for name in one:
        pd.testing.assert_frame_equal(written[name], one_written[name], check_exact=True, obj=name)
    marks = [p.name.split("-") for p in (tmp_path / "marks").iterdir()]
    built = sorted(int(i) for _, i in marks)
    assert len(built) >= 2 and built == list(range(len(built)))        # every batch built in a worker
    assert str(os.getpid()) not in {pid for pid, _ in marks}


def test_a_batch_whose_builder_dies_is_built_by_the_run(tmp_path, monkeypatch):
    """A batch-building process that dies (killed, out of memory) costs nothing: the run builds that
    batch itself and writes the same dataset."""
    from evalkit import ingest
    corpus = _seed_corpus(tmp_path)
    cache = tmp_path / "cache"
    ingest_paths([corpus], tmp_path / "one", cache_dir=cache, jobs=1)
    monkeypatch.setattr(ingest, "TAIL_FILES_PER_WORKER", 1)
    monkeypatch.setitem(MARKS, "dir", tmp_path)
    monkeypatch.setitem(MARKS, "real", ingest._build_batch)
    monkeypatch.setattr(ingest, "_build_batch", dying_build_batch)
    ingest_paths([corpus], tmp_path / "two", cache_dir=cache, jobs=2, batch=2)
    assert (tmp_path / "died").exists()
    written, one = evalkit.load(tmp_path / "two"), evalkit.load(tmp_path / "one")
    for name in one:
        pd.testing.assert_frame_equal(written[name], one[name], check_exact=True, obj=name)


def test_batches_are_bounded_in_rows_as_well_as_files(monkeypatch):
    """A batch stops at BATCH_ROWS rows: a run of large reports holds no more at once than a run of
    small ones; a single larger file is a batch of its own; the split is near-even across workers."""
    from evalkit import ingest
    monkeypatch.setattr(ingest, "BATCH_ROWS", 5000)
    sizes = [10] * 10 + [3000] * 4 + [9000]
    batches = ingest.split_batches(sizes, 100, 2, rows=lambda r: r)
    assert [x for b in batches for x in b] == sizes                    # consecutive, nothing lost
    assert all(sum(b) <= 5000 or len(b) == 1 for b in batches) and [9000] in batches
    even = ingest.split_batches([40] * 100, 100, 2, rows=lambda r: r)
    assert [len(b) for b in even] == [50, 50]


def test_an_even_split_never_leaves_a_straggler_batch():
    """200 files, 100 a batch, two workers: heavier files first pull the first cut forward by rows,
    yet the files still fit in two batches (not 95 + 100 + a batch of 5 built alone, after the others)."""
    from evalkit import ingest
    rows = [50] * 100 + [40] * 100
    batches = ingest.split_batches(rows, 100, 2, rows=lambda r: r)
    assert [len(b) for b in batches] == [100, 100] and [x for b in batches for x in b] == rows


def test_jobs_are_cores_ocr_threads_included():
    """--jobs N is a budget of N cores: one worker of --jobs 1 runs OCR on one thread; a lone scan
    with two jobs gets both; two workers one each."""
    from evalkit.ingest import ocr_threads
    assert (ocr_threads(1, 1), ocr_threads(2, 1), ocr_threads(2, 2), ocr_threads(8, 3)) == (1, 2, 1, 2)


def test_slowest_files_are_handed_out_first_and_results_keep_the_given_order(tmp_path):
    """Workers take a PDF before text and larger text before smaller (no core is left alone with a
    long file at the end); parse_sources still answers in the order it was given."""
    import shutil

    from conftest import ROOT
    from evalkit.discover import discover
    from evalkit.ingest import iter_parsed, parse_sources
    for s in SEEDS:
        shutil.copy(s, tmp_path / s.name)
    shutil.copy(ROOT / "tests" / "fixtures" / "fixture_pdf.pdf", tmp_path / "zz.pdf")
    sources = discover([tmp_path]).sources
    by_size = [s.name for s in sorted(SEEDS, key=lambda p: -p.stat().st_size)]
    handed = [s.source_file for s, _ in iter_parsed(sources, jobs=1)]
    assert handed == ["zz.pdf"] + by_size
    assert [r.report["source_file"] for r in parse_sources(sources, jobs=1)] == [s.source_file for s in sources]


def test_office_owner_files_and_hidden_files_are_not_reports(tmp_path):
    """Word, Excel and WPS keep a ~$ owner file beside an open document (162 bytes: the user's name), LibreOffice a
    .~lock file, macOS ._ companions: none is a report, none becomes a failed row (“DOCX 文件已损坏”)."""
    (tmp_path / SEEDS[0].name).write_bytes(SEEDS[0].read_bytes())
    (tmp_path / "~$自评报告.docx").write_bytes(b"\x08zhangsan" + b" " * 45 + b"\x00" * 108)
    (tmp_path / "~$汇总表.xlsx").write_bytes(b"\x08zhangsan" + b" " * 48 + b"\x00" * 108)
    (tmp_path / ".~lock.自评报告.docx#").write_text(",zhangsan,host,03.12.2026 09:00,file:///C:/x;", encoding="utf-8")
    (tmp_path / "._自评报告.docx").write_bytes(b"\x00\x05\x16\x07" + b"\x00" * 80)
    t = ingest_paths([tmp_path], tmp_path.parent / f"{tmp_path.name}-clean", checks=False)
    assert list(t["reports"]["source_file"]) == [SEEDS[0].name] and (t["reports"]["status"] == "ok").all()


BARE_TABLE = """<html><head><meta charset="utf-8"></head><body><p>项目支出绩效自评表</p><p>（2023年度）</p>
<table border="1">
<tr><td>项目名称</td><td colspan="6">乡村道路养护经费</td></tr>
<tr><td>主管部门</td><td colspan="2">某某县交通运输局</td><td>实施单位</td><td colspan="3">某某县交通运输局</td></tr>
<tr><td rowspan="2">项目资金（万元）</td><td></td><td>年初预算数</td><td>全年预算数</td><td>全年执行数</td><td>执行率</td>
<td>得分</td></tr>
<tr><td>年度资金总额</td><td>100</td><td>100</td><td>90</td><td>90%</td><td>9</td></tr>
{rest}
</table></body></html>"""


def test_a_project_table_without_indicators_or_total_is_partial(tmp_path):
    """A self-evaluation table gives indicator lines or a total score; one that gives neither was not understood
    (its indicator header in words evalkit does not know, or its columns printed on other pages): said, not ok."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "bare.html").write_text(BARE_TABLE.replace("{rest}", "<tr><td>年度总体目标</td><td colspan='6'>完成养护</td></tr>"),
                                    encoding="utf-8")
    scored = BARE_TABLE.replace("乡村道路养护经费", "农村公路建设经费")
    total = ("<tr><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>年度指标值</td><td>实际完成值</td><td>分值</td>"
             "<td>得分</td></tr><tr><td>总分</td><td colspan='4'></td><td>100</td><td>90</td></tr>")
    (docs / "total.html").write_text(scored.replace("{rest}", total), encoding="utf-8")
    out = ingest_paths([docs], tmp_path / "clean")
    rep = out["reports"].set_index("source_file")
    assert sorted(out["projects"]["project_name"]) == ["乡村道路养护经费", "农村公路建设经费"]
    assert rep.loc["bare.html", "status"] == "partial"
    assert "“乡村道路养护经费”的自评表没有读到绩效指标和总分" in rep.loc["bare.html", "error"]
    assert rep.loc["total.html", "status"] == "ok"


def test_inputs_of_one_name_are_told_apart_by_their_folders(tmp_path):
    """`曲沃县/2023 开江县/2023`: before, both counties' files read `2023/自评表.txt` in the ledger."""
    import shutil
    for county, seed in (("曲沃县", SEEDS[0]), ("开江县", SEEDS[1])):
        (tmp_path / county / "2023").mkdir(parents=True)
        shutil.copy(seed, tmp_path / county / "2023" / "自评表.txt")
    rep = ingest_paths([tmp_path / "曲沃县" / "2023", tmp_path / "开江县" / "2023"], checks=False)["reports"]
    assert sorted(rep["source_file"]) == ["开江县/2023/自评表.txt", "曲沃县/2023/自评表.txt"]
    assert (rep["status"] == "ok").all()


def test_a_file_reached_through_two_inputs_is_one_row_and_said(tmp_path):
    """A folder and a file in it, a folder and its link, the same folder twice: before, each file had two rows of one
    name (the second a `duplicate` of itself)."""
    import json
    import shutil
    corpus = tmp_path / "材料"
    (corpus / "开江县").mkdir(parents=True)
    shutil.copy(SEEDS[0], corpus / "曲沃县.txt")
    shutil.copy(SEEDS[1], corpus / "开江县" / "报告.txt")
    (tmp_path / "链接").symlink_to(corpus)
    out = tmp_path / "clean"
    r = subprocess.run([sys.executable, "-m", "evalkit", "ingest", corpus / "开江县", corpus, corpus / "曲沃县.txt",
                        tmp_path / "链接", str(corpus) + "/../材料", "--out", out], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    rep = pd.read_parquet(out / "reports.parquet")
    assert sorted(rep["source_file"]) == ["开江县/报告.txt", "材料/曲沃县.txt"]
    assert (rep["status"] == "ok").all()
    given = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["given_twice"]
    assert given == ["材料/开江县/", "曲沃县.txt（即 材料/曲沃县.txt）", "链接/", f"{corpus}/../材料"]
    assert "只读取一次：材料/开江县/、曲沃县.txt（即 材料/曲沃县.txt）" in r.stdout


def test_two_files_shown_under_one_name_get_two_names(tmp_path):
    """`unzip` on Linux leaves a GBK name (bytes) beside the same name in UTF-8: both read 报告.txt before."""
    import shutil
    shutil.copy(SEEDS[0], os.fsencode(tmp_path) + b"/" + "报告.txt".encode("gbk"))
    shutil.copy(SEEDS[1], tmp_path / "报告.txt")
    rep = ingest_paths([tmp_path], checks=False)["reports"]
    assert sorted(rep["source_file"]) == ["报告.txt", "报告（2）.txt"]
    assert (rep["status"] == "ok").all() and rep["sha256"].nunique() == 2


def test_a_report_still_downloading_is_a_failed_row_saying_so(tmp_path):
    """A browser's or 迅雷's temporary file of a report: before, skipped as another type, the report silently missing."""
    (tmp_path / "自评表.pdf.crdownload").write_bytes(b"%PDF-1.7\n" + b"\0" * 512)
    (tmp_path / "报告.txt.td").write_bytes(SEEDS[0].read_bytes()[:200])
    (tmp_path / "报告.txt.td.cfg").write_bytes(b"thunder")
    (tmp_path / "说明.part").write_text("not a report", encoding="utf-8")
    (tmp_path / "ok.txt").write_bytes(SEEDS[1].read_bytes())
    rep = ingest_paths([tmp_path], checks=False)["reports"].set_index("source_file")
    assert sorted(rep.index) == ["ok.txt", "报告.txt.td", "自评表.pdf.crdownload"]
    assert rep.loc["自评表.pdf.crdownload", "status"] == "failed" and rep.loc["自评表.pdf.crdownload", "format"] == "pdf"
    assert "尚未下载完成（Chrome" in rep.loc["自评表.pdf.crdownload", "error"]
    assert "请等“报告.txt”下载完成" in rep.loc["报告.txt.td", "error"] and "迅雷" in rep.loc["报告.txt.td", "error"]
    assert rep.loc["ok.txt", "status"] == "ok"


@pytest.mark.parametrize("name, words", [("公文.ceb", "阿帕比"), ("公文.sep", "书生"), ("表.numbers", "Numbers"),
                                         ("文稿.pages", "Pages"), ("自评表.eio", "永中 Office 文档"),
                                         ("自评表.uos", "UOF 电子表格"), ("汇报.uop", "UOF 演示文稿")])
def test_a_document_format_evalkit_does_not_read_is_a_row_saying_what_to_export(tmp_path, name, words):
    """Before, a 书生/阿帕比 公文 or an Apple file was skipped as another type: the report missing without a word."""
    (tmp_path / name).write_bytes(b"\0" * 64)
    (tmp_path / "ok.txt").write_bytes(SEEDS[0].read_bytes())
    rep = ingest_paths([tmp_path], checks=False)["reports"].set_index("source_file")
    assert rep.loc[name, "status"] == "failed" and words in rep.loc[name, "error"]
    assert rep.loc[name, "format"] == name.rsplit(".", 1)[1] and rep.loc["ok.txt", "status"] == "ok"


def test_files_not_read_are_counted_by_type_after_the_ledger(tmp_path):
    """Before, the files of other types were counted in the manifest only: a format evalkit lacks went unseen."""
    import json
    from conftest import run_cli
    corpus = tmp_path / "in"
    corpus.mkdir()
    for name in ("a.xml", "b.xml", "c.json", "README"):
        (corpus / name).write_text("x", encoding="utf-8")
    (corpus / "ok.txt").write_bytes(SEEDS[0].read_bytes())
    r = run_cli("ingest", corpus, "--out", tmp_path / "clean")
    assert r.returncode == 0, r.stderr
    assert "另有 4 个文件不是报告格式，未读取：.xml 2 个、.json 1 个、无扩展名 1 个" in r.stdout
    manifest = json.loads((tmp_path / "clean" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["skipped_types"] == {".xml": 2, ".json": 1, "无扩展名": 1}


def test_a_drives_recycle_bin_is_not_walked_and_is_named(tmp_path):
    """A USB stick's `$RECYCLE.BIN` holds deleted (older) copies of reports as `$R3X9ABC.docx`: before, read as reports."""
    from conftest import run_cli
    (tmp_path / "usb" / "$RECYCLE.BIN" / "S-1-5-21").mkdir(parents=True)
    (tmp_path / "usb" / "$RECYCLE.BIN" / "S-1-5-21" / "$R3X9ABC.txt").write_bytes(SEEDS[0].read_bytes())
    (tmp_path / "usb" / "System Volume Information").mkdir()
    (tmp_path / "usb" / "报告").mkdir()
    (tmp_path / "usb" / "报告" / "a.txt").write_bytes(SEEDS[1].read_bytes())
    r = run_cli("ingest", tmp_path / "usb", "--out", tmp_path / "clean")
    assert r.returncode == 0, r.stderr
    assert sorted(pd.read_parquet(tmp_path / "clean" / "reports.parquet")["source_file"]) == ["报告/a.txt"]
    assert "未读取系统文件夹：System Volume Information/（Windows 系统文件夹）、$RECYCLE.BIN/（Windows 回收站" in r.stdout
