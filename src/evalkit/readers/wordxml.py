"""Word's XML Document 2003 (WordprocessingML 2003, “Word XML 文档”): what many Java systems export under a .doc name
(a FreeMarker template of the 自评表 filled with the figures). Its body has the same paragraphs, runs and tables as a
.docx in an older namespace; it is moved to the .docx namespace and read by the DOCX reader's walker (the same
merged-cell, text-box and run rules), without LibreOffice.

Safety: the file is size-checked by the caller; the XML parser refuses DTDs and entities; cells count against the
DOCX reader's CellBudget."""
from __future__ import annotations

from pathlib import Path

from evalkit.model import Document, ReadError
from evalkit.readers.safety import CellBudget, check_file_size, reason

W2003 = "{http://schemas.microsoft.com/office/word/2003/wordml}"
WX = "{http://schemas.microsoft.com/office/word/2003/auxHint}"
MARK = b"schemas.microsoft.com/office/word/2003/wordml"
_RENAMED = {"vmerge": "vMerge", "hlink": "hyperlink"}     # 2003 names that differ from the .docx ones


def is_wordml(head: bytes) -> bool:
    """Whether a file's first bytes are a Word 2003 XML document (its namespace near the top)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith((b"<?xml", b"<w:wordDocument")) and MARK in head


def read_wordml(path: Path) -> Document:
    """The paragraphs and tables of a Word 2003 XML document's body, in order."""
    import lxml.etree

    from evalkit.readers.docx import W, _blocks
    path = Path(path)
    check_file_size(path)
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                                  remove_comments=True, remove_pis=True)
    try:
        tree = lxml.etree.parse(str(path), parser)
    except lxml.etree.XMLSyntaxError as e:
        raise ReadError(f"Word XML 文档已损坏，无法解析（{reason(e)}）；请用 Word 打开后另存为 .docx 再导入") from None
    if tree.docinfo.doctype:
        raise ReadError("Word XML 文档含有 DTD 声明（疑似恶意构造的文件），拒绝读取")
    body = tree.getroot().find(W2003 + "body")
    if body is None:
        raise ReadError("Word XML 文档中没有正文（w:body）；请用 Word 打开后另存为 .docx 再导入")
    for el in body.iter(W2003 + "*"):                    # the 2003 namespace -> the .docx one
        local = lxml.etree.QName(el).localname
        el.tag = W + _RENAMED.get(local, local)
        for key in [k for k in el.attrib if k.startswith(W2003)]:
            el.attrib[W + key[len(W2003):]] = el.attrib.pop(key)
    for el in reversed(list(body.iter(WX + "sect", WX + "sub-section", WX + "pBdrGroup"))):   # wrappers: content in place
        parent = el.getparent()
        at = parent.index(el)
        for child in reversed(list(el)):
            parent.insert(at, child)
        parent.remove(el)
    from docx.oxml.parser import parse_xml       # python-docx's element classes (run text, cells) for the walker
    body = parse_xml(lxml.etree.tostring(body))
    budget = CellBudget("文档中表格的单元格", "请删除无关的表格后另存再导入")
    boxes = next(body.iter(W + "txbxContent"), None) is not None
    return Document(source=str(path), format="doc", blocks=list(_blocks(body, budget, None, boxes)))
