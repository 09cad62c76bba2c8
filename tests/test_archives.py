"""Archives: each report inside a .zip/.7z is its own `reports` row named `archive!member`, GBK
member names are read right, nested archives are opened, and bad archives cost one row."""
from __future__ import annotations

import sys

import pandas as pd
import pytest

from conftest import ROOT, SEEDS, run_script
from evalkit.ingest import ingest_paths

sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import make_archive_fixtures as maf  # noqa: E402

ARCHIVES = ROOT / "tests" / "fixtures" / "archives"


@pytest.fixture(scope="module")
def archive_tables(tmp_path_factory):
    out = tmp_path_factory.mktemp("arc") / "clean"
    archives = sorted(p for p in ARCHIVES.iterdir() if p.is_file())     # not truth/: its CSVs would be inputs
    return ingest_paths(archives, out, checks=False, keep_format_copies=True), out


def test_members_are_rows_named_archive_bang_member(archive_tables):
    rep = archive_tables[0]["reports"].set_index("source_file")
    assert sorted(rep.index) == [
        "汇总.7z!汇总/fixture_xlsx.xlsx",
        "自评材料.zip!大厂县/2022年/fixture_docx.docx",
        "自评材料.zip!大厂县/2022年/fixture_pdf.pdf",
        "自评材料.zip!大厂县/照片.jpg",
        "自评材料.zip!开江县/fixture_html.html",
        "自评材料.zip!附件.zip!附件/fixture_xls.xls",
    ]
    assert (rep.drop("自评材料.zip!大厂县/照片.jpg")["status"] == "ok").all()
    assert rep.loc["自评材料.zip!大厂县/照片.jpg", "status"] == "failed"    # a broken picture, read as a scan
    assert rep.loc["自评材料.zip!大厂县/2022年/fixture_pdf.pdf", "format"] == "pdf"


def test_archive_fixtures_match_their_truth(archive_tables):
    r = run_script(ROOT.parent / "shared" / "tools" / "truthcheck.py",
                   "--clean", archive_tables[1], "--truth", ARCHIVES / "truth", "--min", "0.99", timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "truthcheck: 685/685 fields match (100.0%)" in r.stdout


def test_bad_archives_each_cost_one_row(tmp_path):
    maf.bad_archives(tmp_path / "in", SEEDS[0], SEEDS[1], SEEDS[2])
    t = ingest_paths([tmp_path / "in"], checks=False)
    rep = t["reports"].set_index("source_file")
    assert rep.loc["encrypted.zip", "status"] == "failed" and "密码保护" in rep.loc["encrypted.zip", "error"]
    assert "已损坏" in rep.loc["corrupt.zip", "error"]
    assert rep.loc["bomb.zip!bomb.txt", "status"] == "failed" and "压缩炸弹" in rep.loc["bomb.zip!bomb.txt", "error"]
    assert rep.loc["bomb.zip!good.txt", "status"] == "ok"
    assert "没有可读取的报告文件" in rep.loc["pictures.zip", "error"]
    assert rep.loc["climb.zip!../../escaped.txt", "status"] == "ok"           # read, named as in the archive,
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path.parent / "escaped.txt").exists()  # never written outside
    # a member zlib cannot inflate (zlib.error, which is no OSError) is its own row; it once ended the whole run
    broken = rep.loc["damaged.zip!broken.txt"]
    assert broken["status"] == "failed"
    assert broken["error"] == ("damaged.zip!broken.txt: 无法从压缩包中取出：压缩数据已损坏或不完整，无法解压，请重新下载"
                               "（error: Error -3 while decompressing data: invalid block type）")
    assert rep.loc["damaged.zip!whole.txt", "status"] == "ok"
    assert len(rep) == 8


def test_staging_folder_is_removed(tmp_path, monkeypatch):
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ingest_paths([ARCHIVES / "汇总.7z"], checks=False)
    assert not list(tmp_path.glob("evalkit-archives-*"))


def test_a_rar_archive_is_read_like_a_zip(tmp_path):
    maf.rar_archives(tmp_path / "in", SEEDS)
    t = ingest_paths([tmp_path / "in" / "材料.rar", tmp_path / "in" / "旧版.rar"], checks=False)
    rep = t["reports"].set_index("source_file")
    assert sorted(rep.index) == sorted([
        f"材料.rar!曲沃县/{SEEDS[0].name}", f"材料.rar!开江县/2024年/{SEEDS[1].name}",
        f"材料.rar!附件.zip!附件/{SEEDS[2].name}", f"旧版.rar!君山区/{SEEDS[4].name}"])   # RAR 4, a GBK name
    assert (rep["status"] == "ok").all()
    # the same projects and figures as the files themselves
    plain = ingest_paths([*SEEDS[:3], SEEDS[4]], checks=False)["projects"]
    cols = ["project_name", "county", "budget_full_year", "executed", "total_score"]
    got = t["projects"][cols].sort_values(cols[:2]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, plain[cols].sort_values(cols[:2]).reset_index(drop=True))


