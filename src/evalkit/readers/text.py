"""Text exports of DOCX/PDF reports (Apache Tika and row-per-line tab exports) into a Document.

Two table flavours occur, often in one file:
(a) one cell per line, each cell line led by a tab, rows separated by blank lines; a line
    without a leading tab right after a cell line continues that cell (a hard break inside it);
(b) one row per line, cells separated by tabs (leading tabs mark empty first cells).
`[bookmark: …]` and `[image: …]` markers carry no content and are dropped.

Encodings (see `decode`): a byte-order mark decides (UTF-8, UTF-16 LE/BE, UTF-32); else strict
UTF-8 (the common case, one decode); else UTF-16 without a BOM (recognized by its NUL bytes);
else GB18030/GBK or Big5, whichever strictly decodes to the more plausible Chinese; else a
nearly-valid text with a few damaged bytes (replaced, with a warning); else charset-normalizer.
Damage is read with a warning (the ledger's `partial`): a few bad bytes, stray NULs or control
characters, half a character cut off at the end. Binary content and too-large files are refused.
"""
from __future__ import annotations

import codecs
import os
import re
import stat
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

from evalkit import limits as _limits
from evalkit.model import Document, LimitExceeded, Paragraph, ReadError, Table
from evalkit.readers.safety import os_reason

MARKER = re.compile(r"\[(?:bookmark|image|link):[^\]]*\]")
CELL_LINE = re.compile(r"^( *)\t([^\t]*)$")   # flavour (a): optional spaces, one tab, the cell
MD_PREFIX = re.compile(r"^\s*#+\s*|\*\*")

# C0 controls and DEL except \t \n \v \f \r (line structure); NUL included
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
BOMS = [  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"), (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
]
CJK_CODECS = ("gb18030", "cp950", "big5hkscs")   # mainland first: it wins ties
CODEC_NAMES = {"utf-8": "UTF-8", "utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE", "utf-32-le": "UTF-32LE",
               "utf-32-be": "UTF-32BE", "gb18030": "GB18030", "cp950": "Big5", "big5hkscs": "Big5-HKSCS"}
PUNCT = set("，。、；：？！（）《》〈〉“”‘’「」『』【】〔〕…—～·．％＋－／＝＜＞　≥≤≧≦×÷±√°℃№￥")
PUNCT |= {chr(c) for c in range(0xFF10, 0xFF1A)} | {chr(c) for c in range(0xFF21, 0xFF3B)}
PUNCT |= {chr(c) for c in range(0xFF41, 0xFF5B)} | {chr(c) for c in range(0x2460, 0x2474)}   # ０-９ Ａ-Ｚ ａ-ｚ ①-⑳
MAX_DAMAGE = 0.02      # share of damaged spots a text may have and still be read (with a warning)
MAX_CONTROL = 0.01     # share of stray control characters above which the content is taken for binary


SIGNATURES = [  # files of other formats renamed to .txt: say what they are
    (b"PK\x03\x04", "ZIP 压缩包（DOCX/XLSX 也是这种格式）", ".docx 或 .xlsx"),
    (b"%PDF-", "PDF 文件", ".pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "旧版 Office 文件（.doc/.xls）", ".doc 或 .xls（.doc 需先另存为 .docx）"),
    (b"\x89PNG\r\n\x1a\n", "PNG 图片", None), (b"\xff\xd8\xff", "JPEG 图片", None),
    (b"GIF8", "GIF 图片", None), (b"{\\rtf", "RTF 文档", None),
]
NOT_TEXT = "，不是文本导出：请确认选对了文件，或从原文档重新导出为 UTF-8 编码的 .txt"


@lru_cache(maxsize=1)
def _common_hanzi() -> frozenset[str]:
    """Frequent Chinese characters of both scripts: GB2312 level 1 (3755, simplified) and the
    Big5 frequent block A440–C67E (5401, traditional), plus common full-width punctuation."""
    out = set(PUNCT)
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                out.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for lead in range(0xA4, 0xC7):
        for trail in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]:
            if (lead, trail) <= (0xC6, 0x7E):
                try:
                    out.add(bytes((lead, trail)).decode("big5"))
                except UnicodeDecodeError:
                    pass
    return frozenset(out)


