"""One error model: a user error prints one Chinese line naming the file or option and what to do,
with the documented exit code; `--debug` shows the traceback instead."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import SEEDS, run_cli
from evalkit.cli import year_arg
from evalkit.errors import UsageError


def evalkit(*args, env=None):
    """`evalkit ARGS` in a fresh process: an uncaught traceback is the interpreter's to print, and the
    CJK font is looked up once per process."""
    return subprocess.run([sys.executable, "-m", "evalkit", *map(str, args)], capture_output=True,
                          text=True, timeout=180, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "clean"
    r = run_cli("ingest", SEEDS[0], "--out", out, "--quiet")
    assert r.returncode == 0, r.stderr
    return out


def one_chinese_line(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


@pytest.mark.parametrize("args, words", [
    (["check", "{clean}", "--profile", "湖南省"], ["没有名为“湖南省”的省份配置", "可选：上海市"]),
    (["ingest", str(SEEDS[0]), "--out", "{tmp}/o", "--profile", "湖南省"], ["湖南省", "可选"]),
    (["check", "/no/such"], ["/no/such", "不存在", "evalkit ingest"]),
    (["check", "{clean}", "--config", "/no/such.toml"], ["找不到检查配置文件 /no/such.toml"]),
    (["check", "{clean}", "--config", "{tmp}/typo.toml"], ["未知的设置", "budget.rate_tolerence"]),
    (["report", "--clean", "{clean}", "--out", "{tmp}/r", "--year", "二〇二二"], ["--year", "二〇二二", "不是年度"]),
    (["report", "--clean", "/no/such", "--out", "{tmp}/r"], ["/no/such", "不存在"]),
    (["report", "--clean", "{clean}", "--out", "{tmp}/r", "--region", "火星"], ["火星", "--region"]),
])
def test_user_errors_exit_2_with_one_chinese_line(clean, tmp_path, args, words):
    (tmp_path / "typo.toml").write_text("[budget]\nrate_tolerence = 1\n", encoding="utf-8")
    args = [a.format(clean=clean, tmp=tmp_path) for a in args]
    r = run_cli(*args)
    assert r.returncode == 2
    line = one_chinese_line(r.stderr)
    assert line.startswith(f"evalkit {args[0]}: ")
    for w in words:
        assert w in line


def test_missing_font_is_a_message_not_a_traceback(clean, tmp_path):
    r = evalkit("report", "--clean", clean, "--out", tmp_path / "r", "--quiet",
                env={"EVALKIT_CJK_FONT": "/no/font.ttf"})
    assert r.returncode == 2
    assert "EVALKIT_CJK_FONT" in one_chinese_line(r.stderr) and "/no/font.ttf" in r.stderr
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())


def test_debug_shows_the_traceback(clean):
    r = evalkit("--debug", "check", clean, "--profile", "湖南省")
    assert r.returncode != 0 and "Traceback" in r.stderr and "ConfigError" in r.stderr


@pytest.mark.parametrize("given, want", [("2022", "2022"), ("2022年", "2022"), ("2022年度", "2022"),
                                         ("2021-2023", "2021-2023"), ("2022,2024", "2022,2024"), (None, None)])
def test_year_option_accepts_the_ways_analysts_write_years(given, want):
    assert year_arg(given) == want


@pytest.mark.parametrize("bad", ["22", "abc", "2022-", "20222"])
def test_year_option_rejects_what_is_not_a_year(bad):
    with pytest.raises(UsageError, match="不是年度"):
        year_arg(bad)


_EXIT_PROBE = """
import atexit, pathlib, sys, tempfile
marker, data, entry = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
atexit.register(lambda: marker.write_text("hooks ran"))
tmp = tempfile.TemporaryDirectory()          # removed by its exit-time finalizer
(pathlib.Path(tmp.name) / "x").write_text("x")
print(tmp.name, file=sys.stderr, flush=True)
class Teardown:
    def __del__(self):
        sys.stderr.write("interpreter teardown\\n")
keep = Teardown()
from evalkit import cli
if entry == "run":
    cli.run(["review", "list", "--all", data])
else:
    sys.exit(cli.main(["review", "list", "--all", data]))
"""


def test_the_command_ends_after_exit_hooks_and_output_without_native_teardown(seed_clean, tmp_path):
    # Arrow's scanner threads could abort the process (SIGABRT) in the interpreter's teardown after
    # the work was done; `run` ends it once hooks have run and output is flushed, before that teardown.
    from evalkit import review, store
    want = review.format_list(store.load(seed_clean[0]), show_open=True)
    got = {}
    for entry in ("run", "main"):
        marker = tmp_path / f"{entry}.hook"
        r = subprocess.run([sys.executable, "-c", _EXIT_PROBE, str(marker), str(seed_clean[0]), entry],
                           capture_output=True, text=True, timeout=180)
        assert r.returncode == 0, r.stderr
        assert r.stdout.rstrip("\n") == want and len(want.splitlines()) > 5    # every line, flushed
        assert marker.read_text() == "hooks ran"
        assert not os.path.exists(r.stderr.splitlines()[0])                      # temp folder removed
        got[entry] = "interpreter teardown" in r.stderr
    assert got == {"run": False, "main": True}


@pytest.mark.parametrize("args, code", [(["--help"], 0), (["review", "list", "/no/such/dataset"], 2),
                                        (["no-such-command"], 2)])
def test_the_command_keeps_its_exit_code(args, code):
    r = evalkit(*args)
    assert r.returncode == code, r.stderr
    assert (r.stdout if code == 0 else r.stderr).strip()


def test_a_reader_that_leaves_the_pipe_early_is_no_error(tmp_path):
    """`evalkit ingest … | head`: the ledger's reader is gone before it is printed; the dataset is written and
    the command ends 0 without a traceback (BrokenPipeError is an OSError: it must not reach the disk-full words)."""
    p = subprocess.Popen([sys.executable, "-m", "evalkit", "ingest", *map(str, SEEDS), "--out", str(tmp_path / "c")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdout.close()                                   # `head` read nothing and left
    err = p.stderr.read()
    assert p.wait(timeout=180) == 0, err
    assert "Traceback" not in err and (tmp_path / "c" / "manifest.json").is_file()
