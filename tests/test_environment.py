"""The declared dependencies: environment.yml mirrors pyproject.toml for conda users, every third-party
import is declared where it is used, and the floors' constraints file / the lock file are well formed."""
import ast
import functools
import json
import re
import sys
import tomllib
from importlib import metadata

import pytest
import yaml

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import min_constraints  # noqa: E402

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS = PROJECT["optional-dependencies"]


def _name(spec: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~ \[;]", spec, maxsplit=1)[0]).lower()


def _setup_extras() -> list[str]:
    """The extras `make setup` installs: the Makefile's EXTRAS, used by the install line."""
    mk = (ROOT / "Makefile").read_text()
    extras = re.search(r"^EXTRAS\s*:=\s*(\S+)\s*$", mk, re.M).group(1).split(",")
    assert "pip install --quiet -e '.[$(EXTRAS)]'" in mk
    return extras


def test_make_setup_installs_lab_and_sql_and_jupyterlab_duckdb_are_extras():
    assert set(_setup_extras()) == {"test", "archives", "ocr", "lab", "sql", "dask"}
    runtime = {_name(s) for s in PROJECT["dependencies"]}
    assert "jupyterlab" not in runtime and "duckdb" not in runtime
    assert [_name(s) for s in EXTRAS["lab"]] == ["jupyterlab", "ipywidgets", "itables"]
    assert [_name(s) for s in EXTRAS["sql"]] == ["duckdb"]


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    wanted = set(PROJECT["dependencies"]).union(*(EXTRAS[e] for e in _setup_extras()))  # what `make setup` installs
    listed = {p for p in pip if not p.startswith("-e")}
    assert listed == wanted, {"only in environment.yml": listed - wanted, "only in pyproject": wanted - listed}
    assert "-e ." in pip                                   # the package itself, via pip
    py = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert py.split("=")[-1] in PROJECT["requires-python"] or PROJECT["requires-python"] == ">=3.11"


# ----------------------------------------------------------------------------- imports are declared

LOCAL = {"evalkit", "conftest", "truth_tables", "min_constraints", "make_lock"}
# imported only by code the tests never run: make_fixtures.build_xls regenerates the committed
# tests/fixtures/fixture_xls.xls (pip install xlwt to rerun it)
NOT_RUN = {"xlwt"}


def _imports(path) -> set[str]:
    """Top-level module names imported anywhere in a .py file or a notebook's code cells."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        src = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        src = "\n".join(line for line in src.splitlines() if not line.lstrip().startswith(("%", "!")))
    else:
        src = path.read_text(encoding="utf-8")
    out = set()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out


def _third_party(paths) -> dict[str, set[str]]:
    """module -> files, for modules that are neither standard library nor this repository's own."""
    own = {p.stem for p in (ROOT / "tests").rglob("*.py")}
    found: dict[str, set[str]] = {}
    for p in paths:
        for mod in _imports(p):
            if mod in sys.stdlib_module_names or mod in LOCAL or mod in own or mod in NOT_RUN:
                continue
            found.setdefault(mod, set()).add(str(p.relative_to(ROOT)))
    return found


@functools.cache
def _distributions() -> dict[str, list[str]]:
    """import name -> distributions; read once (it scans every installed package's file list)."""
    return metadata.packages_distributions()


def _undeclared(modules: dict[str, set[str]], declared: set[str]) -> dict[str, set[str]]:
    dists = _distributions()
    return {m: files for m, files in modules.items()
            if not {_name(d) for d in dists.get(m, [])} & declared}


def test_every_import_in_src_and_notebooks_is_a_runtime_dependency_or_an_optional_feature():
    runtime = {_name(s) for s in PROJECT["dependencies"]}
    optional = {_name(s) for e in ("archives", "ocr", "lab", "sql", "dask") for s in EXTRAS[e]}
    mods = _third_party([*(ROOT / "src").rglob("*.py"), *(ROOT / "src" / "evalkit" / "notebooks").glob("*.ipynb")])
    assert {"pandas", "numpy", "PIL", "pdfminer", "pypdfium2", "nbformat", "cv2"} <= set(mods)  # the scan sees them
    assert _undeclared(mods, runtime | optional) == {}
    # the optional features are imported by their own modules only, inside the reader that needs them
    in_extras = {m: f for m, f in mods.items() if not _undeclared({m: f}, runtime | optional)
                 and _undeclared({m: f}, runtime)}
    assert set(in_extras) <= {"py7zr", "libarchive", "rapidocr_onnxruntime", "cv2", "pillow_heif", "duckdb", "dask",
                              "distributed", "itables", "ipywidgets"}, in_extras


def test_every_import_in_tests_is_declared_runtime_or_in_the_test_extra():
    declared = {_name(s) for s in PROJECT["dependencies"]}.union(
        *({_name(s) for s in EXTRAS[e]} for e in ("test", "archives", "ocr", "sql", "dask")))
    mods = _third_party((ROOT / "tests").rglob("*.py"))
    assert {"yaml", "pypdfium2", "hypothesis", "pytest"} <= set(mods)
    assert _undeclared(mods, declared) == {}


# ----------------------------------------------------------------------------- floors and lock

def test_min_constraints_pins_every_direct_dependency_to_its_floor():
    pins = min_constraints.constraints(ROOT / "pyproject.toml", _setup_extras())
    names = {_name(p) for p in pins}
    assert names == {_name(s) for s in PROJECT["dependencies"]}.union(
        *({_name(s) for s in EXTRAS[e]} for e in _setup_extras()))
    assert "pandas==2.2" in pins or any(p.startswith("pandas==2.2.") for p in pins)
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+==[0-9][0-9A-Za-z.]*", p) for p in pins), pins
    assert min_constraints.floor_pin("opencv-python>=4.8.0.74") == "opencv-python==4.8.0.74"
    with pytest.raises(ValueError, match="floor"):
        min_constraints.floor_pin("opencv-python<5")


def test_requirements_lock_pins_the_runtime_set_and_no_test_tools():
    lock = [ln for ln in (ROOT / "requirements.lock").read_text().splitlines() if ln and not ln.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+==\S+", ln) for ln in lock), lock
    names = {_name(ln) for ln in lock}
    needed = {_name(s) for s in PROJECT["dependencies"]}.union(
        *({_name(s) for s in EXTRAS[e]} for e in ("lab", "sql", "archives", "ocr", "dask")))
    assert needed <= names, needed - names
    assert not names & {"pytest", "hypothesis", "pytest-xdist", "evalkit"}
    assert len(names) == len(lock)                      # one pin per package


def test_requirements_lock_satisfies_pyproject():
    from packaging.requirements import Requirement
    lock = dict(ln.split("==", 1) for ln in (ROOT / "requirements.lock").read_text().splitlines()
                if ln and not ln.startswith("#"))
    lock = {_name(k): v for k, v in lock.items()}
    for spec in [*PROJECT["dependencies"], *(s for e in ("lab", "sql", "archives", "ocr", "dask") for s in EXTRAS[e])]:
        req = Requirement(spec)
        assert lock[_name(req.name)] in req.specifier, (spec, lock[_name(req.name)])