def _plausibility(text: str) -> float:
    """Share of the non-ASCII characters that are frequent hanzi or common punctuation, 0..1
    (1.0 when there is no non-ASCII character): mojibake from the wrong Chinese codec is mostly
    rare characters, symbols, bopomofo and private-use characters."""
    common = _common_hanzi()
    n = hits = 0
    for ch, k in Counter(text).items():     # per distinct character: a report has a few thousand
        if ch >= "\x80":
            n += k
            hits += k if ch in common else 0
    return hits / n if n else 1.0


def _odd_chars(text: str) -> int:
    """Characters no text export holds: stray controls, unassigned, private-use, surrogates."""
    return sum(k for ch, k in Counter(text).items()
               if CONTROL.match(ch) or (ch >= "\x80" and unicodedata.category(ch) in ("Cn", "Co", "Cs", "Cc")))


def _looks_like_text(text: str) -> bool:
    return _odd_chars(text) <= MAX_CONTROL * len(text)


def _strict(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        return None


def _lenient(raw: bytes, codec: str) -> tuple[int, str]:
    """(damaged spots, text with each replaced by U+FFFD)."""
    text = raw.decode(codec, errors="replace")
    return text.count("\ufffd"), text


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 (or UTF-32) without a BOM, told by where its NUL bytes fall: the high bytes of
    ASCII characters (tabs, digits, line breaks) are NUL. -> the codec, or None."""
    n = len(raw) - len(raw) % 4
    if n and raw[2:n:4].count(0) == raw[3:n:4].count(0) == n // 4:
        return "utf-32-le"
    if n and raw[0:n:4].count(0) == raw[1:n:4].count(0) == n // 4:
        return "utf-32-be"
    n = len(raw) - len(raw) % 2
    even, odd = raw[0:n:2].count(0), raw[1:n:2].count(0)
    if odd > 3 * even and odd * 100 >= n // 2:
        return "utf-16-le"
    if even > 3 * odd and even * 100 >= n // 2:
        return "utf-16-be"
    return None


def _pick_cjk(raw: bytes) -> tuple[float, str, str] | None:
    """GB18030/GBK or Big5: of the codecs that decode the bytes strictly, the one whose text
    is the most plausible Chinese (mainland GB18030 wins ties) -> (plausibility, codec, text)."""
    best = None
    for codec in CJK_CODECS:
        text = _strict(raw, codec)
        if text is None:
            continue
        score = _plausibility(text)
        if best is None or score > best[0] + 0.02:
            best = (score, codec, text)
        if codec == "gb18030" and score > 0.97:
            break                       # clearly mainland text: no need to try Big5
    return best


def _damaged_candidates(raw: bytes) -> list[tuple[float, int, str, str]]:
    """UTF-8, GB18030, Big5 decodes with damaged spots replaced, as (plausibility, damaged spots,
    codec, text), most plausible first (UTF-8, then GB18030, first among ties). Counting spots
    alone misleads: GB18030 swallows broken UTF-8 in byte pairs and reports fewer spots."""
    cands = []
    for codec in ("utf-8", *CJK_CODECS):
        bad, text = _lenient(raw, codec)
        cands.append((_plausibility(text), bad, codec, text))
    return sorted(cands, key=lambda c: -c[0])      # stable: ties keep the codec order


def _pick_damaged(raw: bytes) -> tuple[str, str, int] | None:
    """A text in UTF-8, GB18030 or Big5 with a few damaged bytes: of the codecs whose damage is
    tolerable, the one giving the most plausible text."""
    for _, bad, codec, text in _damaged_candidates(raw):
        if bad <= max(1, MAX_DAMAGE * len(text)):
            return codec, text, bad
    return None


def _charset_normalizer(raw: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes
    try:
        best = from_bytes(raw).best()
        return (best.encoding, str(best)) if best is not None else None
    except Exception:   # a detector bug must not fail the read: the caller reports an unknown encoding
        return None


def _after_bom(body: bytes, codec: str, name: str, warnings: list[str]) -> str:
    """The text after a byte order mark, in its codec: a few damaged characters replaced and said in `warnings`;
    ReadError when it is too damaged or not text."""
    unit = 4 if "32" in codec else 2 if "16" in codec else 1
    if len(body) % unit:
        warnings.append(f"文本（{name}）末尾多出 {len(body) % unit} 个字节，已忽略（文件可能被截断）")
        body = body[:len(body) - len(body) % unit]
    text = _strict(body, codec)
    if text is None:
        bad, text = _lenient(body, codec)
        if bad > max(1, MAX_DAMAGE * len(text)):
            raise ReadError(f"文本文件以 {name} 字节顺序标记（BOM）开头，但有 {bad} 处内容不是有效的 {name}："
                            "文件可能已损坏，请从原文档重新导出")
        warnings.append(f"文本中有 {bad} 处字节不是有效的 {name}，已替换为 �（文件可能已损坏）")
    if not _looks_like_text(text):
        raise ReadError(f"文件以 {name} 字节顺序标记（BOM）开头，但内容多是控制字符或未定义字符，"
                        f"是二进制数据{NOT_TEXT}")
    return text


def decode(raw: bytes) -> tuple[str, list[str]]:
    """Bytes of a text export -> (text, warnings); raise ReadError when they are not text."""
    warnings: list[str] = []
    refusal = None
    for bom, codec, name in BOMS:
        if raw.startswith(bom):
            # FF FE 00 00 is UTF-32 LE's mark and UTF-16 LE's followed by a NUL: the next mark that matches is tried
            try:
                return _clean(_after_bom(raw[len(bom):], codec, name, warnings), warnings)
            except ReadError as e:
                refusal = refusal or e
                warnings.clear()
    if refusal is not None:
        raise refusal
    for magic, what, suffix in SIGNATURES:
        if raw.startswith(magic):
            fix = f"：请把扩展名改为 {suffix} 后重试" if suffix else "，不是报告的文本导出：请确认选对了文件"
            raise ReadError(f"这其实是{' ' if what[0].isascii() else ''}{what}（扩展名却是 .txt）{fix}")
    if b"\x00" not in raw:
        try:
            return _clean(raw.decode("utf-8"), warnings)       # the common case: one decode
        except UnicodeDecodeError as e:
            if e.reason == "unexpected end of data" and e.end == len(raw) and e.start >= len(raw) - 3:
                text = _strict(raw[:e.start], "utf-8")         # a truncated file: half a character at the end
                if text is not None:
                    warnings.append(f"文本末尾有 {len(raw) - e.start} 个字节不成完整的 UTF-8 字符，已忽略（文件可能被截断）")
                    return _clean(text, warnings)
    else:
        codec = _utf16_without_bom(raw)
        if codec:
            name = CODEC_NAMES[codec]
            body = raw[:len(raw) - len(raw) % (4 if "32" in codec else 2)]
            text, bad = _strict(body, codec), 0
            if text is None:
                bad, text = _lenient(body, codec)
            if bad <= max(1, MAX_DAMAGE * len(text)) and _looks_like_text(text):
                if bad:
                    warnings.append(f"文本中有 {bad} 处字节不是有效的 {name}，已替换为 �（文件可能已损坏）")
                if len(body) < len(raw):
                    warnings.append(f"文本（{name}）末尾多出 {len(raw) - len(body)} 个字节，已忽略（文件可能被截断）")
                return _clean(text, warnings)
        nul = raw.count(0)
        if nul * 1000 > len(raw):
            raise ReadError(f"文件含有 {nul} 个 NUL 字节，是二进制数据（也不是 UTF-16 文本）{NOT_TEXT}")
        raw = raw.replace(b"\x00", b"")          # a few stray NULs in a text: damage, not binary
        warnings.append(f"文本中有 {nul} 个 NUL 字节（文件可能已损坏），已删除")
        text = _strict(raw, "utf-8")
        if text is not None:
            return _clean(text, warnings)
    picked = _pick_cjk(raw)
    if picked is not None and _looks_like_text(picked[2]):
        if picked[0] < 0.5:                  # hardly Chinese: Japanese, Korean, Latin-1 …? ask the detector
            detected = _charset_normalizer(raw)
            if detected is not None and _looks_like_text(detected[1]):
                return _clean(detected[1], warnings)
        return _clean(picked[2], warnings)
    damaged = _pick_damaged(raw)
    if damaged is not None and _looks_like_text(damaged[1]):
        codec, text, bad = damaged
        warnings.append(f"文本中有 {bad} 处字节不是有效的 {CODEC_NAMES[codec]}，已替换为 �（文件可能已损坏）")
        return _clean(text, warnings)
    detected = _charset_normalizer(raw)
    if detected is not None and _looks_like_text(detected[1]):
        return _clean(detected[1], warnings)
    _, bad, codec, text = _damaged_candidates(raw)[0]
    if not bad:
        raise ReadError(f"文件内容解码后多是控制字符或未定义字符，是二进制数据{NOT_TEXT}")
    if bad <= 0.2 * len(text) and _looks_like_text(text):
        raise ReadError(f"文本像是 {CODEC_NAMES[codec]} 编码，但有 {bad} 处字节无效（共 {len(text)} 个字符），损坏太多，"
                        "未读取：请从原文档重新导出")
    raise ReadError(f"无法识别文本编码：内容不是 UTF-8、UTF-16、GB18030/GBK 或 Big5 文本（按其中最接近的编码仍有 {bad} 处"
                    f"无效字节），可能是二进制文件{NOT_TEXT}")


def _clean(text: str, warnings: list[str]) -> tuple[str, list[str]]:
    """Drop stray control characters (kept: tab and line breaks); too many mean binary content."""
    text = text.rstrip("\x1a")          # a DOS end-of-file mark (Ctrl-Z) is no damage
    n = len(CONTROL.findall(text))
    if n:
        if n > MAX_CONTROL * len(text):
            raise ReadError(f"文件含有 {n} 个控制字符，是二进制数据{NOT_TEXT}")
        text = CONTROL.sub("", text)
        warnings.append(f"文本中有 {n} 个控制字符（文件可能已损坏），已删除")
    return text, warnings


def parse_text(text: str, source: str = "<text>", first_line: int = 1) -> Document:
    """Split an exported text into paragraphs and tables (see module docstring); cells keep their line
    numbers (the text's first line being `first_line`)."""
    doc = Document(source=source, format="txt")
    rows: list[list[str]] = []       # rows of the table being built
    lines: list[list[int]] = []      # the text line of each of their cells
    row: list[str] = []              # flavour (a) row being built
    row_lines: list[int] = []
    last_kind = None                 # 'cell', 'row', 'blank', 'text'

    def end_row():
        nonlocal row, row_lines
        if row:
            rows.append(row)
            lines.append(row_lines)
            row, row_lines = [], []

    def end_table():
        nonlocal rows, lines
        end_row()
        if rows:
            doc.blocks.append(Table(rows=rows, lines=lines))
            rows, lines = [], []

    for no, raw_line in enumerate(text.splitlines(), first_line):
        line = MARKER.sub("", raw_line.rstrip("\r\n"))
        if raw_line.strip() and not line.strip() and "\t" not in line:
            continue                                  # a line holding only markers
        m = CELL_LINE.match(line)
        if m:
            if m.group(1):                            # ' \t…': the export lost a row break here
                end_row()
            row.append(m.group(2).strip())
            row_lines.append(no)
            last_kind = "cell"
        elif "\t" in line and line.strip():
            end_row()
            cells = [c.strip() for c in line.split("\t")]
            rows.append(cells)
            lines.append([no] * len(cells))
            last_kind = "row"
        elif not line.strip():
            end_row()
            last_kind = "blank"
        else:
            clean = MD_PREFIX.sub("", line).strip()
            if last_kind == "cell" and row:           # a hard line break inside the cell
                row[-1] = f"{row[-1]}\n{clean}" if row[-1] else clean
                continue
            end_table()
            if clean:
                doc.blocks.append(Paragraph(text=clean, line=no))
            last_kind = "text"
    end_table()
    return doc



TAB_ROWS_MIN = 3      # tab-separated paragraphs a document needs for its text to be tried as tables (tab_tables)


def _cells_by_tabs(text: str) -> bool:
    """A paragraph's text is cells separated by tabs: a tab between two words (a tab before the first word alone is
    an indent)."""
    return "\t" in text.strip()


def has_tab_rows(doc: Document) -> bool:
    """Whether a document (not a text export) has paragraphs enough whose text is cells separated by tabs."""
    return sum(1 for b in doc.paragraphs() if _cells_by_tabs(b.text)) >= TAB_ROWS_MIN


def tab_tables(doc: Document) -> Document:
    """The document with each run of paragraphs holding tabs read as a table, a paragraph a row and a tab between
    cells, as a text export's rows are (parse_text): a 自评表 copied from Excel and pasted into Word as plain text
    (只保留文本), or turned into text by Word's 表格转换成文本. Called when the text gives nothing (pictures.
    when_text_gives_nothing); a reading note says so."""
    import dataclasses
    blocks, run, runs, rows = [], [], 0, 0

    def close() -> None:
        nonlocal run, runs, rows
        if sum(_cells_by_tabs(p.text) for p in run) >= 2:        # (a run of indented prose is no table)
            blocks.append(Table(rows=[[c.strip() for c in p.text.split("\t")] for p in run],
                                page=run[0].page))
            runs, rows = runs + 1, rows + len(run)
        else:
            blocks.extend(run)
        run = []

    for b in doc.blocks:
        if isinstance(b, Paragraph) and "\t" in b.text:
            run.append(b)
        else:
            close()
            blocks.append(b)
    close()
    if not runs:
        return doc
    note = (f"文档中有 {rows} 段以制表符分隔的文字（从 Excel 粘贴为纯文本、或 Word“表格转换成文本”的结果），文字中没有"
            f"自评表；已按表格读取（{runs} 张表，每段一行，制表符分隔单元格）")
    return dataclasses.replace(doc, blocks=blocks, notes=doc.notes + [note]).number_tables()


def _size(n: int) -> str:
    return f"{n / 1024 ** 3:.1f} GB" if n >= 1024 ** 3 else f"{n / 1024 ** 2:.1f} MB" if n >= 1024 ** 2 else f"{n} 字节"


def read_text(path: Path) -> Document:
    """Read a .txt export; raise ReadError (LimitExceeded when too large) when it cannot be read."""
    path = Path(path)
    limit = _limits.LIMITS.max_text_bytes
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise ReadError("这是一个文件夹，不是文本文件")
        if not stat.S_ISREG(st.st_mode):
            raise ReadError("不是普通文件（可能是管道或设备文件），不能作为文本读取")
        if st.st_size > limit:
            raise LimitExceeded(f"文本文件过大（{_size(st.st_size)}），超过上限 {_size(limit)}，未读取"
                                "（确属报告时可用环境变量 EVALKIT_LIMIT_MAX_TEXT_BYTES 调高上限）")
        with open(path, "rb") as f:
            raw = f.read(limit + 1)        # the file may grow after the stat
    except OSError as e:
        raise ReadError(f"无法打开文本文件（{os_reason(e)}）") from e
    if len(raw) > limit:
        raise LimitExceeded(f"文本文件过大（超过上限 {_size(limit)}），未读取"
                            "（确属报告时可用环境变量 EVALKIT_LIMIT_MAX_TEXT_BYTES 调高上限）")
    if not raw:
        raise ReadError("文本文件为空（0 字节）")
    text, warnings = decode(raw)
    if not text.strip():
        raise ReadError("文本文件只有空白字符，没有文字")
    doc = parse_text(text, source=str(path))
    if not doc.blocks:
        raise ReadError("文本中没有找到段落或表格（只有书签、图片标记或空行）")
    doc.warnings.extend(warnings)
    return doc
