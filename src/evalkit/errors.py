"""evalkit's exceptions, in one place: the CLI catches `EvalkitError` once and prints its Chinese message.

Exit codes (documented in the README):
    0  done
    1  files failed (every file failed, or some failed under --strict); a notebook failed
    2  usage or input error (bad option, missing path, refused output folder, bad config, busy);
       no room to write (disk full, quota, file size limit: cli.main, scratch.no_room)
    3  nothing selected (no report matches the region/year)
  130  interrupted (Ctrl-C); 128 + N for signal N that asked it to stop (143: SIGTERM, 129: SIGHUP)

Per-file problems are `ReadError`s: they never reach the CLI, they become one `failed` row
in the ledger with their (Chinese) message.
"""
from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_EMPTY = 0, 1, 2, 3


class EvalkitError(Exception):
    """A problem the user can act on: `message` says what and where, `hint` what to do."""
    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None):
        self.message, self.hint = message, hint
        super().__init__(message if not hint else f"{message}（{hint}）")


class UsageError(EvalkitError):
    """A bad option value (a year that is not a year, an unknown profile, a missing font file)."""


class InputError(EvalkitError):
    """Inputs that cannot be used: a path that does not exist, a folder with no report files."""


class ConfigError(EvalkitError):
    """A checks configuration that cannot be read or is invalid."""


class DatasetError(EvalkitError):
    """An output or dataset folder evalkit refuses to touch or cannot read."""


class Busy(EvalkitError):
    """Another evalkit process holds the dataset's or the reports folder's lock."""


class NothingSelected(EvalkitError):
    """No report matches the selection (region, year): nothing to report."""
    exit_code = EXIT_EMPTY


class FilesFailed(EvalkitError):
    """Files could not be read (all of them, or some under --strict)."""
    exit_code = EXIT_FAILED


class Stopped(KeyboardInterrupt):
    """A signal asked the command to stop (SIGTERM from a scheduler's stop or time-out, SIGHUP from a closed
    terminal): raised in the main thread as Ctrl-C is, so every `with` unwinds (temporary folders, worker
    pools, LibreOffice) and the dataset stays as it was."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class ReadError(Exception):
    """A file that cannot be turned into a document; the message (Chinese) says what is wrong."""


class Unparsable(ReadError):
    """A DOCX/XLSX/XLS whose package passed every check but whose parts its library gives up on (a style
    index past the list, a missing part): Word, Excel and LibreOffice repair such files."""

    def __init__(self, kind: str, why: str, advice: str, repaired_too: bool = False):
        self.kind, self.why, self.advice = kind, why, advice
        tried = "，LibreOffice 也未能修复" if repaired_too else ""
        super().__init__(f"{kind} 文件已损坏，无法解析{tried}（{why}），{advice}")


class LimitExceeded(ReadError):
    """A file over one of the safety limits (size, pages, cells, uncompressed size, time, memory)."""
