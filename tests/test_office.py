"""Legacy and Chinese office formats (.doc .wps .rtf .odt .et .ods) through LibreOffice (readers/office.py).

Tests that convert need LibreOffice; `make test` installs it (`make setup` runs
scripts/ensure_libreoffice.sh), so they skip only where it truly cannot be found.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

import evalkit.limits
from conftest import ROOT, rezip
from evalkit.errors import LimitExceeded, ReadError
from evalkit.ingest import ingest_paths
from evalkit.readers import office, read
from test_layouts import INDICATOR_FIELDS, PROJECT_FIELDS, same

OFFICE = ROOT / "tests" / "fixtures" / "office"
FORMATS = ["doc", "wps", "rtf", "odt", "uot", "et", "ods", "xlsb", "pptx", "ppt", "dps", "odp"]
SOFFICE = office.find_soffice()
needs_lo = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) 不可用：make setup / "
                                                      "scripts/ensure_libreoffice.sh 未能安装")


def fixture(fmt):
    return OFFICE / f"fixture_{fmt}.{fmt}"


def otruth(name):
    return pd.read_csv(OFFICE / "truth" / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """tempfile's folder for this test only, so leftovers of *this* test can be counted."""
    d = tmp_path / "tmp"
    d.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    return d


@pytest.fixture(scope="module")
def office_tables(tmp_path_factory):
    return ingest_paths([OFFICE], tmp_path_factory.mktemp("office") / "clean", keep_format_copies=True,
                        checks=False)


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_recovers_its_truth(office_tables, fmt):
    if fmt not in ("et", "pptx") and SOFFICE is None:
        pytest.skip("LibreOffice (soffice) 不可用")
    if fmt in office.IMPRESS and not office.has_impress(SOFFICE):
        pytest.skip("LibreOffice 的演示文稿组件（Impress）不可用")
    name = fixture(fmt).name
    rep = office_tables["reports"].set_index("source_file").loc[name]
    assert rep["status"] == "ok" and rep["format"] == fmt, rep["error"]
    got_p = office_tables["projects"][office_tables["projects"]["source_file"] == name]
    want_p = otruth("projects")[otruth("projects")["seed"] == name]
    assert len(got_p) == len(want_p) == 2
    for _, t in want_p.iterrows():
        g = got_p[got_p["project_name"] == t["project_name"]].iloc[0]
        assert not {f: (t[f], g[f]) for f in PROJECT_FIELDS if not same(t[f], g[f])}, t["project_name"]
    got_i = office_tables["indicators"][office_tables["indicators"]["source_file"] == name]
    want_i = otruth("indicators")[otruth("indicators")["seed"] == name]
    assert list(got_i["level3"]) == list(want_i["level3"]) and len(want_i) == 15
    for (_, t), (_, g) in zip(want_i.iterrows(), got_i.iterrows()):
        assert not {f: (t[f], g[f]) for f in INDICATOR_FIELDS if not same(t[f], g[f])}, t["level3"]


def test_et_in_biff8_is_read_by_xlrd_without_libreoffice(no_soffice):
    doc = read(fixture("et"))
    assert doc.format == "et" and doc.source == str(fixture("et")) and len(list(doc.tables())) >= 2


def test_misnamed_files_go_to_the_reader_of_their_content(tmp_path, no_soffice):
    (tmp_path / "really_docx.doc").write_bytes((ROOT / "tests/fixtures/fixture_docx.docx").read_bytes())
    (tmp_path / "really_xls.wps").write_bytes((ROOT / "tests/fixtures/fixture_xls.xls").read_bytes())
    (tmp_path / "really_html.doc").write_bytes((ROOT / "tests/fixtures/fixture_html.html").read_bytes())
    for name in ("really_docx.doc", "really_xls.wps", "really_html.doc"):
        doc = read(tmp_path / name)
        assert doc.format == Path(name).suffix[1:] and any("项目支出绩效自评表" in p.text for p in doc.paragraphs()), name