def test_bad_rar_archives_each_cost_one_row_and_keep_what_came_out_whole(tmp_path):
    maf.rar_archives(tmp_path / "in", SEEDS)
    (tmp_path / "in" / "材料.rar").unlink()
    (tmp_path / "in" / "旧版.rar").unlink()
    (tmp_path / "in" / "renamed.rar").write_bytes(SEEDS[0].read_bytes())       # a report renamed .rar
    t = ingest_paths([tmp_path / "in"], checks=False)
    rep = t["reports"].set_index("source_file")
    assert rep.loc["cut.rar!第一份.txt", "status"] == "ok"                    # whole before the cut
    assert rep.loc["cut.rar!（其余文件）", "status"] == "failed"
    assert "无法读取" in rep.loc["cut.rar!（其余文件）", "error"]
    assert rep.loc["junk.rar", "status"] == "failed" and "已损坏" in rep.loc["junk.rar", "error"]
    assert rep.loc["renamed.rar", "status"] == "failed" and "不是 RAR 压缩包" in rep.loc["renamed.rar", "error"]
    assert rep.loc["bomb.rar", "status"] == "failed" and "压缩炸弹" in rep.loc["bomb.rar", "error"]
    assert len(rep) == 5


def test_a_rar_archive_with_chinese_names_reads_in_the_c_locale_as_under_cron(tmp_path):
    # libarchive cannot open a Chinese file name by name in the C locale, nor convert GBK member names
    import json
    import os
    import subprocess
    maf.rar_archives(tmp_path / "in", SEEDS)
    code = ("import json, sys; from pathlib import Path; from evalkit.ingest import ingest_paths; "
            "t = ingest_paths([Path(sys.argv[1]) / '材料.rar', Path(sys.argv[1]) / '旧版.rar'], checks=False); "
            "print(json.dumps(sorted(zip(t['reports']['source_file'], t['reports']['status'])), ensure_ascii=True))")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))} | {"LC_ALL": "C"}
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "in")], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert [tuple(x) for x in got] == sorted([
        (f"旧版.rar!君山区/{SEEDS[4].name}", "ok"), (f"材料.rar!曲沃县/{SEEDS[0].name}", "ok"),
        (f"材料.rar!开江县/2024年/{SEEDS[1].name}", "ok"), (f"材料.rar!附件.zip!附件/{SEEDS[2].name}", "ok")])


def test_a_damaged_members_message_names_it_as_read_not_as_zipfile_decodes_it():
    """zipfile puts a GBK member name into its words decoded as cp437 ('┤≤│º╧╪'): the message shows the name
    evalkit read."""
    import zipfile

    from evalkit.archives import member_problem
    raw = "大厂县/自评表.docx".encode("gbk").decode("cp437")
    msg = member_problem(zipfile.BadZipFile(f"Bad CRC-32 for file {raw!r}"), raw, "大厂县/自评表.docx")
    assert msg == "无法从压缩包中取出：数据校验不符，文件已损坏，请重新下载（BadZipFile: Bad CRC-32 for file '大厂县/自评表.docx'）"


# 95 characters: 277 bytes in UTF-8, over the 255 a Linux file name takes (Windows counts 255 characters)
LONG = "某某县财政局关于印发" + "二〇二三年度部门项目支出绩效自评报告及自评表的通知附件" * 3 + ".txt"


def _long_named(dest, kind):
    """An archive (zip, 7z, rar) or a mail holding a seed under a long name, one in a long folder, one short."""
    import zipfile
    from email.message import EmailMessage
    items = [(LONG, SEEDS[0]), (("很长的文件夹名称" * 12) + "/" + SEEDS[2].name, SEEDS[2]), ("短名.txt", SEEDS[1])]
    path = dest / f"材料.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(path, "w") as z:
            for name, seed in items:
                z.write(seed, name)
    elif kind == "7z":
        import py7zr
        with py7zr.SevenZipFile(path, "w") as z:
            for name, seed in items:
                z.write(seed, name)
    elif kind == "rar":
        path.write_bytes(maf.rar5([(name, seed.read_bytes()) for name, seed in items]))
    elif kind == "msg":
        from outlookmsg import Attachment, Message, write_msg
        path.write_bytes(write_msg(Message(attachments=[Attachment(name.rsplit("/", 1)[-1], seed.read_bytes(), "text/plain")
                                                        for name, seed in items])))
        return path, [name.rsplit("/", 1)[-1] for name, _ in items]
    else:
        m = EmailMessage()
        m["Subject"] = "自评材料"
        m.set_content("请查收附件。")
        for name, seed in items:
            m.add_attachment(seed.read_bytes(), maintype="text", subtype="plain", filename=name.rsplit("/", 1)[-1])
        path.write_bytes(bytes(m))
        return path, [name.rsplit("/", 1)[-1] for name, _ in items]
    return path, [name for name, _ in items]


@pytest.mark.parametrize("kind", ["zip", "7z", "rar", "eml", "msg"])
def test_members_named_longer_than_the_file_system_takes_are_read(tmp_path, kind):
    """Before, a zip or 7z holding one such name failed whole (OSError: File name too long)."""
    (tmp_path / "in").mkdir()
    path, names = _long_named(tmp_path / "in", kind)
    t = ingest_paths([path], checks=False)
    rep = t["reports"].set_index("source_file")
    assert sorted(rep.index) == sorted(f"{path.name}!{n}" for n in names)
    assert (rep["status"] == "ok").all(), rep["error"].dropna().tolist()
    plain = ingest_paths([SEEDS[0], SEEDS[2], SEEDS[1]], checks=False)["projects"]
    cols = ["project_name", "county", "budget_full_year", "executed", "total_score"]
    got = t["projects"][cols].sort_values(cols[:2]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, plain[cols].sort_values(cols[:2]).reset_index(drop=True))


