"""Saved e-mails (.eml, Outlook's .msg): opened like an archive for their report attachments, whatever way the
sender's client wrote the names (RFC 2231, RFC 2047 in GBK, raw GBK bytes, Outlook's Unicode or code-page strings);
the body and its pictures are not reports; a forwarded message inside is opened too; the same name twice is made
unique; an encrypted or damaged mail is one failed row."""
from __future__ import annotations

import base64
from email.message import EmailMessage

import pandas as pd
import pytest

from conftest import ROOT
from outlookmsg import Attachment, Message, looped, write_msg, write_tnef
from evalkit.archives import find_member, readable
from evalkit.members import ArchiveProblem
from evalkit.discover import discover
from evalkit.ingest import ingest_paths
from evalkit.limits import LIMITS
from evalkit.readers.office import find_soffice

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


def _two_of_one_name_found_again(path, tmp_path):
    """`path` (a mail whose attachments are XLSX then XLS, both named 自评表.xlsx) gives two rows, the second named
    自评表（2）.xlsx and found again by that name with its own bytes."""
    found = discover([path], stage=tmp_path / "stage")
    assert [s.source_file for s in found.sources] == [f"{path.name}!自评表.xlsx", f"{path.name}!自评表（2）.xlsx"]
    got = find_member(f"{path}!自评表（2）.xlsx", tmp_path / "again", readable, LIMITS)
    assert got.read_bytes() == (FIX / "fixture_xls.xls").read_bytes()


def test_two_attachments_of_one_name_are_two_rows(tmp_path):
    """Two different files both named 自评表.xlsx (two projects' tables sent together): two rows, the second named
    自评表（2）.xlsx, each found again by its name (annotate, inspect)."""
    m = _mail()
    for data in (XLSX.read_bytes(), (FIX / "fixture_xls.xls").read_bytes()):
        m.add_attachment(data, maintype="application", subtype="octet-stream", filename="自评表.xlsx")
    path = tmp_path / "m.eml"
    path.write_bytes(bytes(m))
    _two_of_one_name_found_again(path, tmp_path)
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


def _outlook(subject="自评材料", **kw) -> Message:
    """An Outlook mail with a signature picture its HTML body shows (by Content-ID) and one hidden."""
    pics = [Attachment("image001.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png", content_id="image001.png@01DB"),
            Attachment("logo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg", hidden=True)]
    return Message(subject=subject, html=b"<p>\xc7\xeb\xb2\xe9\xca\xd5</p><img src='cid:image001.png@01DB'>",
                   attachments=pics + kw.pop("attachments", []), **kw)


def test_an_outlook_msg_is_opened_for_its_report_attachments(tmp_path):
    """A mail saved from Outlook (.msg) is opened as a .eml is: each report attachment a row `邮件.msg!附件名` with the
    rows the file gives alone, placed 邮件内; the signature pictures the body shows are not reports."""
    docs = tmp_path / "docs"
    docs.mkdir()
    msg = _outlook(attachments=[Attachment("自评报告.docx", DOCX.read_bytes()), Attachment("决算.pdf", PDF.read_bytes())])
    (docs / "县财政局报送.msg").write_bytes(write_msg(msg))
    t = ingest_paths([docs], None, checks=False, cache_dir=False)
    rep = t["reports"].set_index("source_file")
    assert rep["status"].to_dict() == {"县财政局报送.msg!自评报告.docx": "ok", "县财政局报送.msg!决算.pdf": "ok"}
    assert set(rep["format"]) == {"docx", "pdf"}
    alone = ingest_paths([DOCX, PDF], None, checks=False, cache_dir=False)
    for table in ("projects", "indicators"):
        same = [c for c in alone[table] if not c.endswith("_id") and not c.startswith(("source_", "loc", "repeated"))]
        ours, theirs = (x[table][same].sort_values(same[:8]).reset_index(drop=True) for x in (t, alone))
        pd.testing.assert_frame_equal(ours, theirs, obj=table)
    ind = t["indicators"]
    mine = ind[ind["source_file"] == "县财政局报送.msg!自评报告.docx"]
    assert len(mine) > 5 and mine["location"].str.startswith("邮件内 自评报告.docx").all()


