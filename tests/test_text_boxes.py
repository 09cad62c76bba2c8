"""Text boxes in Word documents (文本框: titles, stamps' text, whole tables placed by PDF-to-Word converters): read
where they are anchored, each once although Word writes every box twice (a DrawingML shape and its VML copy)."""
from __future__ import annotations

import copy

from conftest import ROOT
from evalkit.ingest import build, hash_file
from evalkit.readers import read

FIXTURE = ROOT / "tests" / "fixtures" / "fixture_docx.docx"
NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
      'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
      'xmlns:v="urn:schemas-microsoft-com:vml"')
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def boxed(*contents, vml_only=False):
    """A w:p anchoring one text box holding `contents` (w:p / w:tbl elements), as Word 2010+ writes it (a wps shape
    in mc:Choice, its VML copy in mc:Fallback), or as older Word and WPS write it (VML only)."""
    from docx.oxml import parse_xml

    vml = ('<w:pict><v:shape style="width:400pt;height:300pt"><v:textbox><w:txbxContent/></v:textbox>'
           '</v:shape></w:pict>')
    shape = ('<w:drawing><wp:anchor><a:graphic><a:graphicData '
             'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:txbx>'
             '<w:txbxContent/></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>')
    run = vml if vml_only else (f'<mc:AlternateContent><mc:Choice Requires="wps">{shape}</mc:Choice>'
                                f'<mc:Fallback>{vml}</mc:Fallback></mc:AlternateContent>')
    p = parse_xml(f'<w:p {NS}><w:r>{run}</w:r></w:p>')
    for box in p.iter(W + "txbxContent"):
        for c in contents:
            box.append(copy.deepcopy(c))
    return p


def _text_paragraph(text):
    from docx.oxml import parse_xml
    return parse_xml(f'<w:p {NS}><w:r><w:t>{text}</w:t></w:r></w:p>')


def _fixture_with_tables_boxed(path, vml_only=False):
    """fixture_docx.docx with every top-level table moved into a text box anchored where the table stood."""
    import docx
    d = docx.Document(str(FIXTURE))
    body = d.element.body
    for tbl in list(body.iterchildren(W + "tbl")):
        p = boxed(tbl, vml_only=vml_only)
        tbl.addprevious(p)
        body.remove(tbl)
    d.save(path)
    return path


def _rows(rows, fields):
    return [tuple(str(r.get(f)) for f in fields) for r in rows]


def test_tables_in_text_boxes_read_as_the_same_tables_in_the_text(tmp_path):
    """The fixture's tables each in a text box (Word 2010+: shape and VML copy): the same projects and indicator
    lines as the fixture, each table read once."""
    fields = ["project_name", "budget_full_year", "executed", "execution_rate", "total_score", "grade"]
    path = _fixture_with_tables_boxed(tmp_path / "boxed.docx")
    got, want = build(read(path), "boxed.docx", hash_file(path), "docx"), build(read(FIXTURE), "f.docx", "0" * 64, "docx")
    assert len(got.projects) == len(want.projects) > 0
    assert _rows(got.projects, fields) == _rows(want.projects, fields)
    assert _rows(got.indicators, ["level3", "target", "actual", "score"]) == _rows(want.indicators, ["level3", "target", "actual", "score"])
    assert len(list(read(path).tables())) == len(list(read(FIXTURE).tables()))


def test_a_box_written_only_as_vml_is_read(tmp_path):
    """Older Word and WPS write the VML box alone: it is read (the same tables as the fixture)."""
    path = _fixture_with_tables_boxed(tmp_path / "vml.docx", vml_only=True)
    assert [t.rows for t in read(path).tables()] == [t.rows for t in read(FIXTURE).tables()]


def test_text_in_a_box_follows_its_anchor_paragraph(tmp_path):
    """A statement in a text box (自评得分 beside the signature) comes after the paragraph anchoring it, once."""
    import docx
    d = docx.Document()
    d.add_paragraph("一、自评结论")
    anchor = d.add_paragraph("单位（盖章）")
    anchor._p.append(boxed(_text_paragraph("自评得分：95.65分，等级：优"))[0])     # the box's run, in this paragraph
    d.add_paragraph("二、问题")
    d.save(tmp_path / "x.docx")
    texts = [b.text for b in read(tmp_path / "x.docx").blocks]
    assert texts == ["一、自评结论", "单位（盖章）", "自评得分：95.65分，等级：优", "二、问题"]
