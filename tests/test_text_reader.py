"""The text-export reader: both table flavours, markers, in-cell breaks."""
from evalkit.model import Paragraph, Table
from evalkit.readers.text import parse_text, read_text
from conftest import seed


def tables(doc):
    return [b for b in doc.blocks if isinstance(b, Table)]


def test_cell_per_line_rows_split_on_blank_lines():
    doc = parse_text("标题\n\n\t一级指标\n\t二级指标\n\n\t产出指标\n\t数量指标\n\n正文\n")
    assert [type(b) for b in doc.blocks] == [Paragraph, Table, Paragraph]
    assert tables(doc)[0].rows == [["一级指标", "二级指标"], ["产出指标", "数量指标"]]


def test_row_per_line_with_leading_tabs_keeps_empty_cells():
    doc = parse_text("项目名称\t聘请法律顾问\t\n\t年度资金总额\t1\t1\n")
    assert tables(doc)[0].rows == [["项目名称", "聘请法律顾问", ""], ["", "年度资金总额", "1", "1"]]


def test_bookmarks_dropped_and_cell_continuation_joined():
    doc = parse_text("[bookmark: _Toc1]一、概况\n\n\t绩\n效\n\t一级指标\n\n")
    assert doc.blocks[0].text == "一、概况"
    assert tables(doc)[0].rows == [["绩\n效", "一级指标"]]


def test_seed_000_budget_table_read_as_rows():
    doc = read_text(seed("000"))
    budget = next(t for t in tables(doc) if t.rows[0][:2] == ["项目", "行次"])
    assert budget.rows[-1][:3] == ["预算执行率(%)", "(7)=(4)/(2)", "94.75"]


def test_seed_002_space_tab_line_starts_a_new_row():
    doc = read_text(seed("002"))
    t = next(t for t in tables(doc) if t.rows[0][0].startswith("绩"))
    assert t.rows[-2][-1] == "95.62%"          # the satisfaction line ends without a score
    assert t.rows[-1][0] == "总分"


def test_seed_003_flavour_b_rows():
    doc = read_text(seed("003"))
    first = tables(doc)[0]
    assert first.rows[0][:2] == ["项目名称", "退役军人辅助性岗位经费"]
    assert any(r[:2] == ["", "年度资金总额"] for r in first.rows)


# ----------------------------------------------------------------------------- encodings

import codecs  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
from dataclasses import replace  # noqa: E402

import pytest  # noqa: E402

from evalkit import limits  # noqa: E402
from evalkit.model import LimitExceeded, ReadError  # noqa: E402

# A Taiwanese-style report in seed 003's layout (flavour (b) rows, a flavour (a) table, markers),
# in traditional characters Big5 covers (Big5 writes ≥ as ≧).
TRADITIONAL = """[bookmark: _Toc1]一、項目基本情況

（一）項目概況
項目名稱：社區長者關懷服務經費。本項目為轄區內獨居長者提供送餐、陪伴與健康檢查服務，
由社會局統籌，各區公所協助執行，全年經費均已依規定撥付。

# 項目支出績效自評表

（ 2022 年度 ）

項目名稱\t社區長者關懷服務經費\t\t\t\t\t\t
主管部門\t臺北市社會局\t\t\t實施單位\t臺北市社會局各區公所\t\t
項目資金 (萬元)\t\t年初 預算數\t全年 預算數\t全年 執行數\t分值\t執行率\t得分
\t年度資金總額\t5.6\t5.6\t5.18\t10\t92.5%\t9.25
\t其中:當年財政撥款\t5.6\t5.6\t5.18\t－\t\t－
績效指標\t一級 指標\t二級指標\t三級指標\t年度 指標值\t實際 完成值\t分值\t得分
\t產出 指標\t數量指標\t指標 1: 服務人數\t≧1200 人\t=1250 人\t10\t10
\t\t質量指標\t指標 1: 足額發放率\t100%\t100%\t10\t10
\t滿意 度 指標\t服務對象滿意度指標\t指標 1: 服務對象滿意度\t≧95%\t=96%\t10\t10
總分\t\t\t\t\t100\t97.75\t

二、績效目標完成情況

\t一級指標
\t二級指標
\t三級指標

\t產出指標
\t數量指標
\t服務人數達到預期，
長者滿意度較上年提高。

填報單位負責人(簽名): 陳志明
填報日期: 2023.3.1
"""