def test_an_item_attached_to_an_outlook_mail_is_opened_as_a_nested_mail(tmp_path):
    """A mail attached as an Outlook item (ATTACH_EMBEDDED_MSG, how Outlook forwards 作为附件), with a mail inside it
    too: `外.msg!转发：自评材料.msg!自评表.xlsx`, the bytes as sent."""
    innermost = Message(subject="原件", attachments=[Attachment("附表.xls", (FIX / "fixture_xls.xls").read_bytes())])
    inner = _outlook("转发：自评材料", attachments=[Attachment("自评表.xlsx", XLSX.read_bytes()),
                                                 Attachment("原件", message=innermost)])
    (tmp_path / "外.msg").write_bytes(write_msg(_outlook("请汇总", attachments=[Attachment("转发", message=inner)])))
    found = discover([tmp_path / "外.msg"], stage=tmp_path / "stage")
    got = {s.source_file: s.path.read_bytes() for s in found.sources}
    assert got == {"外.msg!转发：自评材料.msg!自评表.xlsx": XLSX.read_bytes(),
                   "外.msg!转发：自评材料.msg!原件.msg!附表.xls": (FIX / "fixture_xls.xls").read_bytes()}


def test_files_inserted_into_an_rtf_outlook_mail_as_objects_are_its_attachments(tmp_path):
    """An Outlook RTF mail keeps a file inserted into its text as an OLE object (ATTACH_OLE), not as a file: a packed
    Word document under its own name, Acrobat's PDF object under the attachment's name, each found and read as the
    file; an equation object is no attachment."""
    from test_attached import ole10native
    streams = {"\x01Ole10Native": ole10native("大厂县自评报告.docx", DOCX.read_bytes())}
    msg = _outlook(attachments=[Attachment("图片", ole=streams), Attachment("决算", ole={"CONTENTS": PDF.read_bytes()}),
                                Attachment("公式", ole={"Equation Native": bytes(64)})])
    (tmp_path / "报送.msg").write_bytes(write_msg(msg))
    found = discover([tmp_path / "报送.msg"], stage=tmp_path / "stage")
    got = {s.source_file: s.path.read_bytes() for s in found.sources}
    assert got == {"报送.msg!大厂县自评报告.docx": DOCX.read_bytes(), "报送.msg!决算.pdf": PDF.read_bytes()}
    t = ingest_paths([tmp_path / "报送.msg"], None, checks=False, cache_dir=False)
    assert t["reports"].set_index("source_file")["status"].to_dict() == {
        "报送.msg!大厂县自评报告.docx": "ok", "报送.msg!决算.pdf": "ok"}
    assert len(t["projects"]) == len(ingest_paths([DOCX, PDF], None, checks=False, cache_dir=False)["projects"])


def test_inspect_on_a_saved_mail_calls_it_a_mail_and_lists_its_reports(tmp_path):
    """`evalkit inspect 邮件.msg` names the mail a mail (before: 是压缩包) and shows how to name an attachment."""
    from conftest import run_cli
    path = tmp_path / "报送.msg"
    path.write_bytes(write_msg(_outlook(attachments=[Attachment("自评表.xlsx", XLSX.read_bytes())])))
    r = run_cli("inspect", str(path))
    assert r.returncode == 2 and f"{path} 是邮件，其中的报告文件：{path}!自评表.xlsx" in r.stderr
    assert "'邮件.eml!附件名'" in r.stderr
    r = run_cli("inspect", f"{path}!自评表.xlsx")
    assert r.returncode == 0 and "项目名称" in r.stdout


def test_outlook_names_in_the_code_page_and_twice_the_same_are_read(tmp_path):
    """A mail from Outlook 2002 or a non-Unicode PST: names as 8-bit GBK strings (code page 936) read as written;
    two attachments of one name are two rows, found again by name."""
    msg = Message(subject="自评", ansi=True, attachments=[Attachment("自评表.xlsx", XLSX.read_bytes()),
                                                        Attachment("自评表.xlsx", (FIX / "fixture_xls.xls").read_bytes())])
    path = tmp_path / "旧版.msg"
    path.write_bytes(write_msg(msg))
    _two_of_one_name_found_again(path, tmp_path)