@needs_lo
def test_an_xlsb_and_an_xlsx_under_each_others_names_are_read_as_what_they_are(tmp_path):
    """An Excel binary workbook saved under .xlsx (openpyxl cannot open it) goes through LibreOffice as .xlsb; an
    .xlsx named .xlsb is read directly: both give the tables of the file under its own name."""
    (tmp_path / "二进制.xlsx").write_bytes(fixture("xlsb").read_bytes())
    (tmp_path / "包.xlsb").write_bytes((ROOT / "tests/fixtures/fixture_xlsx.xlsx").read_bytes())
    want = [t.rows for t in read(fixture("xlsb")).tables()]
    assert want == [t.rows for t in read(ROOT / "tests/fixtures/fixture_xlsx.xlsx").tables()] and len(want) >= 2
    misnamed = read(tmp_path / "二进制.xlsx")
    assert [t.rows for t in misnamed.tables()] == want and misnamed.read_as == "xlsb"
    assert misnamed.warnings[0].startswith("文件扩展名是“.xlsx”，但内容是Excel 二进制工作簿（.xlsb）")
    plain = read(tmp_path / "包.xlsb")
    assert [t.rows for t in plain.tables()] == want and plain.format == "xlsb"


@needs_lo
def test_parallel_conversions_do_not_collide_and_leave_nothing(tmp_path, private_tmp, monkeypatch):
    """Two conversions at once (threads: each its own soffice), one of a file named like an option."""
    shutil.copyfile(fixture("doc"), tmp_path / "-x.doc")
    monkeypatch.chdir(tmp_path)
    calls, real_popen = [], subprocess.Popen

    def recording_popen(argv, **kw):
        assert isinstance(argv, list) and not kw.get("shell") and kw.get("start_new_session")
        calls.append(list(argv))
        return real_popen(argv, **kw)
    monkeypatch.setattr(office.subprocess, "Popen", recording_popen)
    results, spans = {}, {}

    def run(path):
        t0 = time.monotonic()
        try:
            results[path] = read(Path(path))
        except Exception as e:  # noqa: BLE001
            results[path] = e
        spans[path] = (t0, time.monotonic())
    threads = [threading.Thread(target=run, args=(p,)) for p in ("-x.doc", str(fixture("odt")))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    original = list(read(ROOT / "tests" / "fixtures" / "fixture_docx.docx").tables())
    for path, doc in results.items():
        assert not isinstance(doc, Exception), (path, doc)
        tables = list(doc.tables())
        # the two project tables cell for cell (the .doc fixture has its 1-row signature tables as text)
        assert [t.rows for t in tables[:2]] == [t.rows for t in original[:2]], path
        assert "项目支出绩效自评表" in doc.text(), path
    assert results["-x.doc"].format == "doc" and results[str(fixture("odt"))].format == "odt"
    (a0, a1), (b0, b1) = spans.values()
    assert max(a0, b0) < min(a1, b1)                     # they really overlapped
    profiles = {a for argv in calls for a in argv if a.startswith("-env:UserInstallation=")}
    assert len(calls) == 2 and len(profiles) == 2        # a profile per call
    for argv in calls:
        assert Path(argv[-1]).is_absolute() and Path(argv[-1]).name.startswith("input.")
        assert not any(a.startswith("-x") for a in argv)
    assert list(private_tmp.iterdir()) == []             # temp folders removed
    assert not list(tmp_path.glob(".~lock*"))            # nothing written next to the original


@needs_lo
def test_corrupt_doc_fails_with_a_chinese_message(tmp_path, private_tmp):
    bad = tmp_path / "truncated.doc"
    bad.write_bytes(fixture("doc").read_bytes()[:20000])
    with pytest.raises(ReadError) as e:
        read(bad)
    assert "LibreOffice 无法转换该 .doc 文件" in str(e.value) and "文件损坏" in str(e.value)
    assert str(bad) not in str(e.value)
    assert list(private_tmp.iterdir()) == []


def test_random_bytes_doc_is_refused_before_libreoffice(tmp_path, no_soffice):
    bad = tmp_path / "noise.doc"
    bad.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(ReadError, match="不是有效的 .doc 文件"):
        read(bad)


@pytest.mark.parametrize("fmt, part", [("odt", "content.xml"), ("ods", "content.xml"), ("odp", "content.xml"),
                                       ("xlsb", "[Content_Types].xml")])
def test_an_odf_part_zlib_cannot_inflate_is_a_damaged_file_not_an_internal_error(tmp_path, no_soffice, fmt, part):
    """The DTD scan inflates every XML part before LibreOffice sees the package: a broken deflate stream
    there once surfaced as 读取时发生内部错误, asking the user to report a bug in evalkit."""
    sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
    from make_archive_fixtures import break_deflate
    bad = tmp_path / f"damaged.{fmt}"
    bad.write_bytes(break_deflate(fixture(fmt), part))
    with pytest.raises(ReadError) as e:
        read(bad)
    assert str(e.value).startswith(f"{fmt.upper()} 文件已损坏（压缩包内容无法解压：error: Error -3 while decompressing data: "
                                   "invalid block type），请重新下载或用 LibreOffice 或 WPS 打开后另存再导入")


def test_corrupt_doc_is_a_failed_row_in_ingest(tmp_path):
    bad = tmp_path / "noise.doc"
    bad.write_bytes(b"\x00\x01garbage" * 100)
    t = ingest_paths([bad, fixture("et")], checks=False)
    rep = t["reports"].set_index("source_file")
    assert rep.loc["noise.doc", "status"] == "failed" and "不是有效的 .doc 文件" in rep.loc["noise.doc", "error"]
    assert rep.loc["fixture_et.et", "status"] == "ok"


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"   # a zombie is dead
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir() or os.name != "posix", reason="needs /proc and process groups")
def test_timeout_kills_the_whole_process_group(tmp_path, private_tmp, monkeypatch):
    """A fake soffice that hangs and has a child (as soffice -> oosplash -> soffice.bin does)."""
    pids = tmp_path / "pids"
    fake = tmp_path / "bin" / "soffice"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > '{pids}'\necho $$ >> '{pids}'\nwait\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("EVALKIT_SOFFICE", raising=False)
    monkeypatch.setattr(evalkit.limits, "LIMITS", replace(evalkit.limits.LIMITS, max_seconds=2.0))
    t0 = time.monotonic()
    with pytest.raises(LimitExceeded) as e:
        read(fixture("doc"))
    assert time.monotonic() - t0 < 10
    msg = str(e.value)
    assert "超过 1.6 秒仍未完成" in msg and "已终止其全部进程" in msg and "EVALKIT_LIMIT_MAX_SECONDS" in msg
    started = [int(x) for x in pids.read_text().split()]
    assert len(started) == 2
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in started) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in started), "soffice or its child outlived the timeout"
    assert list(private_tmp.iterdir()) == []


