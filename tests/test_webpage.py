"""A web page saved complete (page.html beside page_files/ or page.files/): its folder's pictures are the page's, never
reports of their own; the page's identity includes them; a page's picture address never leads out of its folder.
(Reading the pictures by OCR: test_ocr.py.)"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile

import pytest
from PIL import Image

from conftest import ROOT
from evalkit.discover import hash_file
from evalkit.ingest import ingest_paths
from evalkit.readers import read
from evalkit.readers.webpage import folder_parts, page_of, shown_pictures

PAGE = ROOT / "tests" / "fixtures" / "fixture_html.html"     # a GBK page with a self-evaluation table
SCAN = ROOT / "tests" / "fixtures" / "scans" / "scan_seal.jpg"


def _picture(path, size=(1200, 1600), color=(240, 240, 240)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


def _page(folder, name, body, charset="utf-8"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"<html><head><meta charset='{charset}'></head><body>{body}</body></html>", encoding=charset)
    return path


def test_a_saved_pages_pictures_are_not_reports_of_their_own(tmp_path):
    """The fixture page saved complete, its folder holding a logo, a page-sized photo and a stylesheet: one row,
    the page's, with the rows the page alone gives; the pictures are counted as skipped and the folder named."""
    alone = ingest_paths([PAGE], None, checks=False, cache_dir=False)
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(PAGE, docs / "公开.html")
    _picture(docs / "公开_files" / "logo.png", (120, 40))
    shutil.copy(SCAN, docs / "公开_files" / "photo.jpg")
    (docs / "公开_files" / "style.css").write_text("body{}")
    stats: dict = {}
    t = ingest_paths([docs], tmp_path / "clean", checks=False, cache_dir=False, stats=stats)
    assert list(t["reports"]["source_file"]) == ["公开.html"]
    assert t["reports"]["status"].tolist() == alone["reports"]["status"].tolist() == ["ok"]
    assert t["projects"]["project_name"].tolist() == alone["projects"]["project_name"].tolist()
    assert len(t["indicators"]) == len(alone["indicators"]) > 0
    manifest = json.loads((tmp_path / "clean" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["web_page_folders"] == ["公开_files/（网页 公开.html 的图片和框架页）"]
    assert manifest["skipped_other_types"] == 3 and stats["page_folders"] == manifest["web_page_folders"]


def test_a_folder_of_pictures_without_its_page_is_read_as_scans(tmp_path):
    """`x_files/` whose page is not beside it (copied alone), and `y_files` beside a page of another name: their
    pictures are inputs as any picture is."""
    for folder in ("公开_files", "其他_files"):
        (tmp_path / folder).mkdir()
        shutil.copy(SCAN, tmp_path / folder / "p.jpg")
    shutil.copy(PAGE, tmp_path / "另一页.html")
    assert page_of(tmp_path / "公开_files") is None and page_of(tmp_path / "其他_files") is None
    from evalkit.discover import discover
    found = discover([tmp_path])
    assert sorted(s.source_file for s in found.sources) == sorted(["公开_files/p.jpg", "其他_files/p.jpg", "另一页.html"])
    assert found.page_folders == []


def test_a_pages_identity_includes_its_folders_pictures(tmp_path):
    """A page without a folder: the SHA-256 of its bytes. With a folder: a picture changed or added changes it, a
    stylesheet does not; the ledger's report_id follows (the cache and an unchanged re-run use it)."""
    page = shutil.copy(PAGE, tmp_path / "公开.html")
    plain = hashlib.sha256(PAGE.read_bytes()).hexdigest()
    assert hash_file(page) == plain
    _picture(tmp_path / "公开_files" / "a.png", (50, 50))
    with_folder = hash_file(page)
    assert with_folder != plain
    (tmp_path / "公开_files" / "style.css").write_text("body{}")
    assert hash_file(page) == with_folder
    _picture(tmp_path / "公开_files" / "a.png", (50, 50), (0, 0, 0))
    changed = hash_file(page)
    assert changed not in (plain, with_folder)
    _picture(tmp_path / "公开.files" / "b.png", (50, 50))
    assert hash_file(page) not in (plain, with_folder, changed)
    t = ingest_paths([tmp_path], None, checks=False, cache_dir=False)
    assert t["reports"]["report_id"].tolist() == [hash_file(page)[:16]]


def test_a_pages_picture_address_never_leaves_its_folder(tmp_path):
    """../, absolute paths, file: and web addresses, and a link inside the folder pointing out of it are not
    followed: only the pictures inside the page's folders (and data: pictures) are shown pictures."""
    outside = _picture(tmp_path / "secret.png")
    inside = _picture(tmp_path / "docs" / "公开_files" / "p1.png")
    os.symlink(outside, tmp_path / "docs" / "公开_files" / "link.png")
    srcs = ["../secret.png", str(outside), f"file://{outside}", "http://example.com/p.png", "公开_files/../../secret.png",
            "公开_files/link.png", "公开_files/p1.png", "公开_files/p1.png", "./公开_files/%70%31.png"]
    page = _page(tmp_path / "docs", "公开.html", "".join(f"<img src='{s}'>" for s in srcs))
    pictures, missing = shown_pictures(page, srcs, 10 * 2**20, 30)
    assert [name for name, _ in pictures] == ["公开_files/p1.png"] and pictures[0][1] == inside.read_bytes()
    assert missing == 0
    assert [name for name, _ in folder_parts(page)] == ["公开_files/p1.png"]       # the link is no picture of it


def test_a_page_whose_pictures_were_not_saved_says_so(tmp_path):
    """A page of nothing but pictures copied without its folder (or saved “网页，仅HTML”): its row says the
    pictures are missing and how to bring them."""
    page = _page(tmp_path, "公开.html", "<h3>2022年度项目支出绩效自评表</h3><img src='公开_files/a1.jpg'>"
                                        "<img src='公开_files/a2.jpg'><img src='http://example.com/logo.png'>")
    doc = read(page)
    assert any("其中 2 张不在网页旁的“公开_files”文件夹中" in w for w in doc.warnings), doc.warnings
    t = ingest_paths([page], None, checks=False, cache_dir=False)
    assert "其中 2 张不在网页旁的“公开_files”文件夹中" in t["reports"]["error"].iloc[0]


def test_a_page_with_pictures_in_a_zip_is_one_report(tmp_path):
    """Word's “网页” export (报告.htm + 报告.files/image001.png) inside a ZIP beside the fixture page saved
    complete: two rows, the pages'; the pictures are taken out beside their page, not listed."""
    z = tmp_path / "网页.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("县/报告.htm", PAGE.read_bytes())
        zf.write(_picture(tmp_path / "image001.png", (300, 80)), "县/报告.files/image001.png")
        zf.writestr("县/公开.html", PAGE.read_bytes() + b"\n")
        zf.write(SCAN, "县/公开_files/a1.jpg")
        zf.write(SCAN, "县/别的_files/a1.jpg")              # beside no page of that name: an input
    from evalkit.discover import discover
    found = discover([z], stage=tmp_path / "stage")
    names = sorted(s.source_file for s in found.sources)
    assert names == ["网页.zip!县/公开.html", "网页.zip!县/别的_files/a1.jpg", "网页.zip!县/报告.htm"]
    assert found.skipped == 2
    page = next(s.path for s in found.sources if s.source_file.endswith("公开.html"))
    assert [n for n, _ in folder_parts(page)] == ["公开_files/a1.jpg"]
    assert (page.parent / "公开_files" / "a1.jpg").read_bytes() == SCAN.read_bytes()


def test_a_dask_worker_gets_the_page_with_its_pictures(tmp_path):
    """What a remote worker is sent for a page saved complete, staged there, shows the same pictures the page
    shows here (the worker has no access to this machine's files)."""
    from evalkit.distributed import _items, _stage
    from evalkit.discover import discover
    from evalkit.ingest import hash_sources
    _picture(tmp_path / "docs" / "公开_files" / "p1.png")
    _picture(tmp_path / "docs" / "公开_files" / "p2.png", color=(0, 0, 0))
    srcs = ["公开_files/p2.png", "公开_files/p1.png"]
    page = _page(tmp_path / "docs", "公开.html", "".join(f"<img src='{s}'>" for s in srcs))
    found = discover([tmp_path / "docs"])
    _, todo, _ = hash_sources(found.sources)
    items, sent = _items(todo, __import__("evalkit.limits", fromlist=["LIMITS"]).LIMITS, [])
    assert [s.source_file for s in sent] == ["公开.html"]
    name, data, sha, fmt, _ = items[0]
    staged = _stage(tmp_path / "worker", name, data)
    here, there = shown_pictures(page, srcs, 2**24, 30), shown_pictures(staged, srcs, 2**24, 30)
    assert [n for n, _ in here[0]] == [n for n, _ in there[0]] == srcs
    assert [d for _, d in here[0]] == [d for _, d in there[0]]
    assert hash_file(staged) == sha


@pytest.mark.parametrize("suffix", ["_files", ".files"])
def test_page_of_knows_both_folder_names(tmp_path, suffix):
    page = shutil.copy(PAGE, tmp_path / "报告.htm")
    (tmp_path / f"报告{suffix}").mkdir()
    assert page_of(tmp_path / f"报告{suffix}") == page