def test_a_table_pasted_into_an_outlook_mail_is_its_report(tmp_path):
    """An Outlook mail whose HTML body (PidTagHtml, in the mail's code page) holds the 自评表 and no report is
    attached: read as the page `邮件.msg!邮件正文.html`, with the page's projects."""
    page = (FIX / "fixture_html.html").read_bytes()
    (tmp_path / "正文.msg").write_bytes(write_msg(Message(subject="见下表", html=page)))
    t = ingest_paths([tmp_path / "正文.msg"], None, checks=False, cache_dir=False)
    alone = ingest_paths([FIX / "fixture_html.html"], None, checks=False, cache_dir=False)
    assert t["reports"][["source_file", "status"]].values.tolist() == [["正文.msg!邮件正文.html", "ok"]]
    assert t["projects"]["project_name"].tolist() == alone["projects"]["project_name"].tolist()


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice 不可用（make setup 安装）")
def test_a_table_in_an_outlook_mails_rtf_body_is_its_report(tmp_path):
    """A mail whose body Outlook keeps as compressed RTF only (an RTF mail; many HTML ones too), holding the
    自评表, nothing attached: read as `邮件.msg!邮件正文.rtf` (through LibreOffice, as an .rtf), with the projects the
    .rtf gives alone; in an attached item too. A body without a table, or beside an attached report, is not read."""
    rtf = (FIX / "office" / "fixture_rtf.rtf").read_bytes()
    (tmp_path / "正文.msg").write_bytes(write_msg(Message(subject="见下表", rtf=rtf)))
    inner = Message(subject="原件", rtf=rtf)
    (tmp_path / "转发.msg").write_bytes(write_msg(Message(attachments=[Attachment("原件", message=inner)])))
    (tmp_path / "附件.msg").write_bytes(write_msg(Message(rtf=rtf, attachments=[Attachment("表.xlsx", XLSX.read_bytes())])))
    (tmp_path / "文字.msg").write_bytes(write_msg(Message(rtf=b"{\\rtf1\\ansi \\par \\u35831?\\u26597?}")))
    t = ingest_paths([tmp_path], None, checks=False, cache_dir=False, keep_format_copies=True)
    rep = t["reports"].set_index("source_file")
    assert rep["status"].to_dict() == {"正文.msg!邮件正文.rtf": "ok", "转发.msg!原件.msg!邮件正文.rtf": "duplicate",
                                       "附件.msg!表.xlsx": "ok", "文字.msg": "failed"}     # the same RTF twice: once
    assert "邮件中没有可读取的报告文件" in rep.loc["文字.msg", "error"]
    alone = ingest_paths([FIX / "office" / "fixture_rtf.rtf"], None, checks=False, cache_dir=False)
    got = t["projects"][t["projects"]["source_file"] == "正文.msg!邮件正文.rtf"]
    assert got["project_name"].tolist() == alone["projects"]["project_name"].tolist() and len(got) == 2
    assert got["total_score"].tolist() == alone["projects"]["total_score"].tolist()


def test_a_signed_outlook_mail_is_read_and_an_encrypted_one_is_a_failed_row(tmp_path):
    """S/MIME in Outlook: a signed mail keeps its MIME entity (the attachments) as its one attachment, read; an
    encrypted one cannot be, one failed row saying so."""
    signed = EmailMessage()
    signed["Subject"] = "签名邮件"
    signed.set_content("见附件")
    signed.add_attachment(XLSX.read_bytes(), maintype="application", subtype="octet-stream", filename="自评表.xlsx")
    entity = (b'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary="s"\r\n\r\n'
              b"--s\r\n" + bytes(signed).split(b"\n", 1)[1] + b"\r\n--s\r\nContent-Type: application/pkcs7-signature;"
              b" name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\r\n--s--\r\n")
    (tmp_path / "签名.msg").write_bytes(write_msg(Message(
        subject="签名邮件", message_class="IPM.Note.SMIME.MultipartSigned",
        attachments=[Attachment("smime.p7m", entity, "multipart/signed")])))
    (tmp_path / "加密.msg").write_bytes(write_msg(Message(
        subject="加密邮件", message_class="IPM.Note.SMIME",
        attachments=[Attachment("smime.p7m", b"0\x80\x06\t*\x86H\x86\xf7\r\x01\x07\x03", "application/pkcs7-mime")])))
    t = ingest_paths([tmp_path], None, checks=False, cache_dir=False)
    rep = t["reports"].set_index("source_file")
    assert rep.loc["签名.msg!自评表.xlsx", "status"] == "ok"
    assert rep.loc["加密.msg", "status"] == "failed" and "邮件已加密（S/MIME 或 PGP）" in rep.loc["加密.msg", "error"]


