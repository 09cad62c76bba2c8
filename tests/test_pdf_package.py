"""Files attached to a PDF (a PDF 包: a cover page with the reports attached; a report with a file clipped to its
page), to an OFD 电子公文 (its 附件 kept as files) or to a 报送清单 workbook's sheet (icons): each is a report of its
own (its year, its result), read as an input named `x.pdf!a.docx` beside the file, whose pages are read as any
PDF's."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from conftest import rezip
from evalkit.archives import located
from evalkit.discover import hash_file
from evalkit.errors import InputError
from evalkit.ingest import build, ingest_paths
from evalkit.readers import read
from test_attached import DOCX, FIXTURES, INTRO, PDF, _pdf_with_files, package
from test_embedded import INDICATOR, PROJECT, _built, _rows, word_with_object
from test_ofd import NS, page, text
from test_ofd import package as ofd_package

XLSX = FIXTURES / "fixture_xlsx.xlsx"
PACKAGE = "绩效自评材料.pdf"


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _portfolio(folder: Path) -> Path:
    """A PDF 包: a cover page, fixture_docx in its EmbeddedFiles, a video, and a zip holding fixture_pdf clipped to
    the page."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / PACKAGE
    path.write_bytes(_pdf_with_files([("大厂县自评报告.docx", DOCX.read_bytes()), ("现场.mp4", bytes(64))],
                                     annotated=[("各乡镇.zip", _zip({"城关镇/自评表.pdf": PDF.read_bytes()}))]))
    return path


def _of(tables, source_file: str, table: str = "projects") -> list[dict]:
    df = tables[table]
    return df[df["source_file"] == source_file].to_dict("records")


def _same_rows(tables, source_file: str, alone: Path, fmt: str) -> None:
    """The rows read from `source_file` are those of the file `alone`, read by itself."""
    want = build(read(alone), alone.name, hash_file(alone), fmt)
    got = _of(tables, source_file)
    assert len(got) == len(want.projects) > 0
    assert _rows(got, PROJECT) == _rows(want.projects, PROJECT)
    assert _rows(_of(tables, source_file, "indicators"), INDICATOR) == _rows(want.indicators, INDICATOR)


def test_the_reports_attached_to_a_pdf_package_are_read_as_inputs_of_their_own(tmp_path):
    """Each attached report (a Word file in the name tree, a zip clipped to the page holding a PDF) is an input
    named after the package, with the figures it has read alone; the cover, with no table on its page, is `ok`,
    says where its reports went and is no report in the briefing's count; the video is not read; a finding's place
    names the attachment."""
    _portfolio(tmp_path / "in")
    t = ingest_paths([tmp_path / "in"], keep_format_copies=True)
    reports = t["reports"].set_index("source_file")
    assert sorted(reports.index) == [PACKAGE, f"{PACKAGE}!各乡镇.zip!城关镇/自评表.pdf", f"{PACKAGE}!大厂县自评报告.docx"]
    assert set(reports["status"]) == {"ok"}
    assert reports.loc[PACKAGE, "n_projects"] == 0 and pd.isna(reports.loc[PACKAGE, "error"])
    assert "PDF 中附有 2 个报告文件（“大厂县自评报告.docx”、“各乡镇.zip”），其内容不在 PDF 的页面上；evalkit ingest 把每个附件作为" \
           "单独的报告读取" in reports.loc[PACKAGE, "reading_notes"]
    _same_rows(t, f"{PACKAGE}!大厂县自评报告.docx", DOCX, "docx")
    _same_rows(t, f"{PACKAGE}!各乡镇.zip!城关镇/自评表.pdf", PDF, "pdf")
    places = t["indicators"].loc[t["indicators"]["source_file"] == f"{PACKAGE}!大厂县自评报告.docx", "location"]
    assert places.str.startswith("PDF 的附件 大厂县自评报告.docx 表").all()
    from evalkit.report.aggregates import headline
    assert reports.loc[PACKAGE, "doc_kind"] == "attachments"
    assert headline(t)["n_reports"] == 2                      # its two reports, not the cover


