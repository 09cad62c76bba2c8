"""The lines of a text source file around a project, for tracing a figure back to the document.

A project is found by its stored line (`loc_line`) when it has one, else by its full name matched
exactly (a cell equal to the name beats a line merely containing it), so two projects whose names
share a prefix are never confused. `source_file` is data: nothing outside `raw_dir` is read.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

TEXT_SUFFIXES = (".txt", ".md", ".htm", ".html", ".csv")
_CELL_SPLIT = re.compile(r"[|\t,，]|<[^>]+>")


def _squash(s: str) -> str:
    return "".join(str(s).split())


def find_line(lines: list[str], name: str) -> int | None:
    """Index of the line holding project `name`: a cell equal to it first, else a line containing it."""
    key = _squash(name)
    if not key:
        return None
    contains = [i for i, line in enumerate(lines) if key in _squash(line)]
    for i in contains:
        if any(_squash(c) == key for c in _CELL_SPLIT.split(lines[i])):
            return i
    for i in contains:       # the name alone on its line, or after a label such as 项目名称：
        rest = _squash(lines[i]).replace(key, "", 1)
        if not rest or rest.endswith(("：", ":")):
            return i
    return contains[0] if contains else None


def source_excerpt(raw_dir, source_file, name=None, line=None, context: int = 2, limit: int = 12) -> str:
    """`path，第 n 行：` and the lines around the project (by `line`, 1-based, else by `name`); a
    Chinese sentence saying why not when the file is missing, outside raw_dir or not text."""
    if raw_dir is None:
        return "未设置 raw_dir"
    root = Path(raw_dir).resolve()
    path = (root / str(source_file)).resolve()
    if not path.is_relative_to(root):
        return f"来源文件“{source_file}”不在 {root} 之内，不读取"
    if not path.is_file():
        return f"原始文件不在 {path}"
    if path.suffix.lower() not in TEXT_SUFFIXES:
        return f"原始文件：{path}（{path.suffix} 格式，请用相应软件打开）"
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if line is not None and not pd.isna(line) and 1 <= int(line) <= len(lines):
        i = int(line) - 1
    else:
        i = find_line(lines, "" if name is None or pd.isna(name) else str(name))
        if i is None:
            return f"{path}：未找到“{name}”"
    block = lines[max(0, i - context): i + context + 1][:limit]
    return f"{path}，第 {i + 1} 行：\n" + "\n".join(block)
