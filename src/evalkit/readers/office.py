"""Legacy and Chinese office formats (.doc .wps .rtf .odt / .et .ods) through LibreOffice.

Each file is converted with `soffice --headless --convert-to docx|xlsx` in a private temp folder
and the result read by `read_docx` / `read_xlsx`; the Document keeps the original's format.

Safety, because the files are untrusted and ingest converts several at once in worker processes:
  * argv lists only, never a shell; the input is first copied into the temp folder under a fixed
    name (`input.<ext>`), so neither a name starting with '-' nor any other name reaches soffice,
    and LibreOffice writes no lock file next to the user's original;
  * a user profile per call (`-env:UserInstallation=file:///<temp>/profile`), so parallel
    conversions never share a profile or the single-instance pipe;
  * a time limit below LIMITS.max_seconds (the worker would otherwise be killed first and leave
    soffice behind); on timeout the whole process group (soffice script, oosplash, soffice.bin)
    is killed;
  * the temp folder is removed whatever happens.

Shortcuts that need no LibreOffice: a `.et` that is a BIFF8 workbook (what Kingsoft ET usually
writes) is read by xlrd like `.xls`; any of these names holding a DOCX/XLSX zip or an HTML page
(web systems export those under .doc) is read by the matching reader.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

from evalkit import limits as _limits
from evalkit.model import Document, LimitExceeded, ReadError

WRITER = {"doc", "wps", "rtf", "odt"}          # converted to docx
CALC = {"et", "ods"}                           # converted to xlsx
TARGET = {**{f: ("docx", "docx:MS Word 2007 XML") for f in WRITER},
          **{f: ("xlsx", "xlsx:Calc MS Excel 2007 XML") for f in CALC}}
# The name the copy gets inside the temp folder: Kingsoft's OLE2 files under the Microsoft suffix
# of the same family, so LibreOffice's type detection needs no guessing.
COPY_SUFFIX = {"doc": ".doc", "wps": ".doc", "rtf": ".rtf", "odt": ".odt", "et": ".xls", "ods": ".ods"}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

INSTALL_HINT = ("请安装 LibreOffice：sudo apt-get update && sudo apt-get install -y --no-install-recommends "
                "libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk"
                "（较旧的系统用 libreoffice-writer libreoffice-calc；或运行 make setup；"
                "也可用环境变量 EVALKIT_SOFFICE 指定 soffice 的路径）")
# soffice outside PATH (macOS app bundle, the upstream .deb/.rpm under /opt)
KNOWN_PATHS = ("/Applications/LibreOffice.app/Contents/MacOS/soffice",
               "/opt/libreoffice/program/soffice")


def read_office(path: Path) -> Document:
    """Read a .doc/.wps/.rtf/.odt/.et/.ods file; ReadError (Chinese message) when it cannot be read."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in TARGET:
        raise ReadError(f"不支持的文件类型“{path.suffix or '无扩展名'}”")
    try:
        with open(path, "rb") as f:
            head = f.read(2048)
    except FileNotFoundError:
        raise ReadError("文件不存在") from None
    except OSError as e:
        raise ReadError(f"无法打开文件（{e.strerror or type(e).__name__}）") from None
    if not head:
        raise ReadError(f"空文件（0 字节），不是有效的 .{fmt} 文件")

    direct = _direct_reader(path, fmt, head)
    if direct is not None:
        return _as(direct(path), path, fmt)
    if fmt == "et" and head.startswith(OLE2):
        # Kingsoft ET is normally BIFF8 in an OLE2 file: xlrd reads it like .xls, without LibreOffice.
        from evalkit.readers.xlsx import read_xlsx
        try:
            return _as(read_xlsx(path), path, fmt)
        except LimitExceeded:
            raise
        except Exception:  # noqa: BLE001  (an ET-only variant xlrd does not know: LibreOffice may)
            pass
    return _as(convert_and_read(path, fmt), path, fmt)


def _direct_reader(path: Path, fmt: str, head: bytes):
    """A reader for a file that is not what its suffix says but something read without LibreOffice."""
    if head.startswith(b"PK\x03\x04") and fmt != "odt" and fmt != "ods":
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "word/document.xml" in names:
            from evalkit.readers.docx import read_docx
            return read_docx
        if "xl/workbook.xml" in names:
            from evalkit.readers.xlsx import read_xlsx
            return read_xlsx
        return None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") and any(t in text for t in (b"<html", b"<table", b"<!doctype html", b"<meta")):
        from evalkit.readers.html import read_html
        return read_html
    return None


def _as(doc: Document, path: Path, fmt: str) -> Document:
    doc.source, doc.format = str(path), fmt
    return doc