ALL_SEEDS = ["000", "001", "002", "003", "004"]
BOM_ENCODINGS = {   # name -> how the text becomes bytes
    "utf-8-sig": lambda t: t.encode("utf-8-sig"),
    "utf-16-le+bom": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf-16-be+bom": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "utf-16-le": lambda t: t.encode("utf-16-le"),
    "utf-16-be": lambda t: t.encode("utf-16-be"),
}


def write(tmp_path, raw: bytes, name="x.txt"):
    p = tmp_path / name
    p.write_bytes(raw)
    return p


@pytest.mark.parametrize("prefix", ALL_SEEDS)
@pytest.mark.parametrize("encoding", sorted(BOM_ENCODINGS))
def test_seed_in_utf8_bom_and_utf16_reads_like_utf8(tmp_path, prefix, encoding):
    text = seed(prefix).read_text(encoding="utf-8")
    doc = read_text(write(tmp_path, BOM_ENCODINGS[encoding](text)))
    assert doc.blocks == read_text(seed(prefix)).blocks and not doc.warnings


@pytest.mark.parametrize("prefix, encoding", [
    ("001", "gbk"), ("003", "gbk"), ("004", "gbk"),              # GBK covers these seeds
    ("000", "gb18030"), ("002", "gb18030"), ("003", "gb18030"),  # 000/002 hold NBSP and ⑪–⑬: GB18030 only
])
def test_seed_in_gbk_and_gb18030_reads_like_utf8(tmp_path, prefix, encoding):
    text = seed(prefix).read_text(encoding="utf-8")
    doc = read_text(write(tmp_path, text.encode(encoding)))
    assert doc.blocks == read_text(seed(prefix)).blocks and not doc.warnings


@pytest.mark.parametrize("encoding", ["big5", "cp950", "big5hkscs", "utf-8", "gb18030", "utf-16-le", "utf-16"])
def test_traditional_report_in_big5_reads_like_utf8(tmp_path, encoding):
    expected = read_text(write(tmp_path, TRADITIONAL.encode("utf-8"), "utf8.txt")).blocks
    doc = read_text(write(tmp_path, TRADITIONAL.encode(encoding)))
    assert doc.blocks == expected and not doc.warnings
    assert tables(doc)[0].rows[6][4] == "≧1200 人"


def test_big5_and_gbk_lines_not_confused(tmp_path):
    """Line by line (short texts are the hard case): each GBK line of a seed and each Big5 line of
    the traditional sample reads back as written."""
    from evalkit.readers.text import decode
    lines = [(line, "gbk") for line in seed("003").read_text(encoding="utf-8").splitlines()]
    lines += [(line, "big5") for line in TRADITIONAL.splitlines()]
    for line, enc in lines:
        if sum(ord(c) > 127 for c in line) >= 2:
            assert decode(line.encode(enc))[0] == line, (line, enc)


# ----------------------------------------------------------------------------- errors and damage

def test_empty_file_read_error(tmp_path):
    with pytest.raises(ReadError, match=r"^文本文件为空（0 字节）$"):
        read_text(write(tmp_path, b""))
    with pytest.raises(ReadError, match="只有空白"):
        read_text(write(tmp_path, b" \r\n\t\n"))
    with pytest.raises(ReadError, match="没有找到段落或表格"):
        read_text(write(tmp_path, b"[bookmark: _Toc1]\n\n[image: a.png]\n"))


@pytest.mark.parametrize("raw, words", [
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG 图片"),
    (b"PK\x03\x04" + bytes(200), ".docx 或 .xlsx"),
    (b"%PDF-1.7\n" + bytes(range(256)), "改为 .pdf"),
    (bytes(range(256)) * 8, "NUL 字节"),                      # binary with NULs, not UTF-16
    (bytes(range(1, 256)) * 8, "无法识别文本编码"),            # binary without NULs
    (b"\x01\x02\x03\x04abc", "控制字符"),
])
def test_binary_content_read_error_says_why(tmp_path, raw, words):
    p = write(tmp_path, raw)
    with pytest.raises(ReadError) as e:
        read_text(p)
    assert words in str(e.value) and str(p) not in str(e.value) and p.name not in str(e.value)


def test_too_large_refused_on_stat_before_reading(tmp_path, monkeypatch):
    p = tmp_path / "huge.txt"
    with open(p, "wb") as f:
        f.truncate(12 * 1024 ** 3)               # a 12 GiB sparse file: must not be read
    monkeypatch.setattr("evalkit.readers.text.open", lambda *a, **k: pytest.fail("opened"), raising=False)
    with pytest.raises(LimitExceeded, match=r"文本文件过大（12\.0 GB），超过上限 20\.0 MB.*EVALKIT_LIMIT_MAX_TEXT_BYTES"):
        read_text(p)
    os.remove(p)