def test_a_damaged_or_misnamed_msg_is_one_failed_row_saying_which(tmp_path):
    """A .msg cut short, a Word 97 file and a text file named .msg: one failed row each, in a folder or given alone,
    never skipped; a mail saved as text under .msg (a MIME message) is read as the mail it is."""
    whole = write_msg(_outlook(attachments=[Attachment("自评表.xlsx", XLSX.read_bytes())]))
    (tmp_path / "截断.msg").write_bytes(whole[:3000])
    (tmp_path / "头.msg").write_bytes(whole[:600])      # under olefile's least size: its bytes were a file name
    (tmp_path / "文档.msg").write_bytes((FIX / "office" / "fixture_doc.doc").read_bytes())
    (tmp_path / "乱码.msg").write_bytes(b"\x00\x01garbage" * 40)
    m = _mail()
    m.add_attachment(XLSX.read_bytes(), maintype="application", subtype="octet-stream", filename="自评表.xlsx")
    (tmp_path / "文本.msg").write_bytes(bytes(m))
    for given in ([tmp_path], sorted(tmp_path.iterdir())):
        found = discover(given, stage=tmp_path / "stage")
        said = {s.source_file: s.problem for s in found.sources}
        assert set(said) == {"截断.msg", "头.msg", "文档.msg", "乱码.msg", "文本.msg!自评表.xlsx"} and found.skipped == 0
        assert "Outlook 邮件文件已损坏或不完整" in said["截断.msg"] and "Outlook 邮件文件已损坏或不完整" in said["头.msg"]
        assert "OLE sector" in said["头.msg"]      # the parser read it (before: taken for a file name, ValueError)
        assert "不是 Outlook 邮件（没有邮件类型）" in said["文档.msg"]
        assert "不是 Outlook 邮件格式" in said["乱码.msg"]
        assert said["文本.msg!自评表.xlsx"] is None


def test_an_outlook_mail_whose_attachment_loops_is_refused_without_inflating_it(tmp_path):
    """A hostile .msg: its attachment says it is 1 GB and its sectors lead back to their start. The compound-file
    library would read the loop until it had the declared size; evalkit refuses it, one failed row."""
    whole = write_msg(_outlook(attachments=[Attachment("自评表.xlsx", XLSX.read_bytes())]))
    (tmp_path / "环.msg").write_bytes(looped(whole, "__substg1.0_37010102", 2**30))
    found = discover([tmp_path / "环.msg"], stage=tmp_path / "stage")
    assert [(s.source_file, s.problem) for s in found.sources] == [
        ("环.msg", "Outlook 邮件文件内部的长度有误（疑似损坏或恶意构造的文件），无法读取附件")]


