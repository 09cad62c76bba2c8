"""Partitioned storage (hive by province/year), filtered loads that read only what they need, and `evalkit sql`."""
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_cli
from evalkit import store
from evalkit.errors import DatasetError, UsageError

KEEP = ["report_id", "project_id"]


@pytest.fixture(scope="module")
def both(seed_tables, tmp_path_factory):
    root = tmp_path_factory.mktemp("layouts")
    single = store.write_atomic(seed_tables, root / "single", layout="single")
    part = store.write_atomic(seed_tables, root / "part", layout="partitioned")
    return single, part


def _same(a: pd.DataFrame, b: pd.DataFrame, name: str) -> bool:
    from evalkit.schema import KEYS
    cols = list(b.columns)
    key = list(KEYS[name])
    x = a[cols].sort_values(key).reset_index(drop=True).astype(str)
    y = b.sort_values(key).reset_index(drop=True).astype(str)
    return x.equals(y)


def test_partitioned_layout_is_hive_by_province_and_year(both):
    _, part = both
    files = sorted(p.relative_to(part).as_posix() for p in part.rglob("*.parquet") if p.is_file())
    assert any(f.startswith("projects.parquet/province=") and "/year=2022/" in f for f in files)
    assert store.layout_of(part) == "partitioned" and store.layout_of(both[0]) == "single"


def test_partitioned_round_trip_gives_the_same_rows(both, seed_tables):
    single, part = both
    a, b = store.load(part), store.load(single)
    for name in seed_tables:
        assert _same(a[name], b[name], name), name
        assert len(a[name]) == len(seed_tables[name])
    assert {"province", "year"} <= set(a["indicators"].columns)     # every row knows its partition


def test_plain_pandas_reads_a_partitioned_table(both, seed_tables):
    df = pd.read_parquet(both[1] / "projects.parquet")
    assert len(df) == len(seed_tables["projects"]) and set(df["year"].astype(int)) >= {2021, 2022, 2024}


@pytest.mark.parametrize("layout", [0, 1])
def test_filtered_load_keeps_that_province_and_year(both, seed_tables, layout):
    d = both[layout]
    t = store.load(d, province="河北省", years=[2022])
    rep = seed_tables["reports"]
    want = set(rep.loc[(rep["province"] == "河北省") & (rep["fiscal_year"] == 2022), "report_id"])
    assert want and set(t["reports"]["report_id"]) == want
    for name in ("projects", "indicators", "findings"):
        assert set(t[name]["report_id"].dropna()) <= want
        assert len(t[name]) == int(seed_tables[name]["report_id"].isin(want).sum())
    assert store.load(d, province="不存在省")["projects"].empty


def test_filtered_load_opens_only_the_chosen_partitions(both, tmp_path):
    import shutil
    d = tmp_path / "ds"
    shutil.copytree(both[1], d)
    other = next(p for p in (d / "projects.parquet").rglob("*.parquet") if "year=2024" in p.as_posix())
    other.write_bytes(b"garbage")                        # a damaged partition elsewhere
    assert len(store.load(d, years=2022, tables=["projects"])["projects"]) > 0
    with pytest.raises(DatasetError, match="校验值不符"):
        store.load(d, tables=["projects"])


def test_auto_layout_partitions_big_datasets(seed_tables, tmp_path, monkeypatch):
    monkeypatch.setenv("EVALKIT_PARTITION_ROWS", "10")
    assert store.layout_of(store.write_atomic(seed_tables, tmp_path / "a")) == "partitioned"
    monkeypatch.setenv("EVALKIT_PARTITION_ROWS", "100000000")
    assert store.layout_of(store.write_atomic(seed_tables, tmp_path / "b")) == "single"


def test_rewrite_replaces_a_partitioned_dataset_completely(seed_tables, tmp_path):
    d = store.write_atomic(seed_tables, tmp_path / "x", layout="partitioned")
    store.write_atomic(seed_tables, d, layout="single")
    assert not (d / "projects.parquet").is_dir() and store.layout_of(d) == "single"
    assert sorted(p.name for p in d.iterdir()) == sorted([f"{t}.parquet" for t in seed_tables] + ["manifest.json"])


def test_sql_over_views_named_after_the_tables(both, seed_tables):
    from evalkit.sql import query
    for d in both:
        df = query(d, "SELECT count(*) AS n FROM projects p JOIN reports r USING (report_id)")
        assert int(df["n"][0]) == len(seed_tables["projects"])
    df = query(both[1], "SELECT count(*) AS n FROM indicators WHERE province = '河北省' AND year = 2022")
    assert int(df["n"][0]) == len(store.load(both[0], province="河北省", years=2022)["indicators"])