def test_a_long_member_name_is_cut_in_its_stem_and_keeps_its_suffix():
    from evalkit.members import NAME_BYTES, fit_name
    cut = fit_name(LONG)
    assert cut.endswith(".txt") and LONG.startswith(cut[:-4]) and NAME_BYTES - 3 < len(cut.encode()) <= NAME_BYTES
    assert fit_name("自评表.docx") == "自评表.docx"


@pytest.mark.parametrize("kind", ["zip", "7z"])
def test_two_members_of_one_name_are_two_rows_each_with_its_own_content(tmp_path, kind):
    """A zip or 7z may hold one name twice; before, both rows had one name (a 7z's two rows the first file's bytes)."""
    import hashlib
    import warnings
    import zipfile
    path = tmp_path / f"重复.{kind}"
    items = [("大厂县/自评表.txt", SEEDS[0]), ("大厂县/自评表.txt", SEEDS[1]), ("其他.txt", SEEDS[3])]
    if kind == "zip":
        with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as z:
            warnings.simplefilter("ignore")              # zipfile warns of the duplicate name
            for name, seed in items:
                z.write(seed, name)
    else:
        import py7zr
        with py7zr.SevenZipFile(path, "w") as z:
            for name, seed in items:
                z.write(seed, name)
    rep = ingest_paths([path], checks=False)["reports"].set_index("source_file")
    assert sorted(rep.index) == [f"{path.name}!其他.txt", f"{path.name}!大厂县/自评表.txt", f"{path.name}!大厂县/自评表（2）.txt"]
    assert rep.loc[f"{path.name}!大厂县/自评表.txt", "sha256"] == hashlib.sha256(SEEDS[0].read_bytes()).hexdigest()
    assert rep.loc[f"{path.name}!大厂县/自评表（2）.txt", "sha256"] == hashlib.sha256(SEEDS[1].read_bytes()).hexdigest()
    assert (rep["status"] == "ok").all()


def test_a_7z_member_whose_path_climbs_out_costs_its_row_not_the_archive(tmp_path):
    """py7zr refuses a whole archive for one such name (Bad7zFile); a zip's is read under our own name."""
    import py7zr
    path = tmp_path / "越界.7z"
    with py7zr.SevenZipFile(path, "w") as z:
        z.write(SEEDS[0], "../../逃出.txt")
        z.write(SEEDS[1], "正常.txt")
    rep = ingest_paths([path], checks=False)["reports"].set_index("source_file")
    assert rep.loc["越界.7z!正常.txt", "status"] == "ok"
    assert rep.loc["越界.7z!../../逃出.txt", "status"] == "failed"
    assert "指向压缩包之外" in rep.loc["越界.7z!../../逃出.txt", "error"]
    assert not (tmp_path.parent / "逃出.txt").exists() and not (tmp_path / "逃出.txt").exists()


def test_inspect_finds_a_member_named_longer_than_the_file_system_takes(tmp_path):
    """`a.zip!<long name>` is no path the file system can even test (ENAMETOOLONG): before, a traceback."""
    from conftest import run_cli
    (tmp_path / "in").mkdir()
    path, names = _long_named(tmp_path / "in", "zip")
    r = run_cli("inspect", f"{path}!{LONG}")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == f"文件：{path}!{LONG}" and "指标行" in r.stdout


def test_a_zip_whose_tool_parted_folders_with_backslashes_names_them_with_slashes(tmp_path):
    """Some Windows tools write `山西省\\临汾市\\…`: before, one folder name with backslashes in it (no county read from the
    path, a macOS `._` companion inside a folder not known as one)."""
    import zipfile
    path = tmp_path / "材料.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("山西省\\临汾市\\曲沃县\\自评表.txt", SEEDS[0].read_bytes())
        z.writestr("山西省\\临汾市\\曲沃县\\._自评表.txt", b"\0\5\26\7")
    rep = ingest_paths([path], checks=False)["reports"]
    assert rep["source_file"].tolist() == ["材料.zip!山西省/临汾市/曲沃县/自评表.txt"] and rep["status"].eq("ok").all()


def _volumes(folder, name, data, n, skip=()):
    k = len(data) // n + 1
    for i in range(n):
        if i + 1 not in skip:
            (folder / f"{name}.{i + 1:03d}").write_bytes(data[i * k:(i + 1) * k])


