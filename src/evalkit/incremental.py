"""The unchanged re-run: a run's signature, recorded in the dataset's manifest, and the test that lets
a re-run with the same signature keep the dataset as it is instead of rebuilding it.

The signature covers everything the tables are made from: each source (name, SHA-256, format, problem),
the inputs and the count of skipped files, the parser version (reading code and limits), the code of
the checks and of the store, the checks configuration in effect (hashed canonically), the options that
change the tables (checks, keep_format_copies, layout) and evalkit's version. A dataset is trusted
only when every file its manifest lists has the recorded size and SHA-256 (and no other Parquet file
sits in a partitioned table), so a truncated or edited table is rebuilt, not served; and only when
no file of the run that wrote it timed out or crashed its worker (that depends on the machine, so
such a file is parsed again, as the parse cache would).

Light on purpose (no pandas, no pyarrow): an unchanged re-run pays for discovery and hashing only.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

# what decides the tables once files are read: which files hold one report or another version of it, a project
# repeated or copied from an earlier year (identity, versions, the rows the run carries), the checks, how tables
# are written
TABLE_CODE = ("identity.py", "versions.py", "results.py", "checks", "store.py", "incremental.py")
# what decides the sources, whose names, hashes, formats and problems the signature lists one by one
# (archives.py and tnef.py also word places at parse time: they are reading code, cache.READING_CODE)
SOURCE_CODE = ("discover.py", "members.py", "volumes.py", "pdflist.py", "mail.py", "outlook.py")
# the rest of what an ingest runs, which no table's content depends on: the package, the parse cache, Dask's and the
# workers' plumbing, temp folders, the terminal's lines, the limits (their values are in the parser version), the
# reviewer's decisions (kept across runs, not derived from the inputs)
OUTSIDE_TABLES = ("__init__.py", "cache.py", "distributed.py", "scratch.py", "terminal.py", "textwidth.py",
                  "limits.py", "review.py")
DERIVED = ("reports", "projects", "indicators", "summaries", "findings", "ledger")   # what an ingest writes


def _canonical(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _digest(obj) -> str:
    return hashlib.sha256(_canonical(obj).encode("utf-8")).hexdigest()


def config_digest(config) -> str:
    """The checks configuration in effect, hashed canonically: a CheckConfig's settings, profiles
    and forced profile; None (the built-in checks.toml) gives what load_config() would, without
    importing the checks (that would import pandas)."""
    if config is None:
        data = _default_toml()
        profiles = data.pop("profiles", {})
        return _digest({"settings": data, "profiles": profiles, "profile": None})
    return _digest({"settings": config.settings, "profiles": config.profiles, "profile": config.profile})


def _default_toml() -> dict:
    """The built-in checks.toml as load_config reads it (checks/config.py's DEFAULT_PATH)."""
    import tomllib
    path = Path(__file__).resolve().parent / "checks.toml"
    with open(path, "rb") as f:
        return tomllib.load(f)


def code_version() -> str:
    """A hash of the checks' and the store's code (the reading code is in the parser version)."""
    from evalkit.cache import code_hash
    return code_hash(TABLE_CODE)


def run_signature(sources, *, inputs, skipped: int, parser: str, config, checks: bool,
                  keep_format_copies: bool, layout: str) -> dict:
    """What the tables of this run are made from (see the module docstring); `digest` sums it up."""
    from evalkit import __version__
    files = hashlib.sha256()
    for s in sorted(sources, key=lambda s: s.source_file):
        files.update((_canonical([s.source_file, s.sha256, s.fmt, s.problem]) + "\n").encode("utf-8"))
    sig = {"evalkit_version": __version__, "parser": parser, "code": code_version(),
           "config": config_digest(config), "checks": bool(checks), "keep_format_copies": bool(keep_format_copies),
           "layout": layout, "inputs": [str(Path(p).absolute()) for p in inputs], "skipped": int(skipped),
           "files": len(sources), "sources": files.hexdigest()}
    sig["digest"] = _digest(sig)
    return sig


def _manifest(out_dir: Path) -> dict | None:
    try:
        return json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def matching_manifest(out_dir: str | Path, signature: dict) -> dict | None:
    """The dataset's manifest when it was written by a run of this signature, with every file settled,
    and is intact; else None. The caller holds the dataset's lock."""
    out_dir = Path(out_dir)
    manifest = _manifest(out_dir)
    if not manifest or (manifest.get("signature") or {}).get("digest") != signature["digest"]:
        return None
    if manifest.get("unsettled") != 0:      # a file timed out or crashed its worker: try it again
        return None
    tables = manifest.get("tables") or {}
    if any(name not in tables for name in DERIVED):
        return None
    return manifest if all(intact(out_dir, entry) for entry in tables.values()) else None


def intact(out_dir: Path, entry: dict) -> bool:
    """A table's files as its manifest entry records them: sizes first (cheap), then SHA-256."""
    if entry.get("layout") == "partitioned":
        files, sizes = entry.get("files") or {}, entry.get("sizes")
        if sizes is None or set(files) != set(sizes):
            return False
        on_disk = {f.relative_to(out_dir).as_posix() for f in (out_dir / entry["file"]).rglob("*.parquet")}
        if on_disk != set(files):
            return False
        listed = [(rel, sizes[rel], sha) for rel, sha in files.items()]
    else:
        if "bytes" not in entry:
            return False
        listed = [(entry["file"], entry["bytes"], entry["sha256"])]
    for rel, size, _ in listed:
        try:
            if os.stat(out_dir / rel).st_size != size:
                return False
        except OSError:
            return False
    return all(file_sha256(out_dir / rel) == sha for rel, _, sha in listed)


def file_sha256(path: Path) -> str | None:
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None