def test_sql_cannot_touch_files(both, tmp_path):
    from evalkit.sql import query
    target = tmp_path / "out.csv"
    with pytest.raises(UsageError, match="SQL 查询出错"):
        query(both[0], f"COPY projects TO '{target}'")
    with pytest.raises(UsageError):
        query(both[0], f"SELECT * FROM read_csv_auto('{Path(__file__)}')")
    assert not target.exists()


def test_sql_command_prints_and_refuses_to_overwrite(both, tmp_path):
    cmd = ["sql", str(both[1]), "SELECT county, count(*) AS n FROM projects GROUP BY county ORDER BY n DESC"]
    r = run_cli(*cmd)
    assert r.returncode == 0 and "大厂回族自治县" in r.stdout
    out = tmp_path / "r.csv"
    assert run_cli(*cmd, "--csv", str(out)).returncode == 0
    assert pd.read_csv(out, encoding="utf-8-sig")["n"].sum() > 0
    r = run_cli(*cmd, "--csv", str(out))
    assert r.returncode == 2 and "拒绝写入" in r.stderr


def test_check_write_keeps_the_partitioned_layout(seed_tables, tmp_path):
    d = store.write_atomic(seed_tables, tmp_path / "p", layout="partitioned")
    r = run_cli("check", d, "--write")
    assert r.returncode == 0, r.stderr
    assert store.layout_of(d) == "partitioned"
    assert len(store.load(d)["findings"]) == len(seed_tables["findings"])


def test_tables_written_in_pieces_read_as_written_whole(seed_tables, tmp_path):
    """store.Parts (a table spooled batch by batch) gives the dataset the whole frame gives, in both
    layouts; a column all null in one piece takes its type from another."""
    source = dict(seed_tables)
    proj = seed_tables["projects"].copy()
    proj["deviation_note"] = proj["deviation_note"].astype("object")
    proj.loc[:len(proj) // 2 - 1, "deviation_note"] = None         # all null in the first piece only
    proj.loc[len(proj) - 1, "deviation_note"] = "说明"
    source["projects"] = proj
    pieces = {}
    for name, df in source.items():
        p = store.Parts(tmp_path / "spool" / name)
        p.add(df.iloc[:len(df) // 2])
        p.add(df.iloc[len(df) // 2:])
        p.add(df.iloc[:0])                          # an empty batch adds nothing
        pieces[name] = p
    for layout in ("single", "partitioned"):
        got = store.load(store.write_atomic(pieces, tmp_path / f"pieces-{layout}", layout=layout))
        want = store.load(store.write_atomic(source, tmp_path / f"whole-{layout}", layout=layout))
        for name in source:
            pd.testing.assert_frame_equal(got[name], want[name], check_exact=True, obj=name)


@pytest.mark.parametrize("layout", ["single", "partitioned"])
def test_a_dataset_is_read_once_per_process_and_again_after_a_new_ingest(seed_tables, tmp_path, monkeypatch, layout):
    """A report kernel runs one notebook after another on one dataset (a county profile each): load_tables reads
    it once; a rewrite of the folder (a new ingest, `check --write`) is read again; changes a caller makes to the
    frames it got never reach the next caller."""
    from evalkit.report import selection
    d = store.write_atomic(seed_tables, tmp_path / "clean", layout=layout)
    reads = []
    real = store.load
    monkeypatch.setattr(store, "load", lambda *a, **k: (k.get("lock", True) and reads.append(a), real(*a, **k))[1])
    first = selection.load_tables(d)
    first["projects"].loc[0, "total_score"] = -1.0                      # a notebook changing its tables in place
    first["projects"]["mine"] = 1
    first["indicators"].loc[:, "weight"] = 0.0
    again = selection.load_tables(d)
    assert len(reads) == 1
    assert again["projects"]["total_score"].iloc[0] != -1.0 and "mine" not in again["projects"].columns
    assert again["indicators"]["weight"].sum() == seed_tables["indicators"]["weight"].sum() > 0
    fewer = {k: (v.iloc[:3] if k == "projects" else v) for k, v in seed_tables.items()}
    store.write_atomic(fewer, d, layout=layout)                      # the folder replaced by the next run
    third = selection.load_tables(d)
    assert len(reads) == 2 and len(third["projects"]) == 3
