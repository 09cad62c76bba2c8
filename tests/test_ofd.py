"""OFD reader: the fixtures made from fixture_pdf.pdf (make_ofd_fixtures.py) read exactly as the PDF does, in
the plain form and as other producers write it; every character of the reference reports comes back as
itself; an image page is a scan; damaged and hostile packages are one specific Chinese error each."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, rezip
from evalkit.errors import LimitExceeded, ReadError
from evalkit.ingest import ingest_paths
from evalkit.model import Paragraph
from evalkit.readers import format_of, read
from evalkit.readers import ofd

FIXTURES = ROOT / "tests" / "fixtures"
NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def blocks(doc):
    return [("P", b.text) if isinstance(b, Paragraph) else ("T", b.rows, b.page) for b in doc.blocks]


@pytest.fixture(scope="module")
def pdf_doc():
    return read(FIXTURES / "fixture_pdf.pdf")


def test_plain_ofd_reads_exactly_as_the_pdf_it_was_made_from(pdf_doc):
    doc = read(FIXTURES / "fixture_ofd.ofd")
    assert doc.format == "ofd" and doc.pages == 5 and doc.warnings == []
    assert blocks(doc) == blocks(pdf_doc)


def test_producer_quirks_read_as_the_pdf(pdf_doc):
    """Text in points under a CTM, rulings via DrawParam chains and as filled rectangles, PageBlocks, a
    CompositeObject, the title in a TemplatePage, absolute/backslash/other-case member paths, a GB18030 part, an
    astral character."""
    doc = read(FIXTURES / "ofd" / "quirks.ofd")
    assert blocks(doc)[:-1] == blocks(pdf_doc)
    assert blocks(doc)[-1] == ("P", "编制说明𠀀") and doc.warnings == []


def test_every_character_of_the_reference_reports_is_carried_as_itself():
    """The PDF font's encoding carries each character the seeds and truth hold, so no figure or name changes
    on the way through the PDF; '·' needs the code whose character reads back as it."""
    text = "".join(p.read_text(encoding="utf-8") for d in (ROOT / "tests" / "truth", ROOT / "data" / "raw")
                   for p in sorted(d.iterdir()) if p.suffix in (".csv", ".txt"))
    chars = {ch for ch in text if not ch.isspace()} | set("·—‰％①")
    assert len(chars) > 900
    own = {ch for ch in chars if ofd.code_for(ch) is not None}
    for ch in sorted(own):
        assert ofd._read_back(ofd.code_for(ch)) == ch, ch
    assert chars - own == {"⑪", "⑫", "⑬"}            # the font has circled numbers to ⑩: these go as stand-ins
    assert ofd.code_for("\u00a0") == " " and ofd.code_for("𠀀") is None
    assert all(ofd.code_for(c) == c for c in ofd.STAND_INS) and not set(ofd.STAND_INS) & chars


# ------------------------------------------------------------------ small packages made here

def page(body: str, w: float = 210, h: float = 297) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {NS}><ofd:Area><ofd:PhysicalBox>0 0 {w} {h}</ofd:PhysicalBox>'
            f'</ofd:Area><ofd:Content><ofd:Layer ID="1">{body}</ofd:Layer></ofd:Content></ofd:Page>')


def package(path: Path, pages: list[str], *, res: str = "", members: dict | None = None, doc_root="Doc_0/Document.xml",
            n_refs: int | None = None) -> Path:
    refs = "".join(f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(n_refs or len(pages)))
    files = {"OFD.xml": f'<?xml version="1.0"?><ofd:OFD {NS} Version="1.1" DocType="OFD"><ofd:DocBody>'
                        f'<ofd:DocRoot>{doc_root}</ofd:DocRoot></ofd:DocBody></ofd:OFD>',
             "Doc_0/Document.xml": f'<?xml version="1.0"?><ofd:Document {NS}><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>'
                                   f'0 0 210 297</ofd:PhysicalBox></ofd:PageArea>'
                                   + ('<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>' if res else "")
                                   + f'</ofd:CommonData><ofd:Pages>{refs}</ofd:Pages></ofd:Document>'}
    if res:
        files["Doc_0/DocumentRes.xml"] = f'<?xml version="1.0"?><ofd:Res {NS} BaseLoc="Res">{res}</ofd:Res>'
    for i, p in enumerate(pages):
        files[f"Doc_0/Pages/Page_{i}/Content.xml"] = p
    files.update(members or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data.encode() if isinstance(data, str) else data)
    return path


def text(x: float, y: float, s: str, size: float = 4.0, extra: str = "") -> str:
    return (f'<ofd:TextObject ID="9" Boundary="{x} {y} 150 8" Size="{size}" Font="1"{extra}>'
            f'<ofd:TextCode X="0" Y="{size}">{s}</ofd:TextCode></ofd:TextObject>')


def test_names_with_middle_dot_and_no_break_space_come_back_as_written(tmp_path):
    doc = read(package(tmp_path / "a.ofd", [page(text(20, 20, "买买提·艾力") + text(20, 40, "合计\u00a0100"))]))
    assert [p.text for p in doc.paragraphs()] == ["买买提·艾力", "合计 100"] and doc.warnings == []


def test_characters_the_font_cannot_carry_come_back_through_stand_ins(tmp_path):
    """⑪ (the font stops at ⑩) and an astral 𠀀 in a table cell and a paragraph: read back as written, no warning;
    a document that itself holds the stand-in: the two cannot be told apart, both are □ and named."""
    cell = '<ofd:PathObject ID="2" Boundary="20 60 100 20" LineWidth="0.2"><ofd:AbbreviatedData>M 0 0 L 100 0 L 100 20 L 0 20 C M 50 0 L 50 20</ofd:AbbreviatedData></ofd:PathObject>'
    body = text(20, 20, "指标⑪：𠀀村") + cell + text(22, 64, "项目⑫") + text(72, 64, "⑪1.5")
    doc = read(package(tmp_path / "s.ofd", [page(body)]))
    assert doc.warnings == [] and "指标⑪：𠀀村" in [p.text for p in doc.paragraphs()]
    assert [t.rows for t in doc.tables()] == [[["项目⑫", "⑪1.5"]]]
    clash = read(package(tmp_path / "c.ofd", [page(text(20, 20, "⑪号") + text(20, 40, ofd.STAND_INS[0]))]))
    assert [p.text for p in clash.paragraphs()] == ["□号", "□"]
    assert clash.warnings == [f"OFD 中有 2 个字符（⑪、{ofd.STAND_INS[0]}）无法按原样读取，已记为 □；请对照原件核对含 □ 的文字"]


def test_undeclared_prefixes_are_read_and_broken_xml_is_named(tmp_path):
    """A producer that leaves the ofd: prefix undeclared: read as if declared, no warning. A page whose XML breaks
    off mid-object: what the parser recovers is read, the part is named in a warning."""
    bare = page(text(20, 20, "项目名称")).replace(f" {NS}", "")
    doc = read(package(tmp_path / "p.ofd", [bare]))
    assert [p.text for p in doc.paragraphs()] == ["项目名称"] and doc.warnings == []
    broken = page(text(20, 20, "项目名称") + text(20, 40, "绩效目标")).replace("</ofd:TextObject>", "", 1)
    doc = read(package(tmp_path / "b.ofd", [broken]))
    assert "项目名称" in [p.text for p in doc.paragraphs()]
    assert doc.warnings[0].startswith("OFD 文件的 XML 有错误（Doc_0/Pages/Page_0/Content.xml（")


def test_documents_bundled_in_one_ofd_are_all_read_in_order(tmp_path):
    """An OFD may hold several documents (DocBody): a report and its annex. Their pages follow each other."""
    src = package(tmp_path / "one.ofd", [page(text(20, 20, "第一个文档"))])
    second = b"<ofd:DocBody><ofd:DocRoot>Doc_1/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    with zipfile.ZipFile(src) as z:
        doc_xml = z.read("Doc_0/Document.xml")
    path = rezip(src, tmp_path / "two.ofd", lambda name, data: data.replace(b"</ofd:OFD>", second) if name == "OFD.xml" else data,
                 extra=[("Doc_1/Document.xml", doc_xml),
                        ("Doc_1/Pages/Page_0/Content.xml", page(text(20, 20, "附件：项目支出绩效自评表")))])
    doc = read(path)
    assert [(p.text, p.page) for p in doc.paragraphs()] == [("第一个文档", 1), ("附件：项目支出绩效自评表", 2)]
    assert doc.pages == 2 and doc.warnings == []


def test_files_attached_to_an_ofd_are_named_in_its_notes(tmp_path):
    """An 电子公文 OFD keeps its 附件 as files listed in Attachments.xml: a report file among them is named in a
    note (not read into the OFD: a report of its own, which ingest reads apart: test_pdf_package), another file
    too; the pages read as before."""
    src = package(tmp_path / "one.ofd", [page(text(20, 20, "关于报送绩效自评结果的函"))])
    listed = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Attachments {NS}>'
              '<ofd:Attachment ID="1" Name="项目支出绩效自评表" Format="xlsx"><ofd:FileLoc>att_1.xlsx</ofd:FileLoc></ofd:Attachment>'
              '<ofd:Attachment ID="2" Name="现场照片.mp4"><ofd:FileLoc>att_2.mp4</ofd:FileLoc></ofd:Attachment>'
              '</ofd:Attachments>').encode()
    path = rezip(src, tmp_path / "函.ofd", lambda name, data: data.replace(
        b"</ofd:Pages>", b"</ofd:Pages><ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments>")
        if name == "Doc_0/Document.xml" else data,
        extra=[("Doc_0/Attachs/Attachments.xml", listed), ("Doc_0/Attachs/att_1.xlsx", b"PK"),
               ("Doc_0/Attachs/att_2.mp4", b"")])
    doc = read(path)
    assert [p.text for p in doc.paragraphs()] == ["关于报送绩效自评结果的函"]
    assert doc.warnings == [] and doc.attached == ["项目支出绩效自评表.xlsx"]
    assert doc.notes == ["OFD 中附有 1 个报告文件（“项目支出绩效自评表.xlsx”），其内容不在 OFD 的页面上；"
                         "evalkit ingest 把每个附件作为单独的报告读取，清单中名为“本文件名!附件名”",
                         "OFD 中附有 1 个其他文件（“现场照片.mp4”），不是报告文件，未读取"]


def test_rotated_text_object_is_read_as_its_characters(tmp_path):
    """A CTM turning the object 90°: the PDF reader still gets the characters, in order."""
    body = ('<ofd:TextObject ID="9" Boundary="100 50 10 100" CTM="0 1 -1 0 0 0" Size="5">'
            '<ofd:TextCode X="0" Y="0" DeltaX="g 3 5">项目名称</ofd:TextCode></ofd:TextObject>' + text(20, 200, "正文"))
    doc = read(package(tmp_path / "r.ofd", [page(body)]))
    assert "项目名称" in "".join(p.text.replace(" ", "") for p in doc.paragraphs()).replace("\n", "")


def test_an_image_page_is_a_scan_placed_where_the_ofd_puts_it(tmp_path, monkeypatch):
    """scan.ofd's page is its JPEG filling the page: drawn upright and full-page (the rendering matches the
    image), and the PDF reader takes the page for a scan (without OCR: named in a warning)."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    import evalkit.readers.pdf as pdf_reader
    src = FIXTURES / "ofd" / "scan.ofd"
    with zipfile.ZipFile(src) as z:
        pkg = ofd.Package(z)
        drawn = tmp_path / "scan.pdf"
        stats, n = ofd.draw_pdf(pkg, drawn)
    assert n == 1 and stats.images == 1 and stats.glyphs == 0
    original = Image.open(FIXTURES / "scans" / "scan_seal.jpg").convert("L")
    rendered = pdfium.PdfDocument(str(drawn))[0].render(scale=original.width / (210 * ofd.MM)).to_pil().convert("L")
    rendered = rendered.resize(original.size)
    a, b = np.asarray(original, dtype=float), np.asarray(rendered, dtype=float)
    assert np.abs(a - b).mean() < 6                                # the same picture, not flipped or shifted
    assert np.abs(a - b[::-1]).mean() > 3 * np.abs(a - b).mean()   # (flipped, it would differ)
    monkeypatch.setattr(pdf_reader, "_ocr", lambda: None)
    with pytest.raises(ReadError, match="没有文字层"):
        read(src)