def test_7zips_volumes_are_read_as_the_archive_they_join_into(tmp_path):
    """7-Zip's 分卷 (`材料.7z.001`, `.002`, `.003`: what 网盘 and QQ size limits make people send): before, skipped as files
    of another type, the reports missing without a word. A set without its first or a middle volume is one failed row."""
    import io
    import zipfile

    import py7zr
    from conftest import run_cli
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as z:
        for seed in SEEDS[:3]:
            z.write(seed, "材料/" + seed.name)
    (tmp_path / "in").mkdir()
    _volumes(tmp_path / "in", "材料.7z", buf.getvalue(), 3)
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as z:
        z.write(SEEDS[3], SEEDS[3].name)
    _volumes(tmp_path / "in", "缺卷.zip", zbuf.getvalue(), 3, skip={2})
    (tmp_path / "in" / "孤卷.zip.002").write_bytes(b"x" * 100)
    rep = ingest_paths([tmp_path / "in"], checks=False)["reports"].set_index("source_file")
    assert sorted(rep.index) == sorted([f"材料.7z!材料/{s.name}" for s in SEEDS[:3]] + ["孤卷.zip.002", "缺卷.zip"])
    assert (rep.loc[[f"材料.7z!材料/{s.name}" for s in SEEDS[:3]], "status"] == "ok").all()
    assert "缺少第 2 卷（有第 1 卷和第 3 卷）" in rep.loc["缺卷.zip", "error"]
    assert "缺少第 1 卷（孤卷.zip.001）" in rep.loc["孤卷.zip.002", "error"]
    r = run_cli("inspect", tmp_path / "in" / f"材料.7z!材料/{SEEDS[0].name}")      # as the ledger names it
    assert r.returncode == 0 and "指标行" in r.stdout, r.stderr


def _rar_set(folder, base="材料", digits=2, drop=()):
    """Three seeds stored in RAR 5 volumes of 15 KB (4 volumes, members running on across them), as WinRAR names them."""
    import rarvolumes
    folder.mkdir(parents=True, exist_ok=True)
    paths = rarvolumes.write_volumes(folder, base, {f"{base}/{s.name}": s.read_bytes() for s in SEEDS[:3]}, 15000,
                                     digits=digits)
    for k in drop:
        paths[k - 1].unlink()
    return paths


def test_winrars_volumes_are_read_as_one_archive(tmp_path):
    """WinRAR's 分卷 (`材料.part01.rar`…`.part04.rar`): before, each volume was read as a RAR alone, so a report running on
    into the next volume came out cut (a text report `partial` with 0 projects, the rest of it lost without a word)
    and the later volumes failed. Now the set is read once, from its first volume, named `材料.rar`; a set without a
    middle volume or without its first is one failed row saying which."""
    from conftest import run_cli
    _rar_set(tmp_path / "in")
    _rar_set(tmp_path / "in" / "缺卷", drop={2})
    _rar_set(tmp_path / "in" / "孤卷", drop={1})
    rep = ingest_paths([tmp_path / "in"], checks=False)["reports"].set_index("source_file")
    whole = [f"材料.rar!材料/{s.name}" for s in SEEDS[:3]]
    assert sorted(rep.index) == sorted(whole + ["孤卷/材料.part02.rar", "缺卷/材料.rar"])
    assert (rep.loc[whole, "status"] == "ok").all() and (rep.loc[whole, "n_indicators"] > 0).all()
    assert "缺少第 2 卷（有第 1 卷和第 3 卷）" in rep.loc["缺卷/材料.rar", "error"]
    assert "缺少第 1 卷（材料.part01.rar）" in rep.loc["孤卷/材料.part02.rar", "error"]
    r = run_cli("inspect", tmp_path / "in" / whole[2])                # as the ledger names it
    assert r.returncode == 0 and "指标行" in r.stdout, r.stderr


@pytest.mark.parametrize("style", ["part", "old"])
def test_volumes_given_one_by_one_are_read_as_their_set_once(tmp_path, style):
    """`evalkit ingest 材料.part*.rar` or `材料.r*` (the shell names every volume): the set once, as from its folder."""
    paths = _rar_set(tmp_path, digits=1)
    if style == "old":
        paths = [p.rename(p.with_name("材料.rar" if k == 0 else f"材料.r{k - 1:02d}")) for k, p in enumerate(paths)]
    rep = ingest_paths(list(reversed(paths)), checks=False)["reports"]
    assert sorted(rep["source_file"]) == sorted(f"材料.rar!材料/{s.name}" for s in SEEDS[:3])
    assert rep["status"].eq("ok").all()


def test_rar4_volumes_with_gbk_names_are_read_as_one_archive(tmp_path):
    """RAR 4 volumes (WinRAR's RAR format, names in GBK, as a Chinese Windows writes them): read together, names
    decoded; before, the first volume alone ended in 'Truncated RAR file data' with the reports running on lost."""
    import rarvolumes
    rarvolumes.write_rar4_volumes(tmp_path, "材料", {f"曲沃县/{s.name[:3]}自评表.txt": s.read_bytes() for s in SEEDS[:3]},
                                  15000)
    rep = ingest_paths([tmp_path], checks=False)["reports"]
    assert sorted(rep["source_file"]) == [f"材料.rar!曲沃县/{s.name[:3]}自评表.txt" for s in SEEDS[:3]]
    assert rep["status"].eq("ok").all() and (rep["n_indicators"] > 0).all()