# ----------------------------------------------------------------------------- LibreOffice

def find_soffice() -> str | None:
    """The soffice to run: $EVALKIT_SOFFICE, else soffice/libreoffice on PATH, else a known place."""
    env = os.environ.get("EVALKIT_SOFFICE")
    if env:
        return env if os.path.isfile(env) and os.access(env, os.X_OK) else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in KNOWN_PATHS if os.path.isfile(p) and os.access(p, os.X_OK)), None)


def convert_timeout(max_seconds: float | None = None) -> float:
    """Seconds one conversion may take: the per-file limit minus a margin for reading the result
    (20 %, at most 10 s), so soffice is stopped here before the worker itself is killed."""
    total = _limits.LIMITS.max_seconds if max_seconds is None else max_seconds
    return max(0.1, total - min(10.0, 0.2 * total))


def convert_and_read(path: Path, fmt: str) -> Document:
    """Convert with LibreOffice in a temp folder, read the result, remove the folder."""
    tmp = tempfile.mkdtemp(prefix="evalkit-office-")
    try:
        out = convert(path, fmt, Path(tmp))
        if TARGET[fmt][0] == "docx":
            from evalkit.readers.docx import read_docx as reader
        else:
            from evalkit.readers.xlsx import read_xlsx as reader
        try:
            return reader(out)
        except LimitExceeded:
            raise
        except ReadError as e:
            raise ReadError(f"LibreOffice 转换后的 {TARGET[fmt][0].upper()} 无法读取（{e}）") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def convert(path: Path, fmt: str, workdir: Path, timeout: float | None = None) -> Path:
    """Run `soffice --headless --convert-to` on a copy of `path` inside `workdir`; the converted
    file's path. ReadError when LibreOffice is missing or fails, LimitExceeded on timeout."""
    soffice = find_soffice()
    if soffice is None:
        raise ReadError(f"读取 .{fmt} 文件需要 LibreOffice，但本机没有找到 soffice。{INSTALL_HINT}")
    ext, target = TARGET[fmt]
    src = workdir / ("input" + COPY_SUFFIX[fmt])
    outdir, profile = workdir / "out", workdir / "profile"
    outdir.mkdir()
    try:
        shutil.copyfile(path, src)
    except OSError as e:
        raise ReadError(f"无法复制文件以便转换（{e.strerror or type(e).__name__}）") from None
    argv = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
            "--nologo", "--nodefault", "--nolockcheck", "--norestore",
            "--convert-to", target, "--outdir", str(outdir), str(src)]
    env = dict(os.environ, HOME=str(workdir), TMPDIR=str(workdir), SAL_USE_VCLPLUGIN="svp")
    limit = convert_timeout() if timeout is None else timeout
    started = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=str(workdir), env=env,
                                start_new_session=True)   # its own process group, killed as one
    except OSError as e:
        raise ReadError(f"无法启动 LibreOffice（{soffice}：{e.strerror or type(e).__name__}）。{INSTALL_HINT}") from None
    try:
        stdout, stderr = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        raise LimitExceeded(f"LibreOffice 转换 .{fmt} 文件超过 {limit:g} 秒仍未完成，已终止其全部进程"
                            f"（单个文件时限 {_limits.LIMITS.max_seconds:g} 秒，可用 EVALKIT_LIMIT_MAX_SECONDS 调整）") from None
    except BaseException:
        _kill_group(proc)
        proc.communicate()
        raise
    finally:
        _kill_group(proc)        # anything the launcher left behind in its group
    out = outdir / ("input." + ext)
    if proc.returncode == 0 and out.is_file() and out.stat().st_size > 0:
        return out
    detail = _detail(stdout, stderr, proc.returncode, time.monotonic() - started)
    raise ReadError(f"LibreOffice 无法转换该 .{fmt} 文件（文件损坏、加密或不是{_kind(fmt)}）：{detail}")


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def _kind(fmt: str) -> str:
    return {"doc": " Word 文档", "wps": " WPS 文字文档", "rtf": " RTF 文档", "odt": " ODF 文本文档",
            "et": " WPS 表格文件", "ods": " ODF 电子表格"}[fmt]


def _detail(stdout: bytes, stderr: bytes, code: int | None, seconds: float) -> str:
    lines = [ln.strip() for ln in (stderr + b"\n" + stdout).decode("utf-8", "replace").splitlines()]
    lines = [ln for ln in lines if ln and "javaldx" not in ln and not ln.startswith("convert ")]
    said = "；".join(lines)[:300]
    return f"{said or '没有生成转换结果'}（退出码 {code}，{seconds:.1f} 秒）"
