"""Safety limits for reading untrusted files, in one place; readers check them before parsing.

A real 自评表 is a few pages and a few thousand cells; these limits are far above that and far
below what would exhaust a 2-core, few-GB worker. Override per run with `EVALKIT_LIMIT_<NAME>`
(e.g. `EVALKIT_LIMIT_MAX_PAGES=2000`).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, fields, replace

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 200 * MB          # any input file
    max_text_bytes: int = 20 * MB           # a .txt/.md/.html file is read whole
    max_pages: int = 500                    # PDF pages
    max_cells: int = 2_000_000              # cells in one workbook/document after clipping
    max_rows: int = 100_000                 # rows of one sheet/table
    max_cols: int = 500                     # columns of one sheet/table (a span beyond is clipped)
    max_span: int = 1_000                   # colspan/rowspan/merge extent honoured (clipped beyond)
    max_unzipped_bytes: int = 300 * MB      # total uncompressed size of a ZIP-based file (DOCX/XLSX)
    max_zip_ratio: int = 200                # uncompressed / compressed, per member, above 1 MB
    max_zip_members: int = 10_000
    max_pdf_stream_bytes: int = 100 * MB    # one decoded PDF stream
    max_pdf_decoded_bytes: int = 300 * MB   # all decoded streams of one PDF
    max_pdf_page_objects: int = 200_000     # content objects on one page (nested-form bombs); real pages ~21,000
    max_pdf_page_chars: int = 100_000       # glyphs on one page; real pages ~3,000
    max_seconds: float = 120.0              # wall time to parse one file (worker is killed)
    max_memory_mb: int = 3_000              # address space of the worker parsing one file
    max_depth: int = 64                     # folder nesting below an input root

    @classmethod
    def from_env(cls) -> "Limits":
        """Defaults, overridden by EVALKIT_LIMIT_<FIELD> environment variables."""
        over = {}
        for f in fields(cls):
            v = os.environ.get(f"EVALKIT_LIMIT_{f.name.upper()}")
            if v:
                over[f.name] = float(v) if f.type in ("float", float) else int(float(v))
        return replace(cls(), **over)


LIMITS = Limits.from_env()


def cap_memory(mb: int) -> None:
    """Cap this process's address space at what it maps now plus `mb` MB: a parser that balloons gets MemoryError,
    not the host's OOM killer (where the platform has no such limit, the time limit still holds)."""
    try:
        import resource
        with open("/proc/self/status") as f:
            vm = next((int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:")), 0)
        cap = vm + mb * 2**20     # what the interpreter already maps, plus the budget
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, OSError, ValueError):
        pass


# ----------------------------------------------------------------------------- time for OCR

OCR_SECONDS_PER_PAGE = 30.0    # what one page's OCR may take in a busy worker (14 s measured under heavy load)
_given: tuple[float, float] | None = None   # (started, seconds) of the file this worker process is parsing


class MoreTime(Exception):
    """Raised in a worker before OCR its time limit cannot cover (a 30-page bilevel scan or a garbled text PDF is
    small for its pages): the run parses the file again with `seconds`, once, instead of killing it half-way."""

    def __init__(self, seconds: float, pages: int):
        super().__init__(seconds, pages)
        self.seconds, self.pages = seconds, pages


def give_time(seconds: float | None) -> None:
    """The time limit of the file this process parses from now (None: no asking, the limit is final)."""
    global _given
    _given = None if seconds is None else (time.monotonic(), float(seconds))


def time_left() -> float | None:
    """Seconds left of the time limit of the file this worker parses (give_time); None outside a limited worker."""
    if _given is None:
        return None
    started, seconds = _given
    return seconds - (time.monotonic() - started)


def ask_time(pages: int) -> None:
    """Before OCR-ing `pages` pages: MoreTime when the file's limit cannot cover them (the read so far done again,
    then the pages), capped at 10 x max_seconds like ingest's size-based limit; nothing outside a limited worker."""
    if _given is None or pages <= 0:
        return
    started, seconds = _given
    cap = 10 * LIMITS.max_seconds
    need = 2 * (time.monotonic() - started) + pages * OCR_SECONDS_PER_PAGE
    if need > seconds and seconds < cap:
        raise MoreTime(round(min(cap, max(need, seconds)), 1), pages)