def test_ofd_is_discovered_and_ingested_inside_a_zip(tmp_path):
    assert format_of("报告.OFD") == "ofd"
    with zipfile.ZipFile(tmp_path / "材料.zip", "w") as z:
        z.write(FIXTURES / "fixture_ofd.ofd", "大厂县/自评.ofd")
    t = ingest_paths([tmp_path / "材料.zip"], checks=False)
    rep = t["reports"].iloc[0]
    assert rep["source_file"] == "材料.zip!大厂县/自评.ofd" and rep["format"] == "ofd" and rep["status"] == "ok"
    assert sorted(t["projects"]["project_name"]) == ["医疗保障服务经费", "网络设备软件运行保障经费", "退役军人辅助性岗位经费"]


# ------------------------------------------------------------------ damaged and hostile

@pytest.mark.parametrize("make, words", [
    (lambda p: p.write_bytes(b"not a zip at all"), "OFD 文件已损坏（不是有效的 ZIP 包"),
    (lambda p: zipfile.ZipFile(p, "w").writestr("Doc_0/Document.xml", "<x/>"), "没有 OFD.xml 入口文件"),
    (lambda p: package(p, [page(text(10, 10, "甲"))], doc_root="Doc_9/Document.xml"), "OFD.xml 指向的文档 Doc_9/Document.xml 不在压缩包中"),
    (lambda p: package(p, [page(text(10, 10, "甲"))], n_refs=2), "第 2 页的内容文件不在压缩包中"),
    (lambda p: package(p, []), "OFD 文件中没有页面"),
    (lambda p: package(p, [page('<ofd:PathObject ID="3" Boundary="0 0 10 10"><ofd:AbbreviatedData>M 0 0 L 10 0'
                                '</ofd:AbbreviatedData></ofd:PathObject>')]), "OFD 的全部 1 页都没有文字"),
    (lambda p: package(p, [page(text(10, 10, "甲"), w=0)]), "第 1 页的页面尺寸无效"),
    (lambda p: package(p, ['<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><ofd:Page ' + NS + '/>']),
     "含有 <!DOCTYPE 声明"),
])
def test_damaged_or_hostile_package_is_one_specific_error(tmp_path, make, words):
    path = tmp_path / "bad.ofd"
    make(path)
    with pytest.raises((ReadError, LimitExceeded)) as e:
        read(path)
    assert words in str(e.value)