def test_inspect_of_a_pdf_package_says_its_reports_are_its_attachments(tmp_path):
    """The cover alone has no table: inspect shows the kind ingest gives it and where the reports are."""
    from evalkit.recognize.explain import inspect_file
    path = tmp_path / "包.pdf"
    path.write_bytes(_pdf_with_files([("大厂县自评报告.docx", DOCX.read_bytes())]))
    shown = inspect_file(path)
    assert "文件类型 attachments" in shown
    assert ("未识别出项目自评表：报告在文件的 1 个附件中（“大厂县自评报告.docx”），evalkit ingest 把每个附件作为单独的报告读取"
            in shown)
    assert ingest_paths([path], checks=False)["reports"].set_index("source_file").loc["包.pdf", "doc_kind"] == "attachments"


def test_a_report_pdf_with_a_file_clipped_to_its_page_reads_both(tmp_path):
    """A report PDF with the 自评表 workbook clipped to its page: the PDF's own projects as it alone gives them, and
    the workbook as an input of its own."""
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / "自评报告.pdf"
    path.write_bytes(_pdf_with_files(annotated=[("自评表.xlsx", XLSX.read_bytes())], cover=PDF.read_bytes()))
    assert read(path).warnings == []
    t = ingest_paths([tmp_path / "in"])
    _same_rows(t, "自评报告.pdf", PDF, "pdf")
    _same_rows(t, "自评报告.pdf!自评表.xlsx", XLSX, "xlsx")


def test_an_attachment_also_given_as_a_file_counts_once(tmp_path):
    """The Word report attached to the package and sent beside it too: byte-identical, one of the two is a
    duplicate; its projects are counted once."""
    _portfolio(tmp_path / "in")
    (tmp_path / "in" / "大厂县自评报告.docx").write_bytes(DOCX.read_bytes())
    t = ingest_paths([tmp_path / "in"], keep_format_copies=True)
    status = t["reports"].set_index("source_file")["status"]
    pair = status[[f"{PACKAGE}!大厂县自评报告.docx", "大厂县自评报告.docx"]]
    assert sorted(pair) == ["duplicate", "ok"]
    assert t["projects"]["project_id"].is_unique
    alone = [build(read(f), f.name, hash_file(f), f.suffix[1:]).projects for f in (DOCX, PDF)]
    assert len(t["projects"]) == sum(map(len, alone)) == 5            # the Word report once, the zip's PDF


def test_a_package_in_a_zip_and_a_member_named_for_inspect(tmp_path):
    """A package inside a zip: its attachments are `材料.zip!x.pdf!a.docx`; a command given one file opens an
    attachment by the ledger's name, and a name that is not there lists what is."""
    path = _portfolio(tmp_path / "made")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "材料.zip").write_bytes(_zip({f"2023/{PACKAGE}": path.read_bytes()}))
    t = ingest_paths([tmp_path / "in"], keep_format_copies=True)
    assert f"材料.zip!2023/{PACKAGE}!大厂县自评报告.docx" in set(t["reports"]["source_file"])
    _same_rows(t, f"材料.zip!2023/{PACKAGE}!大厂县自评报告.docx", DOCX, "docx")
    with located(tmp_path / "made" / f"{PACKAGE}!大厂县自评报告.docx") as member:
        assert [b.text for b in read(member).blocks[:1]] == [b.text for b in read(DOCX).blocks[:1]]
    with located(tmp_path / "in" / f"材料.zip!2023/{PACKAGE}!各乡镇.zip!城关镇/自评表.pdf") as member:
        assert member.read_bytes() == PDF.read_bytes()
    with pytest.raises(InputError, match=rf"PDF .*{PACKAGE} 中没有 报告.docx；其中的报告文件：.*大厂县自评报告.docx"):
        with located(tmp_path / "made" / f"{PACKAGE}!报告.docx"):
            pass