def test_rars_old_style_volumes_are_read_as_one_archive(tmp_path):
    """RAR's old-style volume names (`材料.rar`, `材料.r00`, `材料.r01`…, still WinRAR's option): before, `材料.rar` was read
    alone (the report running on into `.r00` cut) and the rest skipped as files of another type."""
    for k, path in enumerate(_rar_set(tmp_path / "in")):
        path.rename(path.with_name("材料.rar" if k == 0 else f"材料.r{k - 1:02d}"))
    for k, path in enumerate(_rar_set(tmp_path / "in" / "缺卷", drop={3})):
        if path.exists():
            path.rename(path.with_name("材料.rar" if k == 0 else f"材料.r{k - 1:02d}"))
    (tmp_path / "in" / "孤卷").mkdir()
    (tmp_path / "in" / "孤卷" / "材料.r03").write_bytes(b"Rar!\x1a\x07\x01\x00" + b"\0" * 100)
    r = ingest_paths([tmp_path / "in"], checks=False)["reports"].set_index("source_file")
    whole = [f"材料.rar!材料/{s.name}" for s in SEEDS[:3]]
    assert sorted(r.index) == sorted(whole + ["孤卷/材料.r03", "缺卷/材料.rar"])
    assert (r.loc[whole, "status"] == "ok").all()
    assert "缺少第 3 卷（有第 1–2 卷和第 4 卷）" in r.loc["缺卷/材料.rar", "error"]
    assert "缺少第 1 卷（材料.rar）" in r.loc["孤卷/材料.r03", "error"]


def test_volumes_inside_an_archive_are_read_as_the_archive_they_make(tmp_path):
    """A 网盘's folder downloaded as one zip holding a set's volumes (WinRAR's and 7-Zip's), or a mail's attachments:
    before, each RAR volume was read alone (reports cut, later volumes failed) and 7-Zip's skipped as other files."""
    import io
    import zipfile

    import py7zr
    paths = _rar_set(tmp_path / "rar")
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as z:
        z.write(SEEDS[3], "表/" + SEEDS[3].name)
    (tmp_path / "7z").mkdir()
    _volumes(tmp_path / "7z", "汇总.7z", buf.getvalue(), 2)
    with zipfile.ZipFile(tmp_path / "网盘.zip", "w") as z:
        for path in paths + sorted((tmp_path / "7z").iterdir()):
            z.write(path, "下载/" + path.name)
        z.write(paths[1], "孤卷/" + paths[1].name)
    rep = ingest_paths([tmp_path / "网盘.zip"], checks=False)["reports"].set_index("source_file")
    whole = [f"网盘.zip!下载/材料.rar!材料/{s.name}" for s in SEEDS[:3]] + [f"网盘.zip!下载/汇总.7z!表/{SEEDS[3].name}"]
    assert sorted(rep.index) == sorted(whole + ["网盘.zip!孤卷/材料.part02.rar"])
    assert (rep.loc[whole, "status"] == "ok").all() and (rep.loc[whole, "n_indicators"] > 0).all()
    assert "缺少第 1 卷（材料.part01.rar）" in rep.loc["网盘.zip!孤卷/材料.part02.rar", "error"]
    from conftest import run_cli
    r = run_cli("inspect", tmp_path / whole[0])                      # as the ledger names it
    assert r.returncode == 0 and "指标行" in r.stdout, r.stderr


def _split_zip(folder, drop=()):
    import zipsplit
    folder.mkdir(parents=True, exist_ok=True)
    paths = zipsplit.write_split_zip(folder, "材料", {f"材料/{s.name}": s.read_bytes() for s in SEEDS[:3]}, 3000)
    for path in paths:
        if path.name in drop:
            path.unlink()
    return paths


def test_a_split_zip_is_read_as_the_archive_it_makes(tmp_path):
    """A split zip (Bandizip's, WinRAR's or `zip -s`: `材料.z01`, `.z02`…, its directory in `材料.zip`): before,
    `材料.zip` failed (its records are in the other parts) and the `.z01`… were skipped as other files. Now the parts
    are joined and the directory's offsets made the joined file's; a set missing a part or its `.zip` is one row."""
    from conftest import run_cli
    paths = _split_zip(tmp_path / "in")
    assert len(paths) >= 4
    _split_zip(tmp_path / "in" / "缺卷", drop={"材料.z02"})
    _split_zip(tmp_path / "in" / "缺尾", drop={"材料.zip"})
    rep = ingest_paths([tmp_path / "in"], checks=False)["reports"].set_index("source_file")
    whole = [f"材料.zip!材料/{s.name}" for s in SEEDS[:3]]
    assert sorted(rep.index) == sorted(whole + ["缺卷/材料.zip", "缺尾/材料.zip"])
    assert (rep.loc[whole, "status"] == "ok").all() and (rep.loc[whole, "n_indicators"] > 0).all()
    assert "缺少第 2 卷（有第 1 卷和第 3 卷）" in rep.loc["缺卷/材料.zip", "error"]
    assert "缺少最后一卷 材料.zip" in rep.loc["缺尾/材料.zip", "error"]
    given = ingest_paths(list(reversed(paths)), checks=False)["reports"]          # `evalkit ingest 材料.z* 材料.zip`
    assert sorted(given["source_file"]) == sorted(whole) and given["status"].eq("ok").all()
    r = run_cli("inspect", tmp_path / "in" / whole[1])                # as the ledger names it
    assert r.returncode == 0 and "指标行" in r.stdout, r.stderr
    import zipfile
    with zipfile.ZipFile(tmp_path / "网盘.zip", "w") as z:        # the same parts inside an archive
        for path in paths:
            z.write(path, "下载/" + path.name)
    inner = ingest_paths([tmp_path / "网盘.zip"], checks=False)["reports"]
    assert sorted(inner["source_file"]) == sorted(f"网盘.zip!下载/{name}" for name in whole)
    assert inner["status"].eq("ok").all()


