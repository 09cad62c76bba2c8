"""What evalkit takes out of an archive (a mail, a PDF 包, a package): each `Member` staged under a name the file
system holds, or the problem that kept it out; `ArchiveProblem` for a whole archive that cannot be read."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

NAME_BYTES = 200


@dataclass
class Member:
    """One report file taken out of an archive, or the archive's own problem (`problem` set)."""
    name: str                 # display name inside the archive (folder/name.docx)
    staged: Path | None       # where its bytes were copied
    problem: str | None = None


class ArchiveProblem(Exception):
    """The whole archive cannot be read (encrypted, corrupt, a bomb); the message is Chinese."""


def fit_name(base: str, limit: int = NAME_BYTES) -> str:
    """`base` cut to `limit` bytes in the file system's encoding, its suffix (`.docx`) kept."""
    def size(s: str) -> int:
        return len(s.encode("utf-8", "surrogateescape"))
    if size(base) <= limit:
        return base
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix}" if dot and stem and size(suffix) < 16 else ""
    stem = base[: len(base) - len(suffix)]
    while stem and size(stem) + size(suffix) > limit:
        stem = stem[:-1]
    return (stem or "member") + suffix


def a_file(path: Path) -> bool:
    """path.is_file(), False for a name the file system cannot hold (`a.zip!<a member's long name>`: ENAMETOOLONG)."""
    try:
        return path.is_file()
    except OSError:
        return False
