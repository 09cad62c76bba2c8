"""Saved e-mails (.eml): opened like an archive for their report attachments, whatever way the sender's client wrote
the names (RFC 2231, RFC 2047 in GBK, raw GBK bytes); the body and its pictures are not reports; a forwarded message
inside is opened too; the same name twice is made unique; an encrypted mail is one failed row."""
from __future__ import annotations

import base64
from email.message import EmailMessage

import pytest

from conftest import ROOT
from evalkit.archives import ArchiveProblem, find_member, readable
from evalkit.ingest import discover, ingest_paths
from evalkit.limits import LIMITS

FIX = ROOT / "tests" / "fixtures"
XLSX, DOCX, PDF = FIX / "fixture_xlsx.xlsx", FIX / "fixture_docx.docx", FIX / "fixture_pdf.pdf"


def _mail(subject="自评材料", body="请查收附件。"):
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "县财政局 <czj@example.cn>", "绩效科 <jxk@example.cn>", subject
    m.set_content(body)
    m.add_alternative(f"<p>{body}</p><img src='cid:sig@x'>", subtype="html")
    sig = m.get_payload()[1]
    m.make_mixed()
    html = m.get_payload()[0].get_payload()[1]
    html.make_related()
    html.add_related(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image", "png", cid="<sig@x>", filename="签名.png")
    del sig
    return m


def _raw_part(name_header: bytes, data: bytes, kind=b"application/octet-stream") -> bytes:
    """A MIME part written as Chinese mail clients do, its name header given as bytes."""
    return (b"Content-Type: " + kind + b"\r\nContent-Transfer-Encoding: base64\r\n" + name_header + b"\r\n\r\n"
            + base64.encodebytes(data) + b"\r\n")


def _foxmail(tmp_path):
    """A mail as Foxmail / web mail write it: the names in RFC 2047 GBK, and one as raw GBK bytes."""
    b = b"----=_NextPart_000"
    gbk_word = b"=?GBK?B?" + base64.b64encode("自评报告.docx".encode("gbk")) + b"?="
    raw = (b"From: czj@example.cn\r\nSubject: =?GBK?B?" + base64.b64encode("绩效自评".encode("gbk")) + b"?=\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"" + b + b"\"\r\n\r\n"
           b"--" + b + b"\r\nContent-Type: text/plain; charset=GBK\r\n\r\n" + "见附件".encode("gbk") + b"\r\n"
           b"--" + b + b"\r\n" + _raw_part(b'Content-Disposition: attachment; filename="' + gbk_word + b'"', DOCX.read_bytes())
           + b"--" + b + b"\r\n" + _raw_part(b'Content-Disposition: attachment; filename="' + "决算.pdf".encode("gbk") + b'"',
                                             PDF.read_bytes())
           + b"--" + b + b"--\r\n")
    path = tmp_path / "foxmail.eml"
    path.write_bytes(raw)
    return path


def test_a_saved_email_is_opened_for_its_report_attachments(tmp_path):
    """Attachments named in RFC 2231 (Python, Outlook), RFC 2047 GBK (Foxmail) and raw GBK bytes: each report is a
    row named `邮件.eml!附件名` with the rows the file gives alone; the body and the signature picture are not."""
    m = _mail()
    m.add_attachment(XLSX.read_bytes(), maintype="application", subtype="octet-stream", filename="自评表.xlsx")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "县财政局.eml").write_bytes(bytes(m))
    _foxmail(docs)
    t = ingest_paths([docs], None, checks=False, cache_dir=False)
    rep = t["reports"].set_index("source_file")
    assert sorted(rep.index) == ["foxmail.eml!决算.pdf", "foxmail.eml!自评报告.docx", "县财政局.eml!自评表.xlsx"]
    # the workbook is the Word file's report in another format: counted once, across the two mails
    assert rep["status"].to_dict() == {"foxmail.eml!决算.pdf": "ok", "foxmail.eml!自评报告.docx": "ok",
                                       "县财政局.eml!自评表.xlsx": "duplicate"}
    alone = ingest_paths([XLSX, DOCX, PDF], None, checks=False, cache_dir=False)
    assert sorted(t["projects"]["project_name"]) == sorted(alone["projects"]["project_name"])
    one = ingest_paths([docs / "县财政局.eml"], None, checks=False, cache_dir=False)
    ind = one["indicators"]
    mine = ind[ind["source_file"] == "县财政局.eml!自评表.xlsx"]
    assert mine["location"].str.startswith("邮件内 自评表.xlsx 工作表“").all() and len(mine) > 5
    assert set(mine["loc_member"]) == {"自评表.xlsx"}


def test_a_forwarded_message_inside_a_mail_is_opened_too(tmp_path):
    """A mail forwarded as an attachment (message/rfc822) holding the report: `外.eml!主题.eml!自评表.xlsx`."""
    inner = _mail("转发：自评材料")
    inner.add_attachment(XLSX.read_bytes(), maintype="application", subtype="vnd.ms-excel", filename="自评表.xlsx")
    outer = _mail("请汇总")
    outer.add_attachment(inner)
    (tmp_path / "外.eml").write_bytes(bytes(outer))
    found = discover([tmp_path / "外.eml"], stage=tmp_path / "stage")
    assert [s.source_file for s in found.sources] == ["外.eml!转发：自评材料.eml!自评表.xlsx"]
    assert found.sources[0].path.read_bytes() == XLSX.read_bytes()