def test_a_member_running_on_into_a_volume_not_there_is_said_incomplete(tmp_path):
    """A set whose last volume is missing: the member it holds part of was copied cut, as far as the volumes there
    go; now it is a failed row saying so, the members whole in the volumes there are read."""
    _rar_set(tmp_path, drop={4})
    rep = ingest_paths([tmp_path], checks=False)["reports"].set_index("source_file")
    cut = f"材料.rar!材料/{SEEDS[2].name}"
    assert rep.loc[cut, "status"] == "failed"
    assert "不完整" in rep.loc[cut, "error"] and "缺失或已损坏（这里有 3 卷：材料.part01.rar 至 材料.part03.rar）" in rep.loc[cut, "error"]
    assert (rep.drop(cut)["status"] == "ok").all() and len(rep) == 3


def test_a_damaged_middle_volume_costs_the_member_it_holds_not_those_after_it(tmp_path):
    """A 网盘 download whose second volume is an error page: the report running through it is a failed row, and the
    one after it is read (before, the listing stopped at the damaged volume and that report was missing without a
    word, while the cut one was said to need a fifth volume)."""
    paths = _rar_set(tmp_path)
    paths[1].write_bytes("<html><body>文件下载失败，请稍后重试</body></html>".encode() * 50)
    rep = ingest_paths([tmp_path], checks=False)["reports"].set_index("source_file")
    assert sorted(rep.index) == sorted(f"材料.rar!材料/{s.name}" for s in SEEDS[:3])
    cut = f"材料.rar!材料/{SEEDS[1].name}"
    assert rep.loc[cut, "status"] == "failed" and "缺失或已损坏（这里有 4 卷" in rep.loc[cut, "error"]
    assert (rep.drop(cut)["status"] == "ok").all()


@pytest.mark.parametrize("kind", ["zip", "7z", "rar", "tar.gz"])
def test_a_member_whose_name_says_no_format_is_read_as_its_content(tmp_path, kind):
    """A portal's download packed as `downfile.jsp` or without a suffix: read as in a folder (before, skipped; in a
    7z or RAR still skipped after the ZIP case was fixed). An XML file, Word's `~WRL*.tmp`, a picture: left out."""
    fx = ROOT / "tests" / "fixtures"
    files = {"附件/downfile.jsp": (fx / "fixture_pdf.pdf").read_bytes(),
             "附件/P020230815123456": (fx / "fixture_docx.docx").read_bytes(),
             "附件/data.xml": '<?xml version="1.0"?><list><item>1</item></list>'.encode(),
             "附件/~WRL0001.tmp": (fx / "fixture_docx.docx").read_bytes(),
             "附件/tiny": b"hello",
             "附件/notes.dat": b"plain words, no report" * 200}
    path = _packed(tmp_path / f"材料.{kind}", kind, files)
    rep = ingest_paths([path], checks=False)["reports"].set_index("source_file")
    assert sorted(rep.index) == [f"材料.{kind}!附件/P020230815123456", f"材料.{kind}!附件/downfile.jsp"]
    assert rep.loc[f"材料.{kind}!附件/downfile.jsp", "format"] == "pdf"
    assert rep.loc[f"材料.{kind}!附件/P020230815123456", "format"] == "docx"
    assert (rep["n_indicators"] > 0).all() and "内容是PDF 文件" in rep.loc[f"材料.{kind}!附件/downfile.jsp", "error"]


def test_an_archive_downloaded_without_its_name_is_opened_by_its_content(tmp_path):
    """A portal's attachment saved as `downfile.jsp`, `download.jsp?id=12` or without a suffix that is a zip, 7z, tar
    or Outlook mail of the reports: opened as one (before, skipped as a file of another type: the reports missing
    without a word), its members named from it and found again by `evalkit inspect`. A `.jar` (a zip too) is not."""
    import zipfile

    import outlookmsg
    from evalkit.archives import located
    fx = ROOT / "tests" / "fixtures"
    (tmp_path / "downfile.jsp").write_bytes((fx / "archives" / "自评材料.zip").read_bytes())
    (tmp_path / "P020230815123456").write_bytes((fx / "archives" / "汇总.7z").read_bytes())
    write_tar(tmp_path / "download.jsp?id=12", {"表/自评表.xls": (fx / "fixture_xls.xls").read_bytes()})
    (tmp_path / "attachment").write_bytes(outlookmsg.write_msg(outlookmsg.Message(attachments=[
        outlookmsg.Attachment("自评报告.html", (fx / "fixture_html.html").read_bytes())])))
    with zipfile.ZipFile(tmp_path / "tool.jar", "w") as z:
        z.writestr("自评表.docx", (fx / "fixture_docx.docx").read_bytes())
    t = ingest_paths([tmp_path], checks=False, keep_format_copies=True)
    rep = t["reports"].set_index("source_file")
    assert {n.split("!")[0] for n in rep.index} == {"downfile.jsp", "P020230815123456", "download.jsp?id=12", "attachment"}
    assert rep.loc["downfile.jsp!大厂县/2022年/fixture_docx.docx", "status"] == "ok"
    assert rep.loc["P020230815123456!汇总/fixture_xlsx.xlsx", "format"] == "xlsx"
    assert rep.loc["download.jsp?id=12!表/自评表.xls", "status"] in ("ok", "duplicate")
    assert rep.loc["attachment!自评报告.html", "status"] in ("ok", "duplicate")
    assert t["reports"]["n_projects"].sum() > 0
    with located(tmp_path / "downfile.jsp!大厂县/2022年/fixture_docx.docx") as f:
        assert f.read_bytes() == (fx / "fixture_docx.docx").read_bytes()
    from evalkit.errors import InputError
    with pytest.raises(InputError, match=r"downfile\.jsp 是压缩包，其中的报告文件：.*downfile\.jsp!大厂县/2022年/fixture_docx\.docx"):
        with located(tmp_path / "downfile.jsp"):                                   # inspect says what it holds
            pass
    alone = ingest_paths([tmp_path / "downfile.jsp"], checks=False)["reports"]      # given by its name, too
    assert sorted(alone["source_file"]) == sorted(n for n in rep.index if n.startswith("downfile.jsp!"))


