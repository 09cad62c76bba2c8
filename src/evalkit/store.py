"""Read and write an evalkit dataset: one Parquet file per contract table plus `manifest.json`.

A big corpus is written partitioned instead (hive layout `projects.parquet/province=…/year=…/part-0.parquet`,
every table keyed by its report's province and fiscal year), so `load(DIR, province=…, years=…)` and
`evalkit sql` read only the partitions they need. `pandas.read_parquet(DIR/"projects.parquet")` reads either.

Data is sacred, so writing follows four rules:
- evalkit writes only into a folder that is missing, empty, or already an evalkit dataset
  (a manifest, or only the contract's Parquet files as written before manifests existed);
  anything else is refused, never emptied; so is a folder that overlaps an input folder.
- the new dataset is written in full into a sibling temp folder, every file fsynced, the
  manifest last, then swapped in with one atomic exchange (Linux `renameat2(RENAME_EXCHANGE)`),
  so at every moment the path holds a complete dataset, the old one or the new one;
- one lock (`.<name>.lock` beside the folder) covers every write and every read;
- what a killed run left (`.<name>.tmp-*`, `.<name>.old-*`) is removed by the next writer.
"""
from __future__ import annotations

import ctypes
import datetime as dt
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from evalkit.errors import Busy, DatasetError

TABLES = ("reports", "projects", "indicators", "summaries", "findings", "ledger", "reviews")
# Tables a writer does not derive from the inputs: kept from the previous dataset when a run does not give them.
CARRIED = ("reviews",)
MANIFEST = "manifest.json"
FORMAT_VERSION = 1
# placeholders a user or a repo keeps in the folder; carried across the swap, never refused
HARMLESS = {".gitkeep", ".keep", ".DS_Store", "Thumbs.db", "desktop.ini"}
LOCK_WAIT_S = float(os.environ.get("EVALKIT_LOCK_TIMEOUT", "600"))
LAYOUTS = ("auto", "single", "partitioned")
# From this many rows in all (a province: ~30,000 projects, ~250,000 indicator lines) "auto" partitions;
# EVALKIT_PARTITION_ROWS overrides it per run.
PARTITION_ROWS = 200_000

if TYPE_CHECKING:           # pandas is imported where tables are read or written: taking the lock is light
    import pandas as pd


# ----------------------------------------------------------------------------- locking

def lock_path(data_dir: str | Path) -> Path:
    d = Path(data_dir).absolute()
    return d.parent / f".{d.name}.lock"


@contextmanager
def dataset_lock(data_dir: str | Path, timeout: float | None = None, write: bool = True):
    """Hold the dataset's lock: writers wait up to `timeout` s (default EVALKIT_LOCK_TIMEOUT, 600),
    then raise Busy. A reader of a folder it cannot write (a read-only share) goes on unlocked."""
    from filelock import FileLock, Timeout
    path = lock_path(data_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path), timeout=LOCK_WAIT_S if timeout is None else timeout)
        lock.acquire()
    except Timeout:
        raise Busy(f"数据集 {data_dir} 正被另一个 evalkit 进程写入（锁文件 {path}）",
                   "请等它结束后再运行") from None
    except OSError:
        if write:
            raise DatasetError(f"无法在 {path.parent} 创建锁文件", "请检查该文件夹的写权限") from None
        yield
        return
    try:
        yield
    finally:
        lock.release()


# ----------------------------------------------------------------------------- what a folder is

def classify(folder: str | Path) -> tuple[str, list[str]]:
    """('missing'|'empty'|'dataset'|'foreign'|'file', foreign entry names) for an output folder."""
    p = Path(folder)
    if not p.exists() and not p.is_symlink():
        return "missing", []
    if not p.is_dir():
        return "file", [p.name]
    names = [e.name for e in os.scandir(p)]
    ours = {f"{t}.parquet" for t in TABLES} | {MANIFEST}
    foreign = [n for n in names if n not in ours and n not in HARMLESS]
    if foreign:
        return "foreign", sorted(foreign)
    if MANIFEST in names:
        return "dataset", []
    for t in TABLES:   # a dataset written before manifests: the contract's Parquet files, as files
        q = p / f"{t}.parquet"
        if q.exists() and not q.is_file():
            return "foreign", [q.name]
    return ("dataset" if any(n.endswith(".parquet") for n in names) else "empty"), []


