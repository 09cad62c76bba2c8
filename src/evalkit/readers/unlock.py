"""Office files encrypted with Excel's default password, which Excel and WPS open without asking.

Excel encrypts a workbook whose structure is protected (保护工作簿) or that is saved "read-only recommended" with
the password `VelvetSweatshop` (MS-XLS 2.2.10, MS-OFFCRYPTO): the user never typed one and sees no prompt, but
to a parser the file is encrypted (xlrd: "Workbook is encrypted"; an .xlsx is an OLE2 file holding an
EncryptedPackage). Such a file is decrypted into a temporary copy (msoffcrypto-tool) and read as usual; a file
encrypted with a password of its own is refused here, with one message per family.
"""
from __future__ import annotations

import contextlib
from pathlib import Path

from evalkit.model import ReadError
from evalkit.readers.office import OLE2

DEFAULT_PASSWORD = "VelvetSweatshop"
_FAMILY = {"xlsx": "Excel", "xls": "Excel", "et": "Excel", "docx": "Word", "doc": "Word", "wps": "Word",
           "pptx": "PowerPoint", "ppt": "PowerPoint", "dps": "PowerPoint"}   # by format
NOTE = "文件以 Excel 的默认密码加密（工作簿设置了保护或“建议只读”，打开时不需要输入密码），已解密后读取"


def locked(path: Path) -> str:
    """The message for an Office file with a password of its own (opening it needs the password)."""
    from evalkit.readers import format_of
    app = _FAMILY.get(format_of(path))
    where = f"请在 {app} 中" if app else "请"
    return f"文件设置了打开密码（加密的 {app or 'Office'} 文档），无法读取；{where}取消密码后另存再导入"


def _encrypted(path: Path):
    """(msoffcrypto's view, the open file) of an encrypted OLE2 Office file (.xls/.doc/.ppt with their encryption
    records, or an OOXML package encrypted into an OLE2 file); None for anything else or what it cannot parse."""
    try:
        f = open(path, "rb")
    except OSError:
        return None                    # the reader says why it cannot open the file
    try:
        if f.read(8) == OLE2:
            import msoffcrypto
            f.seek(0)
            office = msoffcrypto.OfficeFile(f)
            if office.is_encrypted():
                return office, f
    except Exception:  # noqa: BLE001  (not an Office file msoffcrypto knows, or damaged: the reader's own message)
        pass
    f.close()
    return None


@contextlib.contextmanager
def decrypted(path: Path):
    """A decrypted copy of `path` (same name, in a temporary folder) while the block runs, when it is encrypted with
    the default password; None when it is not encrypted. ReadError (`locked`) when its password is another."""
    found = _encrypted(path)
    if found is None:
        yield None
        return
    office, handle = found
    from evalkit import scratch
    with handle, scratch.folder("unlock") as tmp:
        copy = Path(tmp) / path.name
        try:
            office.load_key(password=DEFAULT_PASSWORD)
            with open(copy, "wb") as out:
                office.decrypt(out)
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001  (an invalid key, or checks failing on what the wrong key gives)
            raise ReadError(locked(path)) from None
        yield copy