def test_outlooks_winmail_dat_in_a_mail_or_saved_alone_gives_the_attachments_it_holds(tmp_path):
    """An RTF mail from Outlook reaches Foxmail or web mail with one attachment, winmail.dat (TNEF), holding the
    reports: read as the mail's own attachments (`邮件.eml!自评表.xlsx`), and a winmail.dat saved out of the mail as
    an archive (`winmail.dat!自评表.xlsx`); names from the long-name property, else the title in the code page."""
    xls = (FIX / "fixture_xls.xls").read_bytes()
    m = _mail()
    m.add_attachment(write_tnef([("自评表.xlsx", XLSX.read_bytes()), ("自评报告.docx", DOCX.read_bytes())]),
                     maintype="application", subtype="ms-tnef", filename="winmail.dat")
    (tmp_path / "转来.eml").write_bytes(bytes(m))
    (tmp_path / "winmail.dat").write_bytes(write_tnef([("附表.xls", xls)], long_names=False))
    (tmp_path / "winmail (2).dat").write_bytes(write_tnef([("附表.xls", xls)])[:500])
    found = discover([tmp_path], stage=tmp_path / "stage")
    got = {s.source_file: (s.path.read_bytes() if s.path and s.problem is None else s.problem) for s in found.sources}
    assert got["转来.eml!自评表.xlsx"] == XLSX.read_bytes() and got["转来.eml!自评报告.docx"] == DOCX.read_bytes()
    assert got["winmail.dat!附表.xls"] == xls
    assert got["winmail (2).dat"].startswith("winmail.dat 不是有效的 Outlook 附件包（TNEF），可能已损坏或不完整")
    assert len(got) == 4 and found.skipped == 0
    t = ingest_paths([tmp_path / "转来.eml"], None, checks=False, cache_dir=False)
    mine = t["indicators"][t["indicators"]["source_file"] == "转来.eml!自评报告.docx"]
    assert len(mine) > 5 and mine["location"].str.startswith("邮件内 自评报告.docx").all()


def test_a_table_in_the_rtf_body_a_winmail_dat_holds_is_its_report(tmp_path):
    """An RTF mail from Outlook with the 自评表 pasted into its body and nothing attached reaches Foxmail as a plain
    text part and winmail.dat, whose message properties hold the compressed RTF body: read as
    `邮件.eml!邮件正文.rtf` (through LibreOffice), the projects the .rtf gives alone; the same for a winmail.dat saved
    out of the mail. With a report attached, the body is not read."""
    rtf = (FIX / "office" / "fixture_rtf.rtf").read_bytes()
    m = _mail()
    m.add_attachment(write_tnef([], rtf=rtf), maintype="application", subtype="ms-tnef", filename="winmail.dat")
    (tmp_path / "正文.eml").write_bytes(bytes(m))
    (tmp_path / "winmail.dat").write_bytes(write_tnef([("名片.vcf", b"BEGIN:VCARD\r\nEND:VCARD\r\n")], rtf=rtf))
    m = _mail()
    m.add_attachment(write_tnef([("自评表.xlsx", XLSX.read_bytes())], rtf=rtf), maintype="application",
                     subtype="ms-tnef", filename="winmail.dat")
    (tmp_path / "附件.eml").write_bytes(bytes(m))
    t = ingest_paths([tmp_path], None, checks=False, cache_dir=False, keep_format_copies=True)
    rep = t["reports"].set_index("source_file")
    assert rep["status"].to_dict() == {"winmail.dat!邮件正文.rtf": "ok", "正文.eml!邮件正文.rtf": "duplicate",
                                       "附件.eml!自评表.xlsx": "ok"}          # the same RTF twice: counted once
    alone = ingest_paths([FIX / "office" / "fixture_rtf.rtf"], None, checks=False, cache_dir=False)
    got = t["projects"][t["projects"]["source_file"] == "winmail.dat!邮件正文.rtf"]
    assert got["project_name"].tolist() == alone["projects"]["project_name"].tolist() and len(got) == 2
    assert got["total_score"].tolist() == alone["projects"]["total_score"].tolist()


def test_a_mail_whose_files_were_sent_as_download_links_says_so(tmp_path):
    """QQ 邮箱 or 网易邮箱 send a file over their size limit as 超大附件: a link in the body, the file on their server. The
    mail's row says so and how to get the file (before: 邮件中没有可读取的报告文件, as if nothing had been sent); a
    mail that also attaches a report is read as usual."""
    def qq(attach: bool) -> bytes:
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "县财政局 <10001@qq.com>", "绩效科 <jxk@example.cn>", "自评材料"
        m.set_content("从QQ邮箱发来的超大附件\n\n自评材料.zip (35.20M, 2024年03月01日 12:00 到期)\n"
                      "进入下载页面：https://mail.qq.com/cgi-bin/ftnExs_download?k=0f3a&t=exs_ftn_download", charset="gbk")
        m.add_alternative("<div>从QQ邮箱发来的超大附件</div><a href='https://mail.qq.com/cgi-bin/ftnExs_download?k=0f3a'>"
                          "自评材料.zip</a>", subtype="html", charset="gbk")
        if attach:
            m.add_attachment(XLSX.read_bytes(), maintype="application", subtype="octet-stream", filename="自评表.xlsx")
        return bytes(m)
    (tmp_path / "超大附件.eml").write_bytes(qq(False))
    (tmp_path / "两者都有.eml").write_bytes(qq(True))
    found = discover([tmp_path], stage=tmp_path / "stage")
    got = {s.source_file: s.problem for s in found.sources}
    assert got == {"两者都有.eml!自评表.xlsx": None, "超大附件.eml": LARGE}