def test_text_limit_read_at_call_time(tmp_path, monkeypatch):
    raw = seed("000").read_bytes()
    monkeypatch.setattr(limits, "LIMITS", replace(limits.LIMITS, max_text_bytes=len(raw) - 1))
    with pytest.raises(LimitExceeded, match="超过上限"):
        read_text(seed("000"))
    monkeypatch.setattr(limits, "LIMITS", replace(limits.LIMITS, max_text_bytes=len(raw)))
    assert read_text(seed("000")).blocks


def test_folder_and_missing_file_read_errors(tmp_path):
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(ReadError, match="文件夹"):
        read_text(tmp_path / "dir.txt")
    with pytest.raises(ReadError, match="无法打开文本文件（文件不存在）"):
        read_text(tmp_path / "missing.txt")


@pytest.mark.parametrize("damage, warning", [
    (lambda b: b[:700] + b"\xff" + b[701:], "处字节不是有效的 UTF-8"),       # a byte flipped
    (lambda b: b[:re.search(rb"[\xe4-\xe9]", b[700:]).start() + 701], "末尾有 1 个字节不成完整的 UTF-8 字符"),  # cut
    (lambda b: b[:700] + b"\x00" + b[700:], "1 个 NUL 字节"),                 # a stray NUL
    (lambda b: b[:700] + b"\x07" + b[700:], "1 个控制字符"),
    (lambda b: codecs.BOM_UTF16_LE + b.decode("utf-8").encode("utf-16-le")[:-1], "末尾多出 1 个字节"),
])
def test_damaged_text_still_read_with_a_warning(tmp_path, damage, warning):
    doc = read_text(write(tmp_path, damage(seed("000").read_bytes())))
    if "末尾" not in warning:                       # not cut short: every table is still there
        assert len(tables(doc)) == len(tables(read_text(seed("000"))))
    assert any(warning in w for w in doc.warnings), doc.warnings


def test_dos_end_of_file_mark_is_no_damage(tmp_path):
    doc = read_text(write(tmp_path, seed("000").read_bytes() + b"\x1a"))
    assert doc.blocks == read_text(seed("000")).blocks and not doc.warnings


def test_badly_damaged_text_refused_naming_its_encoding(tmp_path):
    raw = bytearray(seed("000").read_bytes())
    for i in range(100, len(raw), 25):           # one byte in 25 overwritten: too much to read
        raw[i] = 0xFF
    with pytest.raises(ReadError, match=r"^文本像是 UTF-8 编码，但有 \d+ 处字节无效（共 \d+ 个字符），损坏太多，未读取"):
        read_text(write(tmp_path, bytes(raw)))


@pytest.mark.parametrize("text, encoding, name", [
    (TRADITIONAL, "big5", "Big5"), (seed("003").read_text(encoding="utf-8"), "gbk", "GB18030"),
])
def test_damaged_big5_and_gbk_keep_their_encoding(tmp_path, text, encoding, name):
    raw = bytearray(text.encode(encoding))
    raw[len(raw) // 2] = 0xFF                    # never a valid byte in either
    doc = read_text(write(tmp_path, bytes(raw)))
    assert len(doc.warnings) == 1 and re.fullmatch(rf"文本中有 [12] 处字节不是有效的 {name}，已替换为 �（文件可能已损坏）",
                                                   doc.warnings[0])
    assert doc.blocks[0] == parse_text(text).blocks[0]


def test_a_utf16_text_whose_first_character_is_nul_is_not_taken_for_utf32():
    """FF FE 00 00 opens a UTF-32 LE file and a UTF-16 LE one whose first character is NUL (a byte damaged after its
    mark; hypothesis found it): when UTF-32 gives no text, UTF-16 is tried, and the text reads."""
    from conftest import SEEDS
    from evalkit.readers.text import decode
    seed = SEEDS[0].read_text(encoding="utf-8")
    raw = bytearray(seed.encode("utf-16"))
    raw[2:4] = b"\x00\x00"
    text, warnings = decode(bytes(raw))
    assert text.strip() == seed[1:].strip() and warnings == ["文本中有 1 个控制字符（文件可能已损坏），已删除"]
    with pytest.raises(ReadError, match="UTF-32 字节顺序标记"):      # a real UTF-32 mark before garbage still says so
        decode(b"\xff\xfe\x00\x00" + bytes(range(256)) * 4)