@pytest.mark.parametrize("kind", ["zip", "7z", "tar"])
def test_an_archive_saved_under_a_download_name_inside_an_archive_is_opened_too(tmp_path, kind):
    """A 网盘 folder downloaded as one archive, holding a portal's `downfile.jsp` that is a zip and a `P020…` that is a
    7z: each opened as its own archive, members named through it (`材料.zip!附件/downfile.jsp!大厂县/…`); a `.jar`
    beside them stays another file."""
    fx = ROOT / "tests" / "fixtures"
    jar = _packed(tmp_path / "x.jar", "zip", {"自评表.docx": (fx / "fixture_docx.docx").read_bytes()})
    files = {"附件/downfile.jsp": (fx / "archives" / "自评材料.zip").read_bytes(),
             "附件/P020230815123456": (fx / "archives" / "汇总.7z").read_bytes(),
             "附件/tool.jar": jar.read_bytes()}
    path = _packed(tmp_path / f"材料.{kind}", kind, files)
    rep = ingest_paths([path], checks=False, keep_format_copies=True)["reports"].set_index("source_file")
    assert {n.rsplit("!", 1)[0] for n in rep.index} == {f"材料.{kind}!附件/downfile.jsp", f"材料.{kind}!附件/P020230815123456",
                                                         f"材料.{kind}!附件/downfile.jsp!附件.zip"}
    assert rep.loc[f"材料.{kind}!附件/downfile.jsp!大厂县/2022年/fixture_docx.docx", "status"] == "ok"
    assert rep.loc[f"材料.{kind}!附件/P020230815123456!汇总/fixture_xlsx.xlsx", "format"] == "xlsx"


def _packed(path, kind: str, files: dict):
    """`files` (name -> bytes) packed at `path` as a zip, 7z, RAR or tar (compressed as its suffix says)."""
    import zipfile

    import py7zr
    import rarvolumes
    if kind == "zip":
        with zipfile.ZipFile(path, "w") as z:
            for name, data in files.items():
                z.writestr(name, data)
    elif kind == "7z":
        with py7zr.SevenZipFile(path, "w") as z:
            for name, data in files.items():
                z.writestr(data, name)
    elif kind == "rar":
        rarvolumes.write_archive(path, files)
    else:
        write_tar(path, files)
    return path


# ----------------------------------------------------------------------------- tar archives

def write_tar(path, files: dict, fmt=None, encoding="utf-8", mode=None, prefix=""):
    """A tar of `files` (name -> bytes), compressed as its suffix says; `prefix` before each name (`./`, as
    `tar -C folder .` writes them)."""
    import io
    import tarfile
    mode = mode or {"gz": "w:gz", "tgz": "w:gz", "bz2": "w:bz2", "xz": "w:xz"}.get(path.name.rsplit(".", 1)[-1], "w")
    with tarfile.open(path, mode, format=fmt or tarfile.PAX_FORMAT, encoding=encoding) as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo(prefix + "大厂县/口令.txt")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
    return path


@pytest.mark.parametrize("suffix", ["tar", "tar.gz", "tgz", "tar.bz2", "tar.xz"])
def test_a_tar_archive_is_read_like_a_zip(tmp_path, suffix):
    """What Linux servers and data exports hand over: each report a row named `材料.tar.gz!大厂县/…` (the `./` that
    `tar -C folder .` writes left out), the same figures as the files themselves; a link is never followed."""
    files = {f"大厂县/2022年/{s.name}": s.read_bytes() for s in SEEDS[:3]}
    path = write_tar(tmp_path / f"材料.{suffix}", files, prefix="./")
    t = ingest_paths([path], checks=False)
    rep = t["reports"].set_index("source_file")
    assert sorted(rep.index) == sorted(f"材料.{suffix}!{name}" for name in files)
    assert (rep["status"] == "ok").all() and list(rep["format"]) == ["txt"] * 3
    plain = ingest_paths(SEEDS[:3], checks=False)["projects"]
    got = t["projects"]
    assert sorted(got["project_name"]) == sorted(plain["project_name"])
    assert sorted(got["executed"].astype(str)) == sorted(plain["executed"].astype(str))