def check_out_dir(out_dir: str | Path, inputs: list[str | Path] = ()) -> None:
    """Raise DatasetError unless `out_dir` may be (re)written by evalkit: see the module docstring."""
    out = Path(out_dir).absolute().resolve()
    for i in inputs:
        inp = Path(i).absolute().resolve()
        if out == inp or inp in out.parents or out in inp.parents:
            raise DatasetError(f"输出文件夹 {out_dir} 与输入 {i} 重叠",
                               "请把 --out 指向输入文件夹之外的新文件夹，例如 data/clean")
    kind, foreign = classify(out_dir)
    if kind == "file":
        raise DatasetError(f"输出路径 {out_dir} 是一个文件，不是文件夹", "请换一个 --out")
    if kind == "foreign":
        shown = "、".join(foreign[:5]) + ("……" if len(foreign) > 5 else "")
        raise DatasetError(f"输出文件夹 {out_dir} 里有不属于 evalkit 数据集的内容（{shown}），为免误删，拒绝写入",
                           "请指定一个新的或空的文件夹作为 --out")


# ----------------------------------------------------------------------------- reading

def read_manifest(data_dir: str | Path) -> dict | None:
    p = Path(data_dir) / MANIFEST
    if not p.is_file():
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise DatasetError(f"数据集清单 {p} 无法读取（{e}）", "请重新运行 evalkit ingest") from None


