#!/usr/bin/env python3
"""Write requirements.lock: the exact installed version of everything evalkit needs, from this venv.

    .venv/bin/python scripts/make_lock.py [--extras lab,sql,archives,ocr] [--out requirements.lock]

Run it with the Python of a working venv (`make lock` uses .venv). It starts from pyproject.toml's
[project].dependencies plus the named extras, follows each installed distribution's own requirements
(markers evaluated for this interpreter and platform, requested extras followed too) and pins every
distribution it reaches to the version installed here. Test-only packages are left out unless
`test` is among the extras. Deploy with:

    pip install -r requirements.lock && pip install --no-deps .
"""
from __future__ import annotations

import argparse
import platform
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

try:
    from packaging.requirements import Requirement
except ImportError:  # pragma: no cover - pip always vendors it
    from pip._vendor.packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EXTRAS = "lab,sql,archives,ocr"


def canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def wanted(req: Requirement, extras: set[str]) -> bool:
    """Does `req` apply here, for a parent installed with `extras`?"""
    if req.marker is None:
        return True
    return any(req.marker.evaluate({"extra": e}) for e in (extras or {""}))


def closure(roots: list[Requirement]) -> dict[str, metadata.Distribution]:
    """Every installed distribution reachable from `roots`, by canonical name."""
    found: dict[str, metadata.Distribution] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(r, frozenset()) for r in roots]
    missing = []
    while todo:
        req, parent_extras = todo.pop()
        if not wanted(req, set(parent_extras)):
            continue
        key = (canon(req.name), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            missing.append(str(req))
            continue
        if dist.version not in req.specifier and req.specifier:
            missing.append(f"{req} (installed: {dist.version})")
        found[canon(dist.metadata["Name"])] = dist
        for sub in dist.requires or []:
            todo.append((Requirement(sub), frozenset(req.extras)))
    if missing:
        raise SystemExit("make_lock: this venv does not satisfy: " + "; ".join(sorted(missing))
                         + "\n(run `make setup` first, or lock from a venv with every extra installed)")
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pyproject", type=Path, default=ROOT / "pyproject.toml")
    ap.add_argument("--extras", default=DEFAULT_EXTRAS, help=f"comma-separated (default: {DEFAULT_EXTRAS})")
    ap.add_argument("--out", type=Path, help="write here (default: stdout)")
    args = ap.parse_args(argv)
    project = tomllib.loads(args.pyproject.read_text(encoding="utf-8"))["project"]
    extras = [e.strip() for e in args.extras.split(",") if e.strip()]
    specs = list(project["dependencies"])
    for e in extras:
        specs += project.get("optional-dependencies", {})[e]
    dists = closure([Requirement(s) for s in specs])
    dists.pop(canon(project["name"]), None)
    py = ".".join(platform.python_version_tuple()[:2])
    lines = [f"# requirements.lock: exact versions of everything `pip install .[{','.join(extras)}]` needs,",
             f"# taken from a working venv by scripts/make_lock.py (`make lock`); Python {py}, {sys.platform}.",
             "# Deploy: pip install -r requirements.lock && pip install --no-deps .",
             *(f"{d.metadata['Name']}=={d.version}" for _, d in sorted(dists.items()))]
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"make_lock: {len(dists)} packages -> {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
