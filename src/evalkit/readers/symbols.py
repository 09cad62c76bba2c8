"""Characters of the symbol fonts Word's 插入符号 draws from (Wingdings, Wingdings 2, Symbol): a form's ticked and
empty boxes (☑优 □良) are glyphs of those fonts, not text; these are the ones a choice list uses, as Unicode.

Word stores such a glyph as `<w:sym w:font="Wingdings 2" w:char="F052"/>` (the code with or without the F000 offset
of the fonts' private-use range); a PDF names the font and gives the code as its text."""
from __future__ import annotations

# font (lower case, without spaces) -> code (0x20–0xFF) -> the character a choice list means by it
GLYPHS: dict[str, dict[int, str]] = {
    "wingdings": {0xFE: "☑", 0xFD: "☒", 0xFC: "✓", 0xA8: "□", 0x6F: "□", 0x71: "□", 0x6E: "■"},
    "wingdings2": {0x52: "☑", 0x53: "☒", 0x54: "☒", 0x55: "☒", 0x50: "✓", 0xA3: "□", 0xA2: "■", 0x2A: "□"},
    "symbol": {0xD6: "√"},
}


_LONGEST_FIRST = sorted(GLYPHS, key=len, reverse=True)      # wingdings2 before wingdings


def _table(font: str) -> dict[int, str] | None:
    """The glyph table of a font name as Word (`Wingdings 2`) or a PDF (`ABCDEF+Wingdings2-Regular`) gives it."""
    name = "".join(font.rsplit("+", 1)[-1].lower().split())
    return next((GLYPHS[k] for k in _LONGEST_FIRST if name.startswith(k)), None)


def glyph(font: str | None, code: int | str | None) -> str:
    """The character a symbol font's glyph stands for in a choice list; '' for any other glyph (a decoration).
    `code`: w:char's hex digits, or the glyph's code point (0x52, or U+F052 in the fonts' private-use range)."""
    if not font or code is None:
        return ""
    try:
        n = int(code, 16) if isinstance(code, str) else int(code)
    except ValueError:
        return ""
    table = _table(font)
    return "" if table is None else table.get(n & 0xFF if 0xF000 <= n <= 0xF0FF or n <= 0xFF else -1, "")


def pdf_glyphs(chars: list[dict]) -> int:
    """Give a PDF's symbol-font characters (text 'R' or U+F052 in font Wingdings2) the character they draw (☑), in
    place; the number changed."""
    changed = 0
    for c in chars:
        text, font = c.get("text", ""), c.get("fontname") or ""
        if len(text) == 1 and ("ding" in font.lower() or "symbol" in font.lower()):
            g = glyph(font, ord(text))
            if g and g != text:
                c["text"] = g
                changed += 1
    return changed
