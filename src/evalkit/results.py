"""What each file produced (`FileResult`: its ledger row and its rows) and where it waits while the run goes on: parked
on disk in a `Spool` (`Parked`: the ledger row and the keys identity compares, in memory), so memory holds a ledger row
per file whatever the size of the corpus."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def file_error(source_file: str, reason: str) -> str:
    """A ledger row's `error`: the file named first (the terminal's ledger, a log), then why."""
    return f"{source_file}: {reason}"


def error_reason(source_file: str | None, error: str | None) -> str | None:
    """Why, from `error` as file_error wrote it for `source_file` (a row renamed, a list that names the file)."""
    prefix = f"{source_file}: "
    return error[len(prefix):] if error and source_file and error.startswith(prefix) else error


@dataclass
class FileResult:
    """What one input file produced; `report` is its ledger row (status and error)."""
    report: dict
    projects: list[dict]
    indicators: list[dict]
    summaries: list[dict]
    cacheable: bool = False   # what the parser returned (not a time-out or a crash): the same next time


@dataclass
class Parked:
    """A parsed file while the run goes on: its ledger row and identity in memory, its rows on disk.
    The row is kept pickled: one compact object a file rather than dozens scattered over the heap
    among the parse results that came and went (which kept the process growing with the corpus)."""
    packed: bytes         # the ledger row (the FileResult's report), pickled
    key: str | None       # content_key: the same report in another format
    at: int               # offset of the pickled FileResult in the spool
    near: tuple | None = None   # near_key: the same report where OCR misread a character
    version: str | None = None  # versions.version_key: another version of the same report
    projects: tuple = ()        # versions.project_keys: each project's identity and figures
    repeats: dict | None = None  # project index -> the other reports holding that project (set by the run)
    lines: tuple = ()           # versions.line_keys: each project's identity without the year and its lines
    earlier: dict | None = None  # project index -> the earlier year's files with the same lines (set by the run)

    @property
    def report(self) -> dict:
        import pickle
        return pickle.loads(self.packed)


class Spool:
    """FileResults parked in one temp file (pickled one after another) until their batch is built,
    so memory holds a ledger row per file whatever the size of the corpus."""

    def __init__(self, folder: Path | None):
        if folder is not None:
            self.path = Path(folder) / "results.spool"
            self.f = open(self.path, "w+b")

    @classmethod
    def reader(cls, f) -> "Spool":
        """The spool as another process sees it: `load` only, from an open file."""
        sp = cls(None)
        sp.f = f
        return sp

    def park(self, r: FileResult) -> Parked:
        import pickle
        self.f.seek(0, os.SEEK_END)
        at = self.f.tell()
        pickle.dump(r, self.f, protocol=pickle.HIGHEST_PROTOCOL)
        from evalkit.identity import content_key, near_key
        from evalkit.versions import line_keys, project_keys, version_key
        return Parked(pickle.dumps(r.report, protocol=pickle.HIGHEST_PROTOCOL), content_key(r), at, near_key(r),
                      version_key(r), project_keys(r), lines=line_keys(r))

    def load(self, r: Parked | FileResult) -> FileResult:
        """The whole FileResult of a parked file (a duplicate's or failed file's row is already whole)."""
        import pickle
        if not isinstance(r, Parked):
            return r
        self.f.seek(r.at)
        res = pickle.load(self.f)
        res.report = r.report          # the ledger row as identity left it
        for j, where in (r.repeats or {}).items():
            res.projects[j]["repeated_in"] = where
        for j, where in (r.earlier or {}).items():
            res.projects[j]["same_as_earlier"] = where
        return res

    def close(self) -> None:
        self.f.close()
