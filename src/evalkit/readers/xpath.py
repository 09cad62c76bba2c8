"""XPath expressions compiled once: an element's .xpath() compiles its expression on every call,
which cost the HTML and DOCX readers more than the parse itself."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=64)
def xpath(expr: str, namespaces: tuple[tuple[str, str], ...] = ()):
    """`expr` compiled (lxml.etree.XPath), with (prefix, uri) namespaces; call it on an element."""
    from lxml import etree
    return etree.XPath(expr, namespaces=dict(namespaces) or None)
