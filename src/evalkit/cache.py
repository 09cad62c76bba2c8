"""The parse cache: what one file's content gave, keyed by its SHA-256, its format and the version
of evalkit's reading code, so an unchanged re-run parses nothing and a changed file is parsed alone.

    <cache>/<parser version>/<sha[:2]>/<sha>-<format>.pkl      one FileResult each

The parser version is a hash of the reading code (readers, recognition, normalization, ingest) and
of the run's limits, so changing any of them invalidates the cache by itself; folders of other
versions are removed when a run writes. Entries are written atomically; an unreadable entry is a
miss. Only results the parser itself returned are stored, never a time-out or a crashed worker
(those depend on the machine's load, not on the file).
"""
from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile
from dataclasses import astuple
from pathlib import Path

# the modules whose code decides what a file reads to (relative to the package folder)
READING_CODE = ("readers", "recognize", "normalize.py", "grades.py", "schema.py", "ingest.py",
                "model.py", "errors.py", "geo.py", "archives.py", "tables.py", "tnef.py")


def parser_version(limits) -> str:
    """A hash of the reading code, the limits and the optional tools this machine has (16 hex digits)."""
    return code_hash(READING_CODE, repr(astuple(limits)).encode() + tools())


def tools() -> bytes:
    """Which optional readers this machine has. A .doc read without LibreOffice, a .ppt without its Impress part, or
    a scan without the OCR, is a failed row telling the user to install it: once installed, the file must be read again, not
    taken from the cache (which kept that failure until --rebuild)."""
    from importlib.util import find_spec

    from evalkit.readers.office import find_soffice, has_impress
    from evalkit.readers.xps import find_xpstopdf
    soffice = find_soffice()
    have = {"soffice": soffice is not None, "impress": soffice is not None and has_impress(soffice),
            "xpstopdf": find_xpstopdf() is not None,
            "ocr": all(find_spec(m) is not None for m in ("rapidocr_onnxruntime", "cv2"))}
    return repr(sorted(have.items())).encode()


def code_hash(names, seed: bytes = b"") -> str:
    """16 hex digits of `seed` and the source of these modules/packages of evalkit (paths and bytes)."""
    pkg = Path(__file__).resolve().parent
    h = hashlib.sha256(seed)
    for name in names:
        p = pkg / name
        for f in sorted(p.rglob("*.py")) if p.is_dir() else [p]:
            h.update(f.relative_to(pkg).as_posix().encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


class ParseCache:
    """Get and put FileResults for (sha256, format) under one parser version."""

    def __init__(self, folder: str | Path, version: str):
        self.root = Path(folder)
        self.dir = self.root / version
        self.hits = self.misses = 0
        self._pruned = False

    def _path(self, sha: str, fmt: str | None) -> Path:
        return self.dir / sha[:2] / f"{sha}-{fmt or 'none'}.pkl"

    def get(self, sha: str, fmt: str | None, source_file: str):
        """The cached result for this content, relabelled with `source_file`; None on a miss."""
        try:
            with open(self._path(sha, fmt), "rb") as f:
                res = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return relabel(res, source_file)

    def prepare(self) -> None:
        """Prune other versions now (before worker processes start storing results in parallel)."""
        try:
            if not self._pruned:
                self._prune()
        except OSError:
            pass

    def drop(self, sha: str, fmt: str | None) -> None:
        """Forget a stored result (its file changed while it was read)."""
        try:
            self._path(sha, fmt).unlink(missing_ok=True)
        except OSError:
            pass

    def put(self, sha: str, fmt: str | None, result) -> None:
        """Store a result (atomically); a cache that cannot be written is skipped, never an error."""
        try:
            if not self._pruned:
                self._prune()
            p = self._path(sha, fmt)
            p.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, p)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)     # a full disk: no half-written entry left in the cache
                raise
        except OSError:
            pass

    def _prune(self) -> None:
        """Remove the folders of other parser versions (their entries can never be hit again)."""
        self._pruned = True
        if self.root.is_dir():
            for d in self.root.iterdir():
                if d.is_dir() and d.name != self.dir.name and len(d.name) == 16:
                    shutil.rmtree(d, ignore_errors=True)


def relabel(res, source_file: str):
    """The same content found under another name: every row names the new file."""
    old = res.report.get("source_file")
    if old == source_file:
        return res
    res.report["source_file"] = source_file
    from evalkit.results import error_reason, file_error
    err = res.report.get("error")
    why = error_reason(old, err)
    if why != err:                              # the old name led it
        res.report["error"] = file_error(source_file, why)
    for rows in (res.projects, res.indicators, res.summaries):
        for r in rows:
            if "source_file" in r:
                r["source_file"] = source_file
    return res