def test_a_tar_made_on_chinese_windows_names_its_members_in_gbk(tmp_path):
    """An old-style (GNU) tar header holds the name's bytes as the tool wrote them: GBK on a Chinese Windows."""
    import tarfile
    path = write_tar(tmp_path / "材料.tar", {f"开江县/{SEEDS[0].name[:-4]}自评表.txt": SEEDS[0].read_bytes()},
                     fmt=tarfile.GNU_FORMAT, encoding="gbk")
    rep = ingest_paths([path], checks=False)["reports"]
    assert list(rep["source_file"]) == [f"材料.tar!开江县/{SEEDS[0].name[:-4]}自评表.txt"]
    assert rep["status"].iloc[0] == "ok"


def test_a_cut_tar_download_keeps_the_members_before_the_cut(tmp_path):
    import random
    rnd = random.Random(7)
    noise = bytes(rnd.getrandbits(8) for _ in range(300_000))         # incompressible: the cut falls inside it
    files = {"a/" + SEEDS[0].name: SEEDS[0].read_bytes(), "a/附件.pdf": b"%PDF-1.4\n" + noise,
             "a/" + SEEDS[1].name: SEEDS[1].read_bytes()}
    whole = write_tar(tmp_path / "whole.tar.gz", files)
    cut = tmp_path / "in" / "材料.tar.gz"
    cut.parent.mkdir()
    cut.write_bytes(whole.read_bytes()[:150_000])
    rep = ingest_paths([cut.parent], checks=False)["reports"].set_index("source_file")
    assert rep.loc["材料.tar.gz!a/" + SEEDS[0].name, "status"] == "ok"
    assert "压缩包在这个文件处中断" in rep.loc["材料.tar.gz!a/附件.pdf", "error"]
    assert "其余文件未能取出" in rep.loc["材料.tar.gz!（其余文件）", "error"]
    assert "材料.tar.gz!a/" + SEEDS[1].name not in rep.index


def test_a_tar_over_the_limits_or_not_a_tar_is_one_failed_row(tmp_path):
    from dataclasses import replace

    from evalkit.limits import LIMITS
    (tmp_path / "in").mkdir()
    write_tar(tmp_path / "in" / "大.tar.gz", {f"x/{k}.txt": SEEDS[0].read_bytes() for k in range(5)})
    (tmp_path / "in" / "假.tgz").write_bytes(b"<html>404 Not Found</html>" * 40)
    lim = replace(LIMITS, max_unzipped_bytes=3 * len(SEEDS[0].read_bytes()))
    rep = ingest_paths([tmp_path / "in"], checks=False, limits=lim)["reports"].set_index("source_file")
    assert sorted(rep.index) == ["假.tgz", "大.tar.gz"] and list(rep["format"]) == ["tar", "tar"]
    assert "压缩炸弹" in rep.loc["大.tar.gz", "error"]
    assert "TAR 压缩包已损坏或不完整（或不是 TAR 文件）" in rep.loc["假.tgz", "error"]


def test_inspect_finds_a_tar_member(tmp_path):
    from evalkit.recognize.explain import inspect_file
    path = write_tar(tmp_path / "材料.tar.gz", {f"大厂县/{SEEDS[0].name}": SEEDS[0].read_bytes()}, prefix="./")
    shown = inspect_file(f"{path}!大厂县/{SEEDS[0].name}")
    assert "文档结构" in shown


# ----------------------------------------------------------------------------- disc images

def write_iso(path, files: dict):
    """An ISO 9660 image (Rock Ridge and Joliet names, as libarchive writes it) of `files` (name -> bytes)."""
    import libarchive
    with libarchive.file_writer(str(path), "iso9660") as a:
        for name, data in files.items():
            a.add_file_from_memory(name, len(data), data)
    return path


def test_a_disc_image_is_read_like_a_zip(tmp_path):
    """A 光盘 of materials imaged to share it (.iso): each report a row named `光盘.iso!大厂县/…`, read as the files
    themselves; an image cut short keeps the files before the cut; a file named .iso that is none is one row."""
    files = {f"大厂县/2022年/{s.stem}自评表.txt": s.read_bytes() for s in SEEDS[:3]}
    iso = write_iso(tmp_path / "光盘.iso", files)
    rep = ingest_paths([iso], checks=False)["reports"].set_index("source_file")
    assert sorted(rep.index) == sorted(f"光盘.iso!{n}" for n in files)
    assert (rep["status"] == "ok").all() and list(rep["format"]) == ["txt"] * 3
    data = iso.read_bytes()
    ends = sorted(data.find(s.read_bytes()[:64]) + len(s.read_bytes()) for s in SEEDS[:3])
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "截断.iso").write_bytes(data[:ends[0] + 100])        # the first file whole, the rest cut
    (tmp_path / "in" / "假.iso").write_bytes(b"<html>404</html>" * 4000)
    rep = ingest_paths([tmp_path / "in"], checks=False)["reports"].set_index("source_file")
    whole = [k for k in rep.index if k.startswith("截断.iso!") and "（其余文件）" not in k]
    assert len(whole) == 1 and rep.loc[whole[0], "status"] == "ok"
    assert "其余文件未能取出：光盘镜像已损坏或不完整" in rep.loc["截断.iso!（其余文件）", "error"]
    assert "不是 ISO 9660 光盘镜像" in rep.loc["假.iso", "error"] and rep.loc["假.iso", "format"] == "iso"