def load(clean_dir: str | Path = "data/clean", verify: bool = True, lock: bool = True, *,
         province: str | Iterable[str] | None = None, years: int | Iterable[int] | None = None,
         tables: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """Every contract table in `clean_dir` (or the `tables` named), keyed by name; with a manifest,
    each file read is checked against its recorded checksum (and row count when unfiltered).

    province / years keep the rows of those reports only, reading just their partitions (or row
    groups) from disk. `lock=False` for a caller that already holds the dataset's lock."""
    import pandas as pd
    clean_dir = Path(clean_dir)
    if not clean_dir.is_dir():
        raise DatasetError(f"数据集文件夹 {clean_dir} 不存在", "请先运行 evalkit ingest 生成数据集")
    if lock:
        with dataset_lock(clean_dir, write=False):
            return load(clean_dir, verify, lock=False, province=province, years=years, tables=tables)
    manifest = read_manifest(clean_dir)
    names = list(manifest["tables"]) if manifest else [t for t in TABLES
                                                          if (clean_dir / f"{t}.parquet").exists()]
    if tables is not None:
        wanted = list(tables)
        unknown = [t for t in wanted if t not in names]
        if unknown:
            raise DatasetError(f"数据集 {clean_dir} 中没有表 {'、'.join(unknown)}", f"可选：{'、'.join(names)}")
        names = wanted
    provinces = _as_list(province, str)
    year_list = _as_list(years, int)
    filtered = provinces is not None or year_list is not None
    report_ids = None
    if filtered and not _is_partitioned(manifest):   # single files: select reports, then their rows
        rep = _read_table(clean_dir, "reports", manifest, verify, None)
        keep = pd.Series(True, index=rep.index)
        if provinces is not None:
            keep &= rep["province"].isin(provinces)
        if year_list is not None:
            keep &= pd.to_numeric(rep["fiscal_year"], errors="coerce").isin(year_list)
        report_ids = set(rep.loc[keep, "report_id"].dropna())
    out = {}
    for name in names:
        if name == "reports" and report_ids is not None:     # read (and verified) once, above
            out[name] = rep[rep["report_id"].isin(report_ids)].reset_index(drop=True)
            continue
        out[name] = _read_table(clean_dir, name, manifest, verify, (provinces, year_list) if filtered else None,
                                report_ids)
    if not out:
        raise DatasetError(f"{clean_dir} 里没有 evalkit 数据表（*.parquet）", "请先运行 evalkit ingest 生成数据集")
    return out


def generation(clean_dir: str | Path) -> tuple:
    """What tells one generation of a dataset on disk from the next: its path and the inode, size and times of its
    manifest and table files (an ingest replaces them all; a writer rewrites the manifest). For caches of a load."""
    d = Path(clean_dir).resolve()
    sig: list = [str(d)]
    for name in [MANIFEST, *(f"{t}.parquet" for t in TABLES)]:
        try:
            st = (d / name).stat()
        except OSError:
            continue
        sig.append((name, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    return tuple(sig)


def layout_of(data_dir: str | Path) -> str:
    """"partitioned" or "single": how the dataset at `data_dir` is stored (a rewrite keeps it)."""
    return "partitioned" if _is_partitioned(read_manifest(data_dir)) else "single"


def _as_list(v, kind) -> list | None:
    if v is None:
        return None
    if isinstance(v, (str, int)):
        v = [v]
    try:
        return [kind(x) for x in v]
    except (TypeError, ValueError):
        raise DatasetError(f"筛选条件 {v!r} 无效", "省份用名称（如 上海市），年度用四位数字（如 2023）") from None


def _is_partitioned(manifest: dict | None) -> bool:
    return bool(manifest) and any(t.get("layout") == "partitioned" for t in manifest["tables"].values())


def _read_table(clean_dir: Path, name: str, manifest: dict | None, verify: bool,
                where: tuple | None, report_ids: set | None = None) -> pd.DataFrame:
    """One table, checked against the manifest; `where` = (provinces, years) on partitioned data,
    `report_ids` the reports kept on single-file data."""
    import pandas as pd
    p = clean_dir / f"{name}.parquet"
    want = manifest["tables"].get(name) if manifest else None
    if manifest and want is None:
        raise DatasetError(f"数据集 {clean_dir} 的清单中没有表 {name}", "请重新运行 evalkit ingest")
    try:
        if want and want.get("layout") == "partitioned":
            df = _read_partitioned(clean_dir, name, want, verify, where)
        else:
            if manifest and not p.is_file():
                raise DatasetError(f"数据集 {clean_dir} 缺少表 {p.name}", "请重新运行 evalkit ingest")
            if verify and want and _sha256(p) != want["sha256"]:
                raise DatasetError(f"数据集 {clean_dir} 的 {p.name} 与清单记录的校验值不符（文件被改动或损坏）",
                                   "请重新运行 evalkit ingest")
            filters = None
            if report_ids is not None:
                filters = [("report_id", "in", sorted(report_ids))] if report_ids else None
            df = pd.read_parquet(p, filters=filters)
            if report_ids is not None and not report_ids:
                df = df.iloc[0:0]
    except DatasetError:
        raise
    except Exception as e:  # noqa: BLE001  (pyarrow raises several types for a bad file)
        raise DatasetError(f"无法读取 {p}（{type(e).__name__}）", "请重新运行 evalkit ingest") from None
    if want and where is None and report_ids is None and len(df) != want["rows"]:
        raise DatasetError(f"数据集 {clean_dir} 的 {p.name} 行数与清单不符", "请重新运行 evalkit ingest")
    return df


def _partitioning():
    import pyarrow as pa
    import pyarrow.dataset as pds
    return pds.partitioning(pa.schema([("province", pa.string()), ("year", pa.int32())]), flavor="hive")


def arrow_dataset(clean_dir: Path, name: str, entry: dict | None):
    """A pyarrow dataset over one table: its file, or its partition files as the manifest lists them
    (province and year from the hive path); for filtered reads and for `evalkit sql`."""
    import pyarrow.dataset as pds
    p = Path(clean_dir) / f"{name}.parquet"
    if not entry or entry.get("layout") != "partitioned":
        return pds.dataset(str(p), format="parquet")
    files = sorted(entry["files"])
    missing = [f for f in files if not (Path(clean_dir) / f).is_file()]
    if missing:
        raise DatasetError(f"数据集 {clean_dir} 缺少分区文件 {missing[0]}", "请重新运行 evalkit ingest")
    return pds.dataset([str(Path(clean_dir) / f) for f in files], format="parquet", partitioning=_partitioning(),
                       partition_base_dir=str(p))


def _read_partitioned(clean_dir: Path, name: str, want: dict, verify: bool, where: tuple | None) -> pd.DataFrame:
    """A hive-partitioned table: only the partitions `where` selects are opened (and verified)."""
    import pyarrow.dataset as pds
    dset = arrow_dataset(clean_dir, name, want)
    expr = None
    if where is not None:
        provinces, years = where
        if provinces is not None:
            expr = pds.field("province").isin(provinces)
        if years is not None:
            e = pds.field("year").isin(years)
            expr = e if expr is None else expr & e
    if verify:
        chosen = dset.get_fragments(filter=expr) if expr is not None else dset.get_fragments()
        for frag in chosen:
            rel = Path(frag.path).relative_to(clean_dir).as_posix()
            if _sha256(Path(frag.path)) != want["files"][rel]:
                raise DatasetError(f"数据集 {clean_dir} 的 {rel} 与清单记录的校验值不符（文件被改动或损坏）",
                                   "请重新运行 evalkit ingest")
    df = dset.to_table(filter=expr).to_pandas()
    df["province"] = df["province"].astype("string")
    df["year"] = df["year"].astype("Int64")
    order = want.get("columns")
    if order:
        df = df[[c for c in order if c in df.columns] + [c for c in df.columns if c not in order]]
    return df


# ----------------------------------------------------------------------------- writing

class Parts:
    """One table as a run built it, batch by batch: Parquet pieces in a temp folder, streamed into
    the dataset (or read whole on request) so the writer never holds the table in memory.
    A column all null in one piece takes its type from the others."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.files: list[Path] = []
        self.rows = 0

    def add(self, df: pd.DataFrame, index: int | None = None) -> None:
        """One piece; `index` names its file (pieces written by several processes into one folder)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        p = self.folder / f"{len(self.files) if index is None else index:06d}.parquet"
        df.to_parquet(p, index=False)
        self.files.append(p)
        self.rows += len(df)

    def adopt(self, path: Path, rows: int) -> None:
        """A piece another process wrote (pieces are kept in the order they are added)."""
        self.files.append(Path(path))
        self.rows += rows

    def __len__(self) -> int:
        return self.rows

    @property
    def columns(self) -> list[str]:
        return self.schema().names

    def _kept(self) -> list[Path]:
        """The pieces with rows (an empty batch may lack the columns its rows would have brought)."""
        import pyarrow.parquet as pq
        full = [f for f in self.files if pq.ParquetFile(f).metadata.num_rows]
        return full or self.files[:1]

    def schema(self):
        """The pieces' columns unified: a null-typed column takes the type another piece gives it;
        pandas metadata from the first piece, with each column's entry from a piece that types it."""
        import pyarrow as pa
        import pyarrow.parquet as pq
        schemas = [pq.read_schema(f) for f in self._kept()]
        merged = pa.unify_schemas(schemas, promote_options="permissive")
        entries = {}
        for sc in schemas:
            meta = json.loads((sc.metadata or {}).get(b"pandas", b"{}"))
            for c in meta.get("columns", []):
                name = c.get("name")
                if name not in entries or (entries[name].get("pandas_type") == "empty"
                                           and c.get("pandas_type") != "empty"):
                    entries[name] = c
        base = json.loads((schemas[0].metadata or {}).get(b"pandas", b"{}")) if schemas else {}
        if base:
            base["columns"] = [entries[f.name] for f in merged if f.name in entries]
            merged = merged.with_metadata({b"pandas": json.dumps(base).encode()})
        return merged

    def tables(self, rows: int | None = None):
        """The pieces' rows as pyarrow Tables of the unified schema, one piece (or `rows` rows) at a time."""
        import pyarrow as pa
        import pyarrow.parquet as pq
        schema = self.schema()
        for f in self._kept():
            pf = pq.ParquetFile(f)
            chunks = pf.iter_batches(batch_size=rows, use_threads=False) if rows else [pf.read(use_threads=False)]
            for t in chunks:
                names = t.schema.names
                cols = [t.column(fld.name).cast(fld.type) if fld.name in names else pa.nulls(len(t), fld.type)
                        for fld in schema]
                yield pa.Table.from_arrays(cols, schema=schema)

    def to_pandas(self) -> pd.DataFrame:
        import pyarrow as pa
        return pa.concat_tables(list(self.tables())).to_pandas()

    def write(self, path: Path) -> None:
        """The pieces as one Parquet file, a few thousand rows in memory at a time."""
        import pyarrow as pa
        import pyarrow.parquet as pq
        with pq.ParquetWriter(str(path), self.schema()) as w:
            for t in self.tables(rows=8192):
                w.write_table(t, row_group_size=65536)
        pa.default_memory_pool().release_unused()   # give arrow's cached pages back between tables


def write_atomic(tables: dict[str, pd.DataFrame], out_dir: str | Path, *, inputs: list = (),
                 meta: dict | None = None, lock: bool = True, layout: str = "auto") -> Path:
    """Write `tables` as the dataset at `out_dir`, replacing the previous one in one atomic step.

    layout: "single" (one file a table), "partitioned" (hive by province/year) or "auto"
    (partitioned from PARTITION_ROWS rows on). Refuses (DatasetError) an `out_dir` that holds
    anything else or overlaps `inputs`."""
    out_dir = Path(out_dir)
    if lock:
        with dataset_lock(out_dir):
            return write_atomic(tables, out_dir, inputs=inputs, meta=meta, lock=False, layout=layout)
    if layout not in LAYOUTS:
        raise DatasetError(f"未知的存储方式 {layout!r}", f"可选：{'、'.join(LAYOUTS)}")
    if layout == "auto":
        limit = int(os.environ.get("EVALKIT_PARTITION_ROWS", PARTITION_ROWS))
        layout = "partitioned" if sum(len(df) for df in tables.values()) >= limit else "single"
    check_out_dir(out_dir, inputs)
    tables = {**_carried(out_dir, tables), **tables}
    parent = out_dir.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-{os.getpid()}-", dir=parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())        # mkdtemp makes 0700; a dataset gets the user's umask
        manifest = {"evalkit_dataset": FORMAT_VERSION, "evalkit_version": _version(),
                    "written_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    **(meta or {}), "tables": {}}
        keys = _partition_keys(tables) if layout == "partitioned" else None
        for name, df in tables.items():
            p = tmp / f"{name}.parquet"
            if keys is not None:
                manifest["tables"][name] = _write_partitioned(df, keys, tmp, p)
                continue
            if isinstance(df, Parts):
                df.write(p)
            else:
                df.to_parquet(p, index=False)
            _fsync(p)
            manifest["tables"][name] = {"file": p.name, "rows": int(len(df)), "sha256": _sha256(p),
                                        "bytes": p.stat().st_size}
        if out_dir.is_dir():
            for n in HARMLESS:                 # placeholders stay where the user put them
                if (out_dir / n).is_file():
                    shutil.copy2(out_dir / n, tmp / n)
        m = tmp / MANIFEST                     # written last: its presence means the folder is complete
        m.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        _fsync(m)
        _fsync(tmp)
        if not out_dir.exists():
            os.rename(tmp, out_dir)
        elif not _exchange(tmp, out_dir):
            old = parent / f".{out_dir.name}.old-{os.getpid()}"   # no atomic exchange here: two renames
            os.rename(out_dir, old)
            os.rename(tmp, out_dir)
            tmp = old
        _fsync(parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if tmp.exists():
        shutil.rmtree(tmp, ignore_errors=True)  # the previous dataset, now swapped out
    return out_dir


def _carried(out_dir: Path, tables: dict) -> dict:
    """The previous dataset's CARRIED tables (reviewer decisions) that `tables` does not replace."""
    manifest = read_manifest(out_dir) if out_dir.is_dir() else None
    out = {}
    for name in CARRIED:
        if name not in tables and manifest and name in manifest["tables"]:
            out[name] = _read_table(out_dir, name, manifest, True, None)
    return out


def _partition_keys(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """report_id -> (province, year) from the reports table: every table is partitioned by its report."""
    import pandas as pd
    rep = tables.get("reports")
    if isinstance(rep, Parts):
        rep = rep.to_pandas()
    if rep is None or rep.empty:
        return pd.DataFrame({"province": pd.Series(dtype="string"), "year": pd.Series(dtype="Int64")})
    k = rep.drop_duplicates("report_id").set_index("report_id")
    return pd.DataFrame({"province": k["province"].astype("string"),
                         "year": pd.to_numeric(k["fiscal_year"], errors="coerce").astype("Int64")})


def _write_partitioned(df: pd.DataFrame | Parts, keys: pd.DataFrame, root: Path, p: Path) -> dict:
    """Write one table as hive partitions (Parts piece by piece); its manifest entry lists every file's
    checksum and size (a re-run trusts the dataset only if both still match)."""
    p.mkdir()
    pieces = ((t.to_pandas() for t in df.tables()) if isinstance(df, Parts) else [df])
    types = df.schema() if isinstance(df, Parts) else None
    for k, piece in enumerate(pieces):
        template = "part-{i}.parquet" if not isinstance(df, Parts) else f"part-{k:05d}-{{i}}.parquet"
        _write_partition_piece(piece, keys, p, template, types)
    files, sizes = {}, {}
    for f in sorted(p.rglob("*.parquet")):
        _fsync(f)
        files[f.relative_to(root).as_posix()] = _sha256(f)
        sizes[f.relative_to(root).as_posix()] = f.stat().st_size
    for sub in sorted({f.parent for f in p.rglob("*.parquet")} | {p}, key=lambda x: -len(x.parts)):
        _fsync(sub)
    columns = list(df.columns)
    return {"file": p.name, "layout": "partitioned", "rows": int(len(df)), "files": files, "sizes": sizes,
            "columns": columns + [c for c in ("province", "year") if c not in columns],
            "sha256": hashlib.sha256("".join(f"{k}:{v}\n" for k, v in files.items()).encode()).hexdigest()}


def _write_partition_piece(df: pd.DataFrame, keys: pd.DataFrame, p: Path, template: str, types=None) -> None:
    """Rows of one table (or one piece of it) into the hive folders under `p`, each keyed by its
    own province/year where it has them, else its report's; a column all null in this piece is
    written with the type `types` (the pieces' unified schema) gives it, so every file agrees
    (pyarrow 15 reads a dataset with the first file's types and cannot cast string to null)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.dataset as pds
    d = df.copy()
    rid = d["report_id"] if "report_id" in d.columns else pd.Series(pd.NA, index=d.index)
    prov = rid.map(keys["province"]).astype("string")
    year = rid.map(keys["year"]).astype("Int64")
    if "province" in df.columns:          # the row's own value first, so a read gives back what was written
        prov = df["province"].astype("string").fillna(prov)
    if "fiscal_year" in df.columns:
        year = pd.to_numeric(df["fiscal_year"], errors="coerce").astype("Int64").fillna(year)
    d["province"], d["year"] = prov, year.astype("Int64")
    table = pa.Table.from_pandas(d, preserve_index=False)
    table = table.set_column(table.schema.get_field_index("year"), "year", table["year"].cast(pa.int32()))
    if types is not None:
        for i, fld in enumerate(table.schema):
            if pa.types.is_null(fld.type) and fld.name in types.names:
                table = table.set_column(i, fld.name, table[fld.name].cast(types.field(fld.name).type))
    meta = json.loads(table.schema.metadata[b"pandas"])   # the path holds the keys: pandas must not expect them
    meta["columns"] = [c for c in meta["columns"] if c.get("name") not in ("province", "year")]
    table = table.replace_schema_metadata({**table.schema.metadata, b"pandas": json.dumps(meta).encode()})
    pds.write_dataset(table, str(p), format="parquet", partitioning=_partitioning(),
                      basename_template=template, existing_data_behavior="overwrite_or_ignore")


def copy_dataset(src: str | Path, dst: str | Path) -> None:
    """A read-only copy of a dataset (hard links where the filesystem allows): tables and manifest."""
    src, dst = Path(src), Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(src)
    names = [f"{t}.parquet" for t in (manifest["tables"] if manifest else TABLES)] + [MANIFEST]
    for name in names:
        s = src / name
        if s.is_dir():
            for f in s.rglob("*.parquet"):
                _link_or_copy(f, dst / f.relative_to(src))
        elif s.is_file():
            _link_or_copy(s, dst / name)


def _link_or_copy(a: Path, b: Path) -> None:
    b.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(a, b)
    except OSError:
        shutil.copy2(a, b)


def _clean_leftovers(out_dir: Path) -> None:
    """Remove temp and swapped-out folders of killed runs (we hold the lock: nobody else writes)."""
    parent = out_dir.absolute().parent
    for prefix in (f".{out_dir.name}.tmp-", f".{out_dir.name}.old-"):
        for p in parent.glob(prefix + "*"):
            if p.is_dir() and not p.is_symlink():
                kind, _ = classify(p)
                if kind in ("dataset", "empty"):
                    shutil.rmtree(p, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):      # EINVAL/ENOSYS/EOPNOTSUPP: the filesystem cannot exchange
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass                      # some filesystems refuse fsync on a directory
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("evalkit")
    except Exception:  # noqa: BLE001  (running from a source tree without metadata)
        return "0+unknown"
