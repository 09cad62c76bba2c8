"""The unchanged re-run: same inputs, config, options and code -> the dataset is read back, not rebuilt
(every file byte- and mtime-identical); any change, --rebuild or a damaged dataset -> a rebuild whose
tables are those of a cold run."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import evalkit.cache as cache_mod
from conftest import SEEDS, run_cli
from evalkit.ingest import ingest_paths
from evalkit.limits import LIMITS
from evalkit.store import load

CLI = [sys.executable, "-m", "evalkit"]


def run(folder, out, **kw):
    stats = {}
    t = ingest_paths([folder], out, stats=stats, **kw)
    return t, stats


def cold(folder, tmp_path, **kw):
    """The tables a first run (no dataset, no cache) gives for these inputs and options."""
    out = tmp_path / f"cold-{len(list(tmp_path.glob('cold-*')))}"
    return ingest_paths([folder], out, cache_dir=False, **kw)


def same_tables(a: dict, b: dict) -> None:
    assert sorted(a) == sorted(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name].reset_index(drop=True), b[name].reset_index(drop=True), obj=name)


def snapshot(folder: Path) -> dict:
    """Every file of the dataset: bytes and modification time (ns)."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("layout", ["single", "partitioned"])
def test_unchanged_rerun_leaves_every_file_as_it_was(folder, tmp_path, layout):
    out = tmp_path / "clean"
    _, s1 = run(folder, out, layout=layout)
    before, written = snapshot(out), load(out)
    again, s2 = run(folder, out, layout=layout)
    assert s1["unchanged"] is False and s2["unchanged"] is True
    assert {k: s2[k] for k in ("files", "parsed", "from_cache")} == {"files": 5, "parsed": 0, "from_cache": 5}
    assert s2["rows"] == {n: len(df) for n, df in again.items()}
    assert snapshot(out) == before
    same_tables(again, written)            # what evalkit.load gives: the tables as stored


def test_want_gives_only_those_tables(folder, tmp_path):
    out = tmp_path / "clean"
    run(folder, out)
    t, stats = run(folder, out, want=("reports", "findings"))
    assert stats["unchanged"] and list(t) == ["reports", "findings"]


def _touch(folder, tmp_path):
    p = folder / SEEDS[0].name
    p.write_bytes(p.read_bytes() + "\n备注：已核对。\n".encode("utf-8"))
    return {}


def _add(folder, tmp_path):
    shutil.copy(SEEDS[0], folder / "另一份.txt")
    return {}


def _remove(folder, tmp_path):
    (folder / SEEDS[1].name).unlink()
    return {}


def _config(folder, tmp_path):
    from evalkit.checks import load_config
    p = tmp_path / "checks.toml"
    p.write_text("[budget]\nrate_tolerance = 50\n", encoding="utf-8")
    return {"config": load_config(p)}


def _no_checks(folder, tmp_path):
    return {"checks": False}


def _limits(folder, tmp_path):
    return {"limits": dataclasses.replace(LIMITS, max_pages=LIMITS.max_pages - 1)}


@pytest.mark.parametrize("change", [_touch, _add, _remove, _config, _no_checks, _limits])
def test_a_change_rebuilds_and_gives_the_tables_of_a_cold_run(folder, tmp_path, change):
    out = tmp_path / "clean"
    run(folder, out)
    kw = change(folder, tmp_path)
    t, stats = run(folder, out, **kw)
    assert stats["unchanged"] is False
    same_tables(t, cold(folder, tmp_path, **kw))
    if change is _remove:
        assert not (pd.read_parquet(out / "projects.parquet")["source_file"] == SEEDS[1].name).any()
    _, stats = run(folder, out, **kw)                  # and the rebuilt dataset is trusted next time
    assert stats["unchanged"] is True


def test_a_new_parser_version_rebuilds(folder, tmp_path, monkeypatch):
    out = tmp_path / "clean"
    run(folder, out)
    monkeypatch.setattr(cache_mod, "READING_CODE", cache_mod.READING_CODE[:-1])   # other code, other version
    _, stats = run(folder, out)
    assert stats["unchanged"] is False and stats["parsed"] == 5


def test_rebuild_always_rebuilds(folder, tmp_path):
    out = tmp_path / "clean"
    run(folder, out)
    before = snapshot(out)
    t, stats = run(folder, out, rebuild=True)
    assert stats["unchanged"] is False and stats["parsed"] == 5
    assert snapshot(out) != before                     # written again (new mtimes at least)
    same_tables(t, cold(folder, tmp_path))