@needs_lo
def test_real_soffice_over_the_time_limit_leaves_no_process(private_tmp, monkeypatch):
    monkeypatch.setattr(evalkit.limits, "LIMITS", replace(evalkit.limits.LIMITS, max_seconds=0.5))
    with pytest.raises(LimitExceeded, match="已终止其全部进程"):
        read(fixture("odt"))
    time.sleep(0.3)
    leftovers = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit() and _alive(p.name):
            try:
                if str(private_tmp).encode() in (p / "cmdline").read_bytes():
                    leftovers.append(p.name)
            except OSError:
                pass
    assert leftovers == [] and list(private_tmp.iterdir()) == []


@needs_lo
@pytest.mark.skipif(not hasattr(os, "getuid"), reason="a Unix socket in /tmp")
def test_a_killed_soffice_leaves_its_socket_and_remove_pipe_finds_it_by_the_profile(tmp_path):
    """The name evalkit computes is the one real soffice makes, and SIGKILL leaves it behind. (A soffice that dies
    while starting on its fresh profile, as it now and then does, is started once more on a new one.)"""
    for attempt in (1, 2):
        profile = tmp_path / f"profile{attempt}"
        proc = subprocess.Popen([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                                 "--nologo", "--nodefault"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=dict(os.environ, HOME=str(tmp_path), TMPDIR=str(tmp_path)), start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while not any(p.exists() for p in office.pipe_of(profile)) and time.monotonic() < deadline \
                    and proc.poll() is None:
                time.sleep(0.1)
            made = [p for p in office.pipe_of(profile) if p.exists()]
        finally:
            office._kill_group(proc)
            proc.wait()
        if made or attempt == 2:
            break
        office.remove_pipe(profile)
    assert made, "soffice made no socket under the name pipe_of computes"
    assert made[0].exists()                         # SIGKILL: soffice could not remove it
    office.remove_pipe(profile)
    assert not made[0].exists()


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="a Unix socket in /tmp")
def test_a_conversion_over_its_time_limit_leaves_no_socket_in_tmp(tmp_path, private_tmp, monkeypatch):
    """A fake soffice that makes its profile's socket (as the real one does while starting) and hangs."""
    fake = tmp_path / "bin" / "soffice"
    fake.parent.mkdir()
    fake.write_text(f"""#!{sys.executable}
import socket, sys, time, urllib.parse
from pathlib import Path
sys.path[:0] = {[str(ROOT / "src")]!r}
from evalkit.readers.office import pipe_of
url = next(a for a in sys.argv if a.startswith("-env:UserInstallation=")).split("=", 1)[1]
sock = socket.socket(socket.AF_UNIX)
sock.bind(str(pipe_of(Path(urllib.parse.unquote(urllib.parse.urlparse(url).path)))[0]))
Path({str(tmp_path / "made")!r}).write_text("yes")
time.sleep(300)
""")
    fake.chmod(0o755)
    monkeypatch.setenv("EVALKIT_SOFFICE", str(fake))
    monkeypatch.setattr(evalkit.limits, "LIMITS", replace(evalkit.limits.LIMITS, max_seconds=4.0))
    from evalkit import scratch
    made = []
    real_convert = office.convert

    def recording_convert(path, fmt, workdir, **kw):
        made.append(Path(workdir))
        return real_convert(path, fmt, workdir, **kw)
    monkeypatch.setattr(office, "convert", recording_convert)
    with pytest.raises(LimitExceeded):
        read(fixture("doc"))
    assert (tmp_path / "made").read_text() == "yes"          # the socket was there while it ran
    assert made and not any(p.exists() or p.is_socket() for p in office.pipe_of(made[0] / "profile"))
    # named as scratch names its folders: one a killed `evalkit inspect` or Dask worker left goes with a later sweep
    assert made[0].name.startswith(scratch.prefix("office"))
    assert list(private_tmp.iterdir()) == []


def test_timeout_leaves_a_margin_inside_the_worker_limit():
    assert office.convert_timeout(120) == 110 and office.convert_timeout(2) == pytest.approx(1.6)
    assert 0 < office.convert_timeout(0.05) < 0.2


@pytest.mark.parametrize("fmt", ["doc", "wps", "rtf", "odt", "ods", "xlsb", "ppt", "dps", "odp"])
def test_without_libreoffice_the_message_says_how_to_install(no_soffice, private_tmp, fmt):
    with pytest.raises(ReadError) as e:
        read(fixture(fmt))
    msg = str(e.value)
    assert f"读取 .{fmt} 文件需要 LibreOffice" in msg and "没有找到 soffice" in msg
    assert "apt-get install" in msg and "libreoffice-writer-nogui" in msg and "fonts-noto-cjk" in msg
    assert "libreoffice-impress-nogui" in msg          # decks need Impress, which the Writer and Calc packages lack
    assert list(private_tmp.iterdir()) == []


def test_evalkit_soffice_pointing_nowhere_counts_as_missing(tmp_path, monkeypatch, no_soffice):
    monkeypatch.setenv("EVALKIT_SOFFICE", str(tmp_path / "nope" / "soffice"))
    with pytest.raises(ReadError, match="需要 LibreOffice"):
        read(fixture("doc"))


def test_empty_file_is_refused(tmp_path):
    (tmp_path / "empty.wps").write_bytes(b"")
    with pytest.raises(ReadError, match="空文件"):
        read(tmp_path / "empty.wps")


def test_ensure_script_is_quiet_and_succeeds_when_soffice_exists(tmp_path):
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    r = subprocess.run([str(ROOT / "scripts" / "ensure_libreoffice.sh")], capture_output=True, text=True,
                       env={**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}"}, timeout=60)
    assert r.returncode == 0 and r.stderr == ""


def test_ensure_script_never_fails_setup(tmp_path):
    """No soffice and no apt-get (or not root): it says what to install and exits 0."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for tool in ("sh", "id", "date", "cat"):
        found = shutil.which(tool)
        if found:
            (bin_ / tool).symlink_to(found)
    r = subprocess.run(["/bin/bash", str(ROOT / "scripts" / "ensure_libreoffice.sh")], capture_output=True,
                       text=True, env={"PATH": str(bin_), "HOME": str(tmp_path)}, timeout=60)
    assert r.returncode == 0 and "libreoffice-writer-nogui" in r.stderr and "没有找到 LibreOffice" in r.stderr


def _crashing_soffice(tmp_path, crashes: int, how: str = "kill -ABRT $$") -> tuple[Path, Path]:
    """A soffice launcher that crashes (`how`) on its first `crashes` runs, then runs the real soffice;
    each run appends a line to the returned log."""
    log = tmp_path / "runs.log"
    fake = tmp_path / "bin" / "soffice"
    fake.parent.mkdir(exist_ok=True)
    real = SOFFICE or "/nonexistent/soffice"
    fake.write_text(f"#!/bin/sh\necho run >> '{log}'\n"
                    f"if [ $(wc -l < '{log}') -le {crashes} ]; then {how}; fi\n"
                    f"exec '{real}' \"$@\"\n")
    fake.chmod(0o755)
    return fake, log


@needs_lo
@pytest.mark.parametrize("how", ["kill -ABRT $$", "exit 134"])
def test_a_conversion_that_crashes_once_is_tried_again_and_reads_the_same(tmp_path, private_tmp, monkeypatch, how):
    """A crash as soffice itself (killed by SIGABRT) or as its launcher script reports it (134)."""
    fake, log = _crashing_soffice(tmp_path, 1, how)
    monkeypatch.setenv("EVALKIT_SOFFICE", str(fake))
    doc = read(fixture("rtf"))
    assert log.read_text().count("run") == 2
    monkeypatch.delenv("EVALKIT_SOFFICE")
    want = read(fixture("rtf"))
    assert [t.rows for t in doc.tables()] == [t.rows for t in want.tables()] and list(doc.tables())
    assert list(private_tmp.iterdir()) == []


def test_a_file_that_crashes_libreoffice_twice_fails_saying_so(tmp_path, private_tmp, monkeypatch):
    fake, log = _crashing_soffice(tmp_path, 99)
    monkeypatch.setenv("EVALKIT_SOFFICE", str(fake))
    with pytest.raises(ReadError) as e:
        read(fixture("rtf"))
    assert log.read_text().count("run") == 2
    assert "LibreOffice 无法转换该 .rtf 文件" in str(e.value) and "重试一次仍失败" in str(e.value)
    assert list(private_tmp.iterdir()) == []


def test_a_plain_failure_is_not_tried_again(tmp_path, private_tmp, monkeypatch):
    fake, log = _crashing_soffice(tmp_path, 99, how="echo 'Error: source file could not be loaded' >&2; exit 1")
    monkeypatch.setenv("EVALKIT_SOFFICE", str(fake))
    with pytest.raises(ReadError) as e:
        read(fixture("rtf"))
    assert log.read_text().count("run") == 1
    assert "source file could not be loaded" in str(e.value) and "重试" not in str(e.value)


# ----------------------------------------------------------------------------- repair of DOCX/XLSX/XLS

def _border_past_the_list(name, data):
    """The first style's border index past the borders listed: openpyxl fails with IndexError."""
    if name != "xl/styles.xml":
        return data
    broken = data.replace(b'borderId="0"', b'borderId="7"', 1)
    assert broken != data
    return broken


BROKEN = {   # a part python-docx requires and the package's relations name, left out; a style index past the list
    "docx": (lambda name, data: None if name == "word/styles.xml" else data,
             "KeyError: \"There is no item named 'word/styles.xml' in the archive\""),
    "xlsx": (_border_past_the_list, "IndexError: list index out of range"),
}


@needs_lo
@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_a_package_its_library_gives_up_on_is_repaired_by_libreoffice_and_reads_its_truth(tmp_path, private_tmp, fmt):
    """What the message used to ask of the user (open it in Word or Excel and save again) LibreOffice does: the
    figures are the intact file's, every one, and the report is partial, saying what was repaired."""
    from conftest import run_script
    edit, why = BROKEN[fmt]
    name = f"fixture_{fmt}.{fmt}"
    (tmp_path / "in").mkdir()
    bad = rezip(ROOT / "tests" / "fixtures" / name, tmp_path / "in" / name, edit)
    t = ingest_paths([bad], tmp_path / "clean", checks=False)
    rep = t["reports"].set_index("source_file").loc[name]
    assert rep["status"] == "partial"
    assert rep["error"] == (f"{name}: {fmt.upper()} 文件内部结构有误，无法直接解析（{why}），已由 LibreOffice 修复后读取；"
                            "请对照原件核对数值")
    r = run_script(ROOT.parent / "shared" / "tools" / "truthcheck.py", "--clean", tmp_path / "clean",
                   "--truth", ROOT / "tests" / "fixtures" / "truth", "--inputs", bad, "--min", "1.0", timeout=120)
    assert r.returncode == 0 and "truthcheck: 130/130 fields match (100.0%)" in r.stdout, r.stdout + r.stderr
    assert list(private_tmp.iterdir()) == []             # LibreOffice's temp folder removed


@needs_lo
def test_a_repaired_workbooks_attachments_are_named_from_the_file_and_read_apart(tmp_path, private_tmp):
    """A 报送清单 xlsx openpyxl gives up on (read from LibreOffice's copy) with a report packed on its sheet: its notes
    name the attachment as the intact workbook's would, and ingest reads it as an input of its own."""
    from test_attached import PDF, package
    edit, _ = BROKEN["xlsx"]
    (tmp_path / "in").mkdir()
    bad = rezip(ROOT / "tests" / "fixtures" / "fixture_xlsx.xlsx", tmp_path / "in" / "报送清单.xlsx", edit,
                extra=[("xl/embeddings/oleObject1.bin", package("城关镇自评报告.pdf", PDF.read_bytes()))])
    assert read(bad).notes[-1].startswith("工作簿中附有 1 个报告文件（“城关镇自评报告.pdf”），其内容不在工作表上；")
    t = ingest_paths([tmp_path / "in"], checks=False)
    status = t["reports"].set_index("source_file")["status"]
    assert status["报送清单.xlsx"] == "partial" and status["报送清单.xlsx!城关镇自评报告.pdf"] == "ok"


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_without_libreoffice_a_package_its_library_gives_up_on_fails_as_before(tmp_path, no_soffice, fmt):
    edit, why = BROKEN[fmt]
    bad = rezip(ROOT / "tests" / "fixtures" / f"fixture_{fmt}.{fmt}", tmp_path / f"bad.{fmt}", edit)
    app = {"docx": "Word", "xlsx": "Excel"}[fmt]
    with pytest.raises(ReadError) as e:
        read(bad)
    assert str(e.value) == f"{fmt.upper()} 文件已损坏，无法解析（{why}），请用 {app} 打开后另存为 .{fmt} 再导入"


@needs_lo
def test_a_workbook_libreoffice_cannot_repair_either_fails_saying_both_tried(tmp_path, private_tmp):
    bad = tmp_path / "bad.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))        # an OLE2 signature, then nothing
    with pytest.raises(ReadError) as e:
        read(bad)
    assert str(e.value).startswith("XLS 文件已损坏，无法解析，LibreOffice 也未能修复（CompDocError: ")
    assert str(e.value).endswith("），请用 Excel 打开后另存为 .xlsx 再导入")
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize("name, source, fmt", [("自评表.xlt", ROOT / "tests/fixtures/fixture_xls.xls", "xlsx"),
                                               ("自评表.ett", OFFICE / "fixture_et.et", "et"),
                                               ("自评表.dot", OFFICE / "fixture_doc.doc", "doc"),
                                               ("自评表.wpt", OFFICE / "fixture_wps.wps", "wps")])
def test_97_2003_and_wps_templates_read_as_their_documents(tmp_path, name, source, fmt):
    """A 自评表 filled in and saved as the template it came as (Excel's .xlt, Word's .dot, WPS's .wpt and .ett: the same
    files as their documents): before, skipped as other files."""
    if fmt in ("doc", "wps") and SOFFICE is None:
        pytest.skip("LibreOffice (soffice) 不可用")
    shutil.copyfile(source, tmp_path / name)
    t = ingest_paths([tmp_path], checks=False)
    rep = t["reports"].iloc[0]
    assert rep["source_file"] == name and rep["status"] == "ok" and rep["format"] == fmt, rep["error"]
    assert len(t["projects"]) == 2 and len(t["indicators"]) == 15


@needs_lo
def test_a_uof_text_under_a_doc_name_or_downloaded_without_one_reads_as_the_uot(tmp_path):
    """UOF 文字 (GB/T 20916, what 永中 and 红旗 Office save; one XML file) read through LibreOffice's UOF filter, told by
    its content: under a .doc name (a portal's export) and as `downfile.jsp` the same blocks as fixture_uot.uot."""
    src = fixture("uot")
    want = [b.rows if hasattr(b, "rows") else b.text for b in read(src).blocks]
    for name in ("自评报告.doc", "downfile.jsp"):
        path = tmp_path / name
        shutil.copyfile(src, path)
        doc = read(path)
        assert [b.rows if hasattr(b, "rows") else b.text for b in doc.blocks] == want and len(want) > 5