LARGE = ("邮件中的附件是超大附件（邮箱服务商的下载链接，文件不在邮件里），无法从邮件读取；"
         "请在邮箱中打开这封邮件，从链接下载附件（链接通常有有效期），再导入下载的文件")


def test_a_mail_giving_a_netdisk_share_instead_of_files_says_so(tmp_path):
    """A mail whose body gives a 百度网盘 share (链接 and 提取码) and attaches nothing, saved as .eml or from Outlook
    as .msg: its row names the share and says how to get the files (not 邮件中没有可读取的报告文件); the share is
    never fetched. An Outlook mail that says 超大附件 says so as a .eml does."""
    m = EmailMessage()
    m["From"], m["Subject"] = "县财政局 <czj@example.cn>", "2023年度绩效自评材料"
    m.set_content("各位好，材料较大，已放网盘：\n链接：https://pan.baidu.com/s/1AbCdEfGh 提取码：x7k2\n--来自百度网盘超级会员的分享",
                  charset="gbk")
    (tmp_path / "网盘.eml").write_bytes(bytes(m))
    (tmp_path / "网盘.msg").write_bytes(write_msg(Message(body="链接：https://pan.baidu.com/s/1AbCdEfGh 提取码：x7k2")))
    (tmp_path / "超大.msg").write_bytes(write_msg(Message(body="从QQ邮箱发来的超大附件\n自评材料.zip (35.20M)")))
    found = discover([tmp_path], stage=tmp_path / "stage")
    share = ("邮件中没有附件，只有网盘分享链接（“百度网盘链接 https://pan.baidu.com/s/1AbCdEfGh”），文件不在邮件里，无法从邮件读取；"
             "请打开链接下载文件（注意提取码和有效期），再导入下载的文件")
    assert {s.source_file: s.problem for s in found.sources} == {"网盘.eml": share, "网盘.msg": share,
                                                                  "超大.msg": LARGE}


def test_an_outlook_mail_whose_attachments_are_cloud_links_says_so(tmp_path):
    """Outlook sends a file as a cloud attachment (OneDrive, SharePoint: a link, ATTACH_BY_WEB_REFERENCE): the .msg
    holds no file; its row names each and says how to get them (not 邮件中没有可读取的报告文件); the link is never
    fetched. A mail that also attaches a report is read as usual, a signature picture aside."""
    url = "https://contoso-my.sharepoint.com/personal/czj/Documents/2023年项目支出绩效自评表.xlsx"
    cloud = Attachment("2023年项目支出绩效自评表.xlsx", url=url)
    logo = Attachment("image001.png", b"\x89PNG\r\n\x1a\n" + bytes(40), mime="image/png", content_id="logo")
    (tmp_path / "云附件.msg").write_bytes(write_msg(Message(attachments=[cloud, logo])))
    (tmp_path / "两者都有.msg").write_bytes(write_msg(Message(attachments=[cloud, Attachment("自评表.xlsx", XLSX.read_bytes())])))
    found = discover([tmp_path], stage=tmp_path / "stage")
    assert {s.source_file: s.problem for s in found.sources} == {
        "两者都有.msg!自评表.xlsx": None,
        "云附件.msg": f"邮件中的附件是云附件或共享位置上文件的链接（“2023年项目支出绩效自评表.xlsx” {url}），文件不在邮件里，"
                    "无法从邮件读取；请打开链接下载文件（或向发件人索取），再导入下载的文件"}


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