def test_an_attachment_that_cannot_be_decoded_costs_its_row(tmp_path):
    """An attached file whose stream is not what its filter says, one shorter than the size the PDF records (cut
    off), an empty one: each attachment is a failed row saying so; the package and its other attachment are read."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, NumberObject
    made = _pdf_with_files([("大厂县自评报告.docx", DOCX.read_bytes()), ("自评表.xlsx", b"not deflated at all"),
                            ("补充表.xlsx", XLSX.read_bytes()[:1000]), ("空.docx", b"")])
    w = PdfWriter(clone_from=PdfReader(io.BytesIO(made)))
    for obj in w._objects:
        if obj is None or not hasattr(obj, "get_data") or obj.get("/Type") != "/EmbeddedFile":
            continue
        if obj.get_data() == b"not deflated at all":
            obj[NameObject("/Filter")] = NameObject("/FlateDecode")
        elif len(obj.get_data()) == 1000:
            obj[NameObject("/Params")] = DictionaryObject({NameObject("/Size"): NumberObject(XLSX.stat().st_size)})
        elif obj.get_data() in (b"", b"\n"):     # pypdf 5.0 reads an empty stream back as its line end
            obj.set_data(b"")
    (tmp_path / "in").mkdir()
    buf = io.BytesIO()
    w.write(buf)
    (tmp_path / "in" / PACKAGE).write_bytes(buf.getvalue())
    reports = ingest_paths([tmp_path / "in"])["reports"].set_index("source_file")
    assert reports.loc[f"{PACKAGE}!大厂县自评报告.docx", "status"] == "ok"
    assert reports.loc[f"{PACKAGE}!自评表.xlsx", "status"] == "failed"
    assert reports.loc[f"{PACKAGE}!自评表.xlsx", "error"].endswith("PDF 附件的数据已损坏，无法解压，未读取")
    assert reports.loc[f"{PACKAGE}!补充表.xlsx", "error"].endswith(
        f"PDF 附件的数据不完整（应有 {XLSX.stat().st_size:,} 字节，只有 1,000 字节），未读取")
    assert reports.loc[f"{PACKAGE}!空.docx", "error"].endswith("PDF 附件是空的（0 字节，PDF 可能已损坏），未读取；请向报送单位索取完整的文件")
    assert reports.loc[PACKAGE, "status"] == "ok"


def _ofd_with(tmp_path: Path, attached: dict[str, bytes | None]) -> Path:
    """An 电子公文 OFD (one page, a cover letter) listing `attached` in its Attachments.xml, each file in the
    package (None: listed, not there)."""
    src = ofd_package(tmp_path / "one.ofd", [page(text(20, 20, "关于报送绩效自评结果的函"))])
    listed = "".join(f'<ofd:Attachment ID="{i}" Name="{name}"><ofd:FileLoc>att_{i}{Path(name).suffix}</ofd:FileLoc>'
                     f'</ofd:Attachment>' for i, name in enumerate(attached, 1))
    xml = f'<?xml version="1.0" encoding="UTF-8"?><ofd:Attachments {NS}>{listed}</ofd:Attachments>'.encode()
    return rezip(src, tmp_path / "in" / "函.ofd", lambda name, data: data.replace(
        b"</ofd:Pages>", b"</ofd:Pages><ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments>")
        if name == "Doc_0/Document.xml" else data,
        extra=[("Doc_0/Attachs/Attachments.xml", xml)]
        + [(f"Doc_0/Attachs/att_{i}{Path(name).suffix}", data) for i, (name, data) in enumerate(attached.items(), 1)
           if data is not None])


def test_the_files_attached_to_an_ofd_are_read_as_inputs_of_their_own(tmp_path):
    """An 电子公文's 附件: the workbook listed in Attachments.xml is an input of its own with the figures it has
    alone; one listed but missing from the package is a failed row saying so; a video is noted, not read."""
    (tmp_path / "in").mkdir()
    path = _ofd_with(tmp_path, {"项目支出绩效自评表.xlsx": XLSX.read_bytes(), "现场照片.mp4": b"",
                                "补充材料.docx": None})
    doc = read(path)
    assert doc.warnings == [] and [p.text for p in doc.paragraphs()] == ["关于报送绩效自评结果的函"]
    assert doc.notes == ["OFD 中附有 2 个报告文件（“项目支出绩效自评表.xlsx”、“补充材料.docx”），其内容不在 OFD 的页面上；"
                         "evalkit ingest 把每个附件作为单独的报告读取，清单中名为“本文件名!附件名”",
                         "OFD 中附有 1 个其他文件（“现场照片.mp4”），不是报告文件，未读取"]
    t = ingest_paths([tmp_path / "in"])
    reports = t["reports"].set_index("source_file")
    _same_rows(t, "函.ofd!项目支出绩效自评表.xlsx", XLSX, "xlsx")
    assert reports.loc["函.ofd!补充材料.docx", "status"] == "failed"
    assert "OFD 的附件清单列出了这个文件，但 OFD 包中没有它" in reports.loc["函.ofd!补充材料.docx", "error"]
    assert reports.loc["函.ofd", "status"] == "ok"


def test_a_pdf_package_attached_to_a_word_report_names_its_files(tmp_path):
    """A PDF 包 packed into a Word report: its pages are read where the object stands, but its own attachments are
    no input of their own there: a warning names them and says how to get them out."""
    blob = package(PACKAGE, _portfolio(tmp_path / "made").read_bytes())
    path = word_with_object(tmp_path / "报告.docx", blob, prog_id="Package", before=INTRO, aspect="Icon")
    doc = read(path)
    assert doc.warnings == [f"嵌入对象1（附件“{PACKAGE}”）中还附有 2 个报告文件（“大厂县自评报告.docx”、“各乡镇.zip”），未读取；"
                            "请在 Word 中双击打开它另存，再把其中的附件另存出来一并导入"]
    assert not any("evalkit ingest" in n for n in doc.notes)
    assert _built(path, "docx").report["status"] == "partial"


def test_the_reports_attached_to_a_workbooks_sheet_are_read_as_inputs_of_their_own(tmp_path):
    """A 报送清单 workbook with each unit's report attached as an icon: a PDF packed by Object Packager and a Word
    document, each an input with the figures it has alone, named as packed (else by its part); a chart's data
    workbook is not an attachment; the workbook's own sheets read as before."""
    from test_attached import package as packed
    (tmp_path / "in").mkdir()
    rezip(XLSX, tmp_path / "in" / "报送清单.xlsx", extra=[
        ("xl/embeddings/oleObject1.bin", packed("城关镇自评报告.pdf", PDF.read_bytes())),
        ("xl/embeddings/Microsoft_Word_Document.docx", DOCX.read_bytes()),
        ("xl/embeddings/Microsoft_Excel_Worksheet.xlsx", XLSX.read_bytes())])
    t = ingest_paths([tmp_path / "in"], keep_format_copies=True)
    assert sorted(t["reports"]["source_file"]) == ["报送清单.xlsx", "报送清单.xlsx!Microsoft_Word_Document.docx",
                                                   "报送清单.xlsx!城关镇自评报告.pdf"]
    _same_rows(t, "报送清单.xlsx", XLSX, "xlsx")
    _same_rows(t, "报送清单.xlsx!城关镇自评报告.pdf", PDF, "pdf")
    _same_rows(t, "报送清单.xlsx!Microsoft_Word_Document.docx", DOCX, "docx")
    places = t["indicators"].loc[t["indicators"]["source_file"] == "报送清单.xlsx!城关镇自评报告.pdf", "location"]
    assert places.str.startswith("工作簿的附件 城关镇自评报告.pdf 第").all()


