"""`make lab`: the user's own copies of the packaged notebooks, set to the project's kernel and
pointed at the data, so JupyterLab never edits the notebooks `evalkit report` runs.

    python -m evalkit.lab --dest notebooks --clean data/clean --raw data/raw [--kernel evalkit]

A copy that already exists is left alone (it may hold the analyst's work).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

KERNEL = "evalkit"           # the kernelspec `make lab` installs into the venv (ipykernel install --sys-prefix)


def _set_parameter(source: str, name: str, value) -> str:
    """The parameters cell with `name = …` given `value` (its comment kept)."""
    pat = re.compile(rf"^({re.escape(name)}\s*=\s*)([^#\n]*?)(\s*#.*)?$", re.M)
    return pat.sub(lambda m: f"{m.group(1)}{value!r}{m.group(3) or ''}", source, count=1)


def copy_notebooks(dest: str | Path, clean_dir: str | Path, raw_dir: str | Path | None = None,
                   kernel: str = KERNEL, src: str | Path | None = None) -> list[Path]:
    """Copy each packaged notebook missing from `dest`: kernel `kernel`, clean_dir/raw_dir relative to
    `dest`. Returns the copies written (existing ones are never overwritten)."""
    import nbformat

    from evalkit.report.runner import find_notebooks_dir
    src_dir = Path(src) if src else find_notebooks_dir()
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    paths = {"clean_dir": clean_dir, "raw_dir": raw_dir}
    written = []
    for nb_path in sorted(src_dir.glob("*.ipynb")):
        out = dest / nb_path.name
        if out.exists():
            continue
        nb = nbformat.read(nb_path, as_version=4)
        nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
        for cell in nb.cells:
            if "parameters" in cell.metadata.get("tags", []):
                for name, value in paths.items():
                    if value is not None:
                        value = os.path.relpath(Path(value).resolve(), dest.resolve())
                    cell.source = _set_parameter(cell.source, name, value)
        with open(out, "x", encoding="utf-8") as f:       # "x": never replace a copy made meanwhile
            nbformat.write(nb, f)
        written.append(out)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="复制报告笔记本到个人目录，供 JupyterLab 使用（make lab）")
    ap.add_argument("--dest", default="notebooks", help="副本目录（默认 notebooks）")
    ap.add_argument("--clean", default="data/clean", help="清洗数据目录（evalkit ingest --out）")
    ap.add_argument("--raw", default="data/raw", help="原始文件目录（追溯原文用）")
    ap.add_argument("--kernel", default=KERNEL, help=f"内核名（默认 {KERNEL}）")
    a = ap.parse_args(argv)
    raw = a.raw if a.raw and Path(a.raw).is_dir() else None
    written = copy_notebooks(a.dest, a.clean, raw, a.kernel)
    for p in written:
        print(f"已复制 {p}")
    kept = len(list(Path(a.dest).glob("*.ipynb"))) - len(written)
    if kept:
        print(f"{a.dest} 中已有 {kept} 个笔记本副本，保留不动（要取回原版，删除副本后重新运行 make lab）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