def test_text_the_producer_lost_is_refused_as_garbled_not_read_as_characters(tmp_path):
    """TextCode of private-use code points (a converter that kept glyph ids, not characters): the PDF reader's
    own check cannot see them (they pass as stand-ins), so the OFD reader refuses them; a few are read."""
    garbled = page(text(20, 20, "\ue001\ue002\ue003\ue004项目") + text(20, 40, "\ue010\ue011\ue012"))
    with pytest.raises(ReadError, match="OFD 的文字是乱码：78% 的字符是无法映射的字形"):
        read(package(tmp_path / "g.ofd", [garbled]))
    few = read(package(tmp_path / "f.ofd", [page(text(20, 20, "项目名称\ue001：绩效自评"))]))
    assert [p.text for p in few.paragraphs()] == ["项目名称\ue001：绩效自评"]


class GbkName(zipfile.ZipInfo):
    """A member name written as its raw bytes without the UTF-8 flag (`filename` holds them decoded as cp437)."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("cp437"), self.flag_bits & ~0x800


def test_a_member_named_in_gbk_is_found_by_the_name_the_xml_gives(tmp_path):
    """Chinese Windows tools write member names in GBK without the UTF-8 flag (zipfile shows them as cp437)."""
    src = package(tmp_path / "one.ofd", [page(text(20, 20, "封面"))])
    second = '<ofd:Page ID="9" BaseLoc="页面/第二页.xml"/></ofd:Pages>'
    path = rezip(src, tmp_path / "g.ofd",
                 lambda name, data: data.replace(b"</ofd:Pages>", second.encode()) if name == "Doc_0/Document.xml" else data,
                 extra=[(GbkName("Doc_0/页面/第二页.xml".encode("gbk").decode("cp437")),
                         page(text(20, 20, "项目支出绩效自评表")))])
    with zipfile.ZipFile(path) as z:
        assert not any(i.flag_bits & 0x800 for i in z.infolist())
    doc = read(path)
    assert [p.text for p in doc.paragraphs()] == ["封面", "项目支出绩效自评表"] and doc.pages == 2


def test_the_pdf_readers_refusals_speak_of_the_ofd_and_keep_their_kind(tmp_path, monkeypatch):
    """A limit the PDF reader meets on the drawn PDF is the OFD's: the same exception (StreamTooLarge takes a limit,
    not a message), its words saying OFD where they said PDF."""
    import evalkit.readers.pdf as pdf_reader
    from evalkit.readers.safety import StreamTooLarge

    def too_large(path):
        raise StreamTooLarge(1 << 20, "PDF 的一个数据流解压后超过 1 MB")
    monkeypatch.setattr(pdf_reader, "read_pdf", too_large)
    with pytest.raises(StreamTooLarge, match="^OFD 的一个数据流解压后超过 1 MB$"):
        read(FIXTURES / "fixture_ofd.ofd")


def test_an_image_the_reader_cannot_decode_is_named(tmp_path):
    """A JBIG2 picture (PIL has no decoder) on a page without text: the error says which image and why."""
    body = '<ofd:ImageObject ID="5" Boundary="0 0 210 297" CTM="210 0 0 297 0 0" ResourceID="7"/>'
    res = ('<ofd:MultiMedias><ofd:MultiMedia ID="7" Type="Image" Format="GBIG2"><ofd:MediaFile>a.jb2</ofd:MediaFile>'
           '</ofd:MultiMedia></ofd:MultiMedias>')
    path = package(tmp_path / "j.ofd", [page(body)], res=res, members={"Doc_0/Res/a.jb2": b"\x97JB2\r\n\x1a\n" + b"\0" * 64})
    with pytest.raises(ReadError, match=r"OFD 的全部 1 页都没有文字，图像也无法读取（第 1 页：GBIG2格式"):
        read(path)


def test_bombs_are_bounded(tmp_path, monkeypatch):
    """A DeltaX repeat of a billion, a composite unit drawing itself, a page of 10^6 glyphs, an image declaring
    10^10 pixels: each read in bounded time and memory or refused as a limit."""
    cyc = ('<ofd:CompositeGraphicUnits><ofd:CompositeGraphicUnit ID="7" Width="10" Height="10"><ofd:Content>'
           + text(1, 1, "环") + '<ofd:CompositeObject ID="8" ResourceID="7" Boundary="0 0 10 10"/>'
           '</ofd:Content></ofd:CompositeGraphicUnit></ofd:CompositeGraphicUnits>')
    body = ('<ofd:TextObject ID="9" Boundary="10 10 100 8" Size="4"><ofd:TextCode X="0" Y="4" DeltaX="g 1000000000 4">'
            '预算执行率</ofd:TextCode></ofd:TextObject><ofd:CompositeObject ID="6" ResourceID="7" Boundary="0 50 10 10"/>')
    doc = read(package(tmp_path / "c.ofd", [page(body)], res=cyc))
    assert "预算执行率" in doc.text().replace(" ", "")
    assert ofd.deltas("g 1000000000 4", 3) == [4.0, 4.0, 4.0]

    monkeypatch.setattr(ofd, "limits", lambda: __import__("evalkit.limits", fromlist=["x"]).Limits(max_pdf_page_chars=50))
    many = page(text(10, 10, "数" * 60, size=1))
    with pytest.raises(LimitExceeded, match="第 1 页的字符超过 50 个"):
        read(package(tmp_path / "m.ofd", [many]))

    import struct
    import zlib
    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0)
    png += struct.pack(">I", zlib.crc32(png[12:29]) & 0xFFFFFFFF)
    png += struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND") & 0xFFFFFFFF)
    body = '<ofd:ImageObject ID="5" Boundary="0 0 210 297" CTM="210 0 0 297 0 0" ResourceID="7"/>'
    res = ('<ofd:MultiMedias><ofd:MultiMedia ID="7" Type="Image" Format="PNG"><ofd:MediaFile>a.png</ofd:MediaFile>'
           '</ofd:MultiMedia></ofd:MultiMedias>')
    monkeypatch.undo()
    with pytest.raises(LimitExceeded, match="像素"):
        read(package(tmp_path / "i.ofd", [page(body)], res=res, members={"Doc_0/Res/a.png": png}))