def _looping_pdf() -> bytes:
    """A one-page PDF whose catalog's /Names is an object that is a reference to itself (pdfminer resolves it
    forever), with an attached file's stream so that discovery looks for attachments."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R /Names 4 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>", b"4 0 R",
               b"<< /Type /EmbeddedFile /Length 1 >>\nstream\nx\nendstream"]
    out, offsets = io.BytesIO(b"%PDF-1.4\n"), []
    out.seek(0, 2)
    for n, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (n, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % at for at in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_a_pdf_whose_attachment_list_never_ends_costs_a_row_not_the_run(tmp_path):
    """Listing a hostile PDF's attachments at discovery (a name tree that refers to itself) is stopped at the file
    time limit in a process of its own: one failed row says so, the PDF's own read times out in its worker, and the
    other file is read."""
    from dataclasses import replace

    from evalkit.limits import LIMITS
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "循环.pdf").write_bytes(_looping_pdf())
    (tmp_path / "in" / "大厂县自评报告.docx").write_bytes(DOCX.read_bytes())
    reports = ingest_paths([tmp_path / "in"], limits=replace(LIMITS, max_seconds=2))["reports"].set_index("source_file")
    assert reports.loc["循环.pdf!（附件）", "status"] == "failed"
    assert reports.loc["循环.pdf!（附件）", "error"].endswith("列出 PDF 的附件超过 2 秒（文件结构异常，疑似恶意构造），附件未读取")
    assert reports.loc["循环.pdf", "status"] == "failed"
    assert reports.loc["大厂县自评报告.docx", "status"] == "ok"


def test_the_reports_attached_to_an_excel_97_workbook_are_read_as_inputs_of_their_own(tmp_path):
    """A 报送清单 saved by Excel 97–2003 or WPS (.xls, .et): each object has a storage of its own (MBD…) holding the
    packed file; each packed report is an input with the figures it has alone, the workbook's sheet read as before,
    and a workbook packed by its name is an attachment too."""
    import olefile

    from outlookmsg import compound
    from test_attached import ole10native
    xls = FIXTURES / "fixture_xls.xls"
    with olefile.OleFileIO(str(xls)) as ole:
        workbook = ole.openstream("Workbook").read()
    tree = {"Workbook": workbook,
            "MBD0004A2B1": {"\x01Ole10Native": ole10native("城关镇自评报告.pdf", PDF.read_bytes()),
                            "\x01CompObj": b"\x01\x00\xfe\xff\x03\x0a\x00\x00" + bytes(24)},
            "MBD0004A2B2": {"\x01Ole10Native": ole10native("大厂县自评表.xlsx", XLSX.read_bytes(), unicode=False)}}
    for name in ("报送清单.xls", "报送清单.et"):
        (tmp_path / name).mkdir()
        (tmp_path / name / name).write_bytes(compound(tree))
        t = ingest_paths([tmp_path / name], keep_format_copies=True)
        assert sorted(t["reports"]["source_file"]) == [name, f"{name}!城关镇自评报告.pdf", f"{name}!大厂县自评表.xlsx"]
        _same_rows(t, f"{name}!城关镇自评报告.pdf", PDF, "pdf")
        _same_rows(t, f"{name}!大厂县自评表.xlsx", XLSX, "xlsx")
        _same_rows(t, name, xls, "xls")
        assert read(tmp_path / name / name).notes == [
            "工作簿中附有 2 个报告文件（“城关镇自评报告.pdf”、“大厂县自评表.xlsx”），其内容不在工作表上；"
            "evalkit ingest 把每个附件作为单独的报告读取，清单中名为“本文件名!附件名”"]


def test_a_listing_process_that_died_is_replaced_for_the_next_pdf(tmp_path):
    """Discovery keeps one process listing PDFs' attachments: killed between two PDFs (the OOM killer, a user), the
    next PDF gets a new one and its attachments as before; none is left when discovery ends."""
    from evalkit import archives, pdflist
    from evalkit.limits import LIMITS
    path = _portfolio(tmp_path / "made")
    with pdflist.listing_pdfs():
        first, _ = pdflist.expand_pdf(path, tmp_path / "s1", archives.readable, LIMITS)
        proc = pdflist._lister.proc
        proc.kill()
        proc.wait()
        second, _ = pdflist.expand_pdf(path, tmp_path / "s2", archives.readable, LIMITS)
        kept = pdflist._lister.proc
        assert kept is not proc and kept.poll() is None
    assert [m.name for m in first] == [m.name for m in second] == ["大厂县自评报告.docx", "各乡镇.zip"]
    assert all(m.problem is None for m in second) and kept.poll() is not None and pdflist._lister is None


def test_discovery_reads_a_zip_directory_from_its_bytes_and_never_one_over_the_limits(tmp_path, monkeypatch):
    """What discovery asks of every workbook and OFD (attachments?) comes from the central directory's bytes: the
    names zipfile lists, None for a compound file; a directory whose end record hides 60 entries as 1 is never
    parsed (its size gives it away) and the workbook is taken to have no attachments."""
    import zipfile
    from dataclasses import replace

    import evalkit.limits
    from evalkit.archives import attaching
    from evalkit.readers.safety import member_names
    with zipfile.ZipFile(XLSX) as z:
        assert member_names(XLSX) == z.namelist()
    assert member_names(FIXTURES / "fixture_xls.xls") is None
    listed = rezip(XLSX, tmp_path / "清单.xlsx", extra=[("xl/embeddings/oleObject1.bin", b"x")]
                   + [(f"xl/media/{'x' * 100}{i}.png", b"") for i in range(60)])
    assert attaching(listed) == "xlsx"
    raw = bytearray(listed.read_bytes())
    end = raw.rindex(b"PK\x05\x06")
    raw[end + 8:end + 12] = (1).to_bytes(2, "little") * 2          # entries on this disk, entries in all
    listed.write_bytes(bytes(raw))
    monkeypatch.setattr(evalkit.limits, "LIMITS", replace(evalkit.limits.LIMITS, max_zip_members=5))
    assert member_names(listed) is None and attaching(listed) is None