def _truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _flip_a_byte(p: Path) -> None:
    b = bytearray(p.read_bytes())
    b[len(b) // 2] ^= 0xFF
    p.write_bytes(bytes(b))


@pytest.mark.parametrize("damage", [_truncate, _flip_a_byte])
@pytest.mark.parametrize("layout", ["single", "partitioned"])
def test_a_damaged_dataset_is_rebuilt_not_trusted(folder, tmp_path, damage, layout):
    out = tmp_path / "clean"
    run(folder, out, layout=layout)
    victim = sorted((out / "indicators.parquet").rglob("*.parquet"))[0] if layout == "partitioned" \
        else out / "indicators.parquet"
    damage(victim)
    t, stats = run(folder, out, layout=layout)
    assert stats["unchanged"] is False
    same_tables(t, cold(folder, tmp_path, layout=layout))


def test_a_stray_partition_file_is_not_trusted(folder, tmp_path):
    out = tmp_path / "clean"
    run(folder, out, layout="partitioned")
    part = sorted((out / "projects.parquet").rglob("*.parquet"))[0]
    shutil.copy(part, part.with_name("part-extra.parquet"))
    _, stats = run(folder, out, layout="partitioned")
    assert stats["unchanged"] is False


def test_a_dataset_without_a_signature_is_rebuilt(folder, tmp_path):
    """A dataset written by an older evalkit (or by `evalkit check --write`) records no run signature."""
    out = tmp_path / "clean"
    run(folder, out)
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    del m["signature"]
    (out / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    _, stats = run(folder, out)
    assert stats["unchanged"] is False


def test_default_config_digest_is_that_of_the_loaded_default():
    from evalkit.checks import load_config
    from evalkit.incremental import config_digest
    assert config_digest(None) == config_digest(load_config())
    assert config_digest(None) != config_digest(load_config(profile=next(iter(load_config().profiles))))


# ----------------------------------------------------------------------------- the command line

def cli(*args, env=None):
    """`evalkit ARGS` in another process: for the lock held by this one (else conftest.run_cli)."""
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_cli_says_nothing_changed_prints_the_ledger_and_imports_no_pandas(folder, tmp_path):
    """The unchanged re-run prints the cold run's ledger and findings summary from the manifest:
    it imports neither pandas nor pyarrow and leaves every byte of the dataset as it was."""
    out = tmp_path / "clean"
    first = run_cli("ingest", folder, "--out", out, "--quiet")
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    code = ("import sys\nfrom evalkit.cli import main\n"
            f"rc = main(['ingest', {str(folder)!r}, '--out', {str(out)!r}, '--quiet'])\n"
            "print('PANDAS' if 'pandas' in sys.modules else 'NO-PANDAS',"
            " 'PYARROW' if 'pyarrow' in sys.modules else 'NO-PYARROW')\nsys.exit(rc)\n")
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "输入未变，数据集保持不变" in again.stdout and "输入未变" not in first.stdout
    assert again.stdout.strip().endswith("NO-PANDAS NO-PYARROW")
    ledger = lambda text: [ln for ln in text.splitlines() if ln.startswith(("文件", *(s.name[:8] for s in SEEDS)))]  # noqa: E731
    assert ledger(again.stdout) == ledger(first.stdout) and len(ledger(first.stdout)) == 6
    summary = lambda text: text[text.index("检查发现"):].replace("NO-PANDAS NO-PYARROW", "").strip()  # noqa: E731
    assert summary(again.stdout) == summary(first.stdout)
    assert snapshot(out) == before


def test_cli_config_change_rebuilds(folder, tmp_path):
    out = tmp_path / "clean"
    assert run_cli("ingest", folder, "--out", out, "--quiet").returncode == 0
    cfg = tmp_path / "checks.toml"
    cfg.write_text("[budget]\nrate_tolerance = 50\n", encoding="utf-8")
    r = run_cli("ingest", folder, "--out", out, "--quiet", "--config", cfg)
    assert r.returncode == 0 and "输入未变" not in r.stdout and "解析 0 个，5 个未变、取自缓存" in r.stdout
    r = run_cli("ingest", folder, "--out", out, "--quiet", "--config", cfg)
    assert "输入未变，数据集保持不变" in r.stdout


def test_unchanged_rerun_honours_the_dataset_lock(folder, tmp_path):
    from evalkit.store import dataset_lock
    out = tmp_path / "clean"
    assert run_cli("ingest", folder, "--out", out, "--quiet").returncode == 0
    with dataset_lock(out):
        r = cli("ingest", folder, "--out", out, "--quiet", env={"EVALKIT_LOCK_TIMEOUT": "1"})
    assert r.returncode == 2 and "正被另一个 evalkit 进程写入" in r.stderr


def test_every_module_an_ingest_runs_is_in_the_signature_or_said_to_decide_no_table():
    """A module split out of ingest.py or archives.py (identity.py, volumes.py) must be named where the unchanged
    re-run and the parse cache look (or among those that decide no table's content): else an upgrade that changes it
    serves the tables of the code before. Every evalkit import of ingest.py, followed through the package."""
    import ast
    from evalkit import cache as cache_mod, incremental
    pkg = Path(incremental.__file__).parent
    covered = cache_mod.READING_CODE + incremental.TABLE_CODE + incremental.SOURCE_CODE + incremental.OUTSIDE_TABLES

    def path_of(name: str):
        p = pkg.joinpath(*name.split(".")[1:])
        return p / "__init__.py" if (p / "__init__.py").exists() else p.with_suffix(".py") if p.with_suffix(".py").exists() else None

    seen, todo = set(), [pkg / "ingest.py"]
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            names = ([node.module] + [f"{node.module}.{a.name}" for a in node.names]
                     if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("evalkit") else
                     [a.name for a in node.names if a.name.startswith("evalkit")] if isinstance(node, ast.Import) else [])
            todo += [p for p in map(path_of, names) if p is not None and p not in seen]
    rel = {f.relative_to(pkg).as_posix() for f in seen}
    assert {"identity.py", "versions.py", "readers/pdfstitch.py", "volumes.py", "checks/rules_totals.py"} <= rel
    loose = sorted(r for r in rel if not any(r == c or r.startswith(c + "/") for c in covered))
    assert loose == []