def test_two_attachments_of_one_name_are_two_rows(tmp_path):
    """Two different files both named 自评表.xlsx (two projects' tables sent together): two rows, the second named
    自评表（2）.xlsx, each found again by its name (annotate, inspect)."""
    m = _mail()
    for data in (XLSX.read_bytes(), (FIX / "fixture_xls.xls").read_bytes()):
        m.add_attachment(data, maintype="application", subtype="octet-stream", filename="自评表.xlsx")
    path = tmp_path / "m.eml"
    path.write_bytes(bytes(m))
    found = discover([path], stage=tmp_path / "stage")
    assert [s.source_file for s in found.sources] == ["m.eml!自评表.xlsx", "m.eml!自评表（2）.xlsx"]
    got = find_member(f"{path}!自评表（2）.xlsx", tmp_path / "again", readable, LIMITS)
    assert got.read_bytes() == (FIX / "fixture_xls.xls").read_bytes()
    with pytest.raises(ArchiveProblem, match=r"^邮件 .*m\.eml 中没有 没有\.xlsx；其中的报告文件：.*m\.eml!自评表\.xlsx"):
        find_member(f"{path}!没有.xlsx", tmp_path / "again2", readable, LIMITS)


def test_a_mail_without_reports_or_encrypted_is_one_failed_row(tmp_path):
    """A mail whose only attachment is a picture in its body, and an S/MIME encrypted mail: one failed row each,
    saying which."""
    (tmp_path / "空.eml").write_bytes(bytes(_mail()))
    (tmp_path / "密.eml").write_bytes(b"MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data;"
                                      b" name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIAC\r\n")
    t = ingest_paths([tmp_path], None, checks=False, cache_dir=False)
    rep = t["reports"].set_index("source_file")
    assert rep.loc["空.eml", "status"] == rep.loc["密.eml", "status"] == "failed"
    assert "邮件中没有可读取的报告文件" in rep.loc["空.eml", "error"]
    assert "邮件已加密（S/MIME 或 PGP）" in rep.loc["密.eml", "error"]
    assert set(rep["format"]) == {"eml"}


def test_a_mail_nested_thousands_deep_is_one_failed_row(tmp_path):
    """5,000 multiparts one inside the other (a hostile mail): one failed row saying so, in about a second."""
    body = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(5000))
    body += b"Content-Type: text/plain\r\n\r\nx\r\n" + b"".join(b"--b%d--\r\n" % i for i in reversed(range(5000)))
    (tmp_path / "深.eml").write_bytes(b"MIME-Version: 1.0\r\n" + body)
    found = discover([tmp_path / "深.eml"], stage=tmp_path / "stage")
    assert [(s.source_file, s.problem) for s in found.sources] == [
        ("深.eml", "邮件的结构嵌套过深（疑似恶意构造的文件），无法读取附件")]


def test_an_outlook_msg_is_a_row_saying_how_to_read_it(tmp_path):
    """An Outlook .msg (not read: its reports are attachments) is one failed row telling the analyst to save it as
    .eml, in a folder and given alone — never skipped silently like a file of another type."""
    (tmp_path / "报送.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    for given in ([tmp_path], [tmp_path / "报送.msg"]):
        found = discover(given, stage=tmp_path / "stage")
        assert [(s.source_file, s.fmt) for s in found.sources] == [("报送.msg", "msg")]
        assert "另存为 .eml" in found.sources[0].problem and found.skipped == 0


def test_a_table_pasted_into_a_mail_without_attachments_is_its_report(tmp_path):
    """A mail whose HTML body holds the 自评表 (pasted from Word) and no report attached: the body is read as the page
    `邮件.eml!邮件正文.html`, with the page's projects; a mail with a report attached keeps its body out."""
    page = (FIX / "fixture_html.html").read_bytes().decode("gbk")
    m = _mail(body="见下表")
    m.get_payload()[0].get_payload()[1].get_payload()[0].set_content(page, subtype="html", charset="gbk")
    (tmp_path / "正文.eml").write_bytes(bytes(m))
    t = ingest_paths([tmp_path / "正文.eml"], None, checks=False, cache_dir=False)
    alone = ingest_paths([FIX / "fixture_html.html"], None, checks=False, cache_dir=False)
    assert t["reports"][["source_file", "status"]].values.tolist() == [["正文.eml!邮件正文.html", "ok"]]
    assert t["projects"]["project_name"].tolist() == alone["projects"]["project_name"].tolist()
    m.add_attachment(XLSX.read_bytes(), maintype="application", subtype="octet-stream", filename="自评表.xlsx")
    (tmp_path / "附件.eml").write_bytes(bytes(m))
    found = discover([tmp_path / "附件.eml"], stage=tmp_path / "stage")
    assert [s.source_file for s in found.sources] == ["附件.eml!自评表.xlsx"]
