"""A PDF's attachments (a PDF 包) taken out in a process of its own under the file's time and memory limits: pdfminer
follows an object that refers to itself forever, and discovery has no worker to kill. Within `listing_pdfs` (one
discovery) the process is kept for the next PDF; one past the time limit, or gone, is killed and replaced."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from evalkit.members import Member
from evalkit.readers.safety import reason


def expand_pdf(path: Path, stage: Path, supported, lim) -> tuple[list[Member], int]:
    """A PDF's attachments, taken out in a process of their own under the file time and memory limits: pdfminer
    follows an object that refers to itself forever, and discovery has no worker to kill. Within `listing_pdfs` (a
    discovery) that process is kept for the next PDF; else one is started for this one. `supported` is readable."""
    import dataclasses
    stage.mkdir(parents=True, exist_ok=True)
    lister = _lister or _Lister()
    try:
        return lister.listed((str(path), str(stage), dataclasses.asdict(lim)), lim)
    finally:
        if lister is not _lister:
            lister.close()


def _listing_failed(lim, said: str | None) -> tuple[list[Member], int]:
    """The one member saying a PDF's attachments could not be listed: past the time limit (`said` None) or why."""
    if said is None:
        return [Member("（附件）", None, f"列出 PDF 的附件超过 {lim.max_seconds:g} 秒（文件结构异常，疑似恶意构造），"
                                      "附件未读取")], 0
    return [Member("（附件）", None, f"列出 PDF 的附件时出错（{said}），附件未读取")], 0


def list_pdf_attachments(path: str, stage: str, limits: dict):
    """expand_attached of a PDF in the listing process, its result as plain data: ([name, staged, problem], skipped)."""
    from evalkit import limits as _limits
    from evalkit.archives import expand_attached, readable
    lim = _limits.Limits(**limits)
    _limits.LIMITS = lim
    members, skipped = expand_attached(Path(path), Path(stage), readable, lim, "pdf")
    return [[m.name, None if m.staged is None else str(m.staged), m.problem] for m in members], skipped


def pdf_lister() -> None:
    """The listing process (_Lister): a request (path, stage, limits) as a JSON line on stdin, its answer as one on
    stdout ({"ok": list_pdf_attachments(...)} or {"error": why}); the memory cap set by the first request."""
    import json
    import sys

    from evalkit import limits as _limits
    out, sys.stdout = sys.stdout, sys.stderr        # what a library prints never mixes with the answers
    capped = False
    for line in sys.stdin:
        path, stage, limits = json.loads(line)
        if not capped:
            _limits.cap_memory(limits["max_memory_mb"])
            capped = True
        try:
            answer = {"ok": list_pdf_attachments(path, stage, limits)}
        except MemoryError:
            answer = {"error": "MemoryError"}
        except Exception as e:  # noqa: BLE001  (this PDF's attachments, not the listing process)
            answer = {"error": reason(e)}
        out.write(json.dumps(answer) + "\n")
        out.flush()
        if answer.get("error") == "MemoryError":    # its state is unknown after that: the next PDF gets a new one
            return


class _Lister:
    """The process PDFs' attachments are listed in: `python -c` (no multiprocessing: nothing of the caller's
    __main__ runs again, no fork of a process holding threads), kept for the next PDF within a discovery, so a
    corpus of PDF 包 does not start an interpreter per file; one past the time limit, or gone, is killed and the
    next PDF gets a new one."""

    def __init__(self):
        self.proc = self.answers = None

    def _start(self) -> None:
        import queue
        import subprocess
        import sys
        import threading
        self.proc = subprocess.Popen([sys.executable, "-c", "from evalkit.pdflist import pdf_lister as c; c()"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, encoding="utf-8", errors="replace")
        self.answers = answers = queue.Queue()
        out = self.proc.stdout

        def pump() -> None:                     # its answers, read where a timeout can wait on them
            for line in out:
                answers.put(line)
            answers.put(None)
        threading.Thread(target=pump, daemon=True).start()

    def listed(self, request, lim) -> tuple[list[Member], int]:
        import json
        import queue
        if self.proc is not None and self.proc.poll() is not None:    # gone since the last PDF (killed outside)
            self.close()
        if self.proc is None:
            self._start()
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            line = self.answers.get(timeout=lim.max_seconds)
        except queue.Empty:
            self.close()
            return _listing_failed(lim, None)
        except OSError:                         # it is gone (killed from outside): the next PDF gets a new one
            line = None
        if line is None:
            code = self.proc.poll()
            self.close()
            return _listing_failed(lim, f"进程意外退出，退出码 {code}")
        try:
            answer = json.loads(line)
        except ValueError:
            self.close()
            return _listing_failed(lim, f"无法理解的回答：{line[:80]}")
        if "error" in answer:
            if answer["error"] == "MemoryError":
                self.close()
                return _listing_failed(lim, f"内存超过上限 {lim.max_memory_mb} MB")
            return _listing_failed(lim, answer["error"])
        members, skipped = answer["ok"]
        return [Member(n, Path(s) if s else None, p) for n, s, p in members], skipped

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass
            self.proc = None


_lister: _Lister | None = None


@contextmanager
def listing_pdfs():
    """Within it, expand_pdf lists PDFs' attachments in one kept process (discover)."""
    global _lister
    outer, _lister = _lister, _Lister()
    try:
        yield
    finally:
        _lister.close()
        _lister = outer
