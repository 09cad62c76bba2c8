"""Property-based tests: every public normalizer and the text reader, on any input, give a value
of the documented type or the documented error (ReadError for the reader), never another
exception; and a mutation run over the seed reports, ingested in one batch."""
from __future__ import annotations

import codecs
import math
import os
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import SEEDS
from evalkit.model import Document, Paragraph, ReadError, Table
from evalkit.normalize import (clean_text, drop_parenthetical, grade_from_score, is_empty_mark,
                               normalize_grade, parse_measure, parse_number, parse_operator,
                               parse_percent, strip_annotation, strip_list_prefix)
from evalkit.readers.text import CONTROL, parse_text, read_text

# 200 examples a property keeps the file near 20 s; EVALKIT_PROPERTY_EXAMPLES=5000 for a deeper hunt
PROPS = settings(max_examples=int(os.environ.get("EVALKIT_PROPERTY_EXAMPLES", 200)), deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])
HEAVY = settings(PROPS, max_examples=max(10, PROPS.max_examples // 4))     # whole seed files per example

# ----------------------------------------------------------------------------- strategies

CELL_ALPHABET = ("0123456789.,%+-— 　\t\n：:（）()≥≤＞＜>=<＝≧≦一/／…"
                 "指标人万元次月份年优秀良好中等合格较差不大于小等超过低高少多分\"“”「」")
cell_text = st.text(alphabet=CELL_ALPHABET, max_size=20)      # looks like a table cell
number_text = st.builds(
    lambda sign, n, frac, sep, pct, ws: f"{sign}{n:,}".replace(",", sep) + frac + pct + ws,
    st.sampled_from(["", "-", "+"]), st.integers(0, 10 ** 12), st.sampled_from(["", ".5", ".25", ".0"]),
    st.sampled_from([",", ""]), st.sampled_from(["", "%", "％"]), st.sampled_from(["", " ", "\n", "　"]))
TOKENS = ["指标1:", "指标 2：", " ", "　", "\n", '"', "“", "”", "「", "」", "优秀", "良好", "合格", "不合格", "较差",
          "中", "(50分)", "（20）分", "(A)", "（万元）", ":", "：", "≥", ">=", "不低于", "≤", "＜", "=", "大于", "95",
          "1,234", ".5", "%", "％", "万元", "人次", "1年以上", "—", "/", "一", "无", "-", "+", "e5", "٣", "①", "nan",
          "inf", "9" * 400]
token_text = st.lists(st.sampled_from(TOKENS), max_size=8).map("".join)   # cells built from report words
any_text = st.one_of(st.text(), cell_text, number_text, token_text)
text_or_none = st.one_of(st.none(), any_text)
any_value = st.one_of(
    st.none(), any_text, st.booleans(), st.integers(), st.integers(min_value=10 ** 300, max_value=10 ** 400),
    st.floats(allow_nan=True, allow_infinity=True), st.decimals(allow_nan=True, allow_infinity=True),
    st.binary(max_size=20))

OPS = {None, "≥", "≤", "=", ">", "<"}
WS_CHARS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]")


def finite_or_none(v) -> bool:
    return v is None or (type(v) is float and math.isfinite(v))


# ----------------------------------------------------------------------------- normalizers

@PROPS
@given(any_value)
def test_clean_text_none_or_nonempty_without_whitespace(s):
    out = clean_text(s)
    assert out is None or (isinstance(out, str) and out and not WS_CHARS.search(out))


@PROPS
@given(text_or_none)
def test_strip_list_prefix_none_or_stripped_text(s):
    out = strip_list_prefix(s)
    assert out is None or (isinstance(out, str) and out == out.strip() and out)
    assert strip_list_prefix(out) == out            # idempotent: no prefix left behind


@PROPS
@given(st.text(alphabet=" 　\t\n", max_size=3), st.lists(st.sampled_from(["指标1:", "指标 2：", "指标12: "]), max_size=3),
       token_text)
def test_strip_list_prefix_drops_any_prefix_run(ws, prefixes, name):
    assert strip_list_prefix(ws + "".join(prefixes) + name) == strip_list_prefix(name)


@PROPS
@given(any_value)
def test_is_empty_mark_is_bool(s):
    assert isinstance(is_empty_mark(s), bool)


@PROPS
@given(any_value)
def test_parse_number_and_percent_finite_float_or_none(s):
    for f in (parse_number, parse_percent):
        assert finite_or_none(f(s))


@PROPS
@given(st.floats(min_value=-1e12, max_value=1e12), st.sampled_from(["", "%", " ", "\n"]))
def test_parse_number_reads_formatted_numbers(x, suffix):
    assert parse_number(f"{x:,.2f}{suffix}") == float(f"{x:.2f}")
    assert parse_number(x) == x


@PROPS
@given(text_or_none)
def test_parse_operator_canonical_symbol_and_rest(s):
    op, rest = parse_operator(s)
    assert op in OPS and isinstance(rest, str)


@PROPS
@given(any_value)
def test_parse_measure_operator_finite_value_short_unit(s):
    op, value, unit = parse_measure(s)
    assert op in OPS and finite_or_none(value)
    assert unit is None or (isinstance(unit, str) and 0 < len(unit) <= 6 and not re.search(r"\d", unit))


@PROPS
@given(st.sampled_from(["", "≥", ">=", "不低于", "≤", "＜", "=", "大于"]),
       st.decimals(min_value=0, max_value=10 ** 9, places=2),
       st.sampled_from(["", "人", "万元", "%", "人次", "个"]))
def test_parse_measure_reads_written_measures(op_word, value, unit):
    op, v, u = parse_measure(f"{op_word}{value} {unit}")
    assert v == float(value) and u == (unit or None) and (op is None) == (op_word == "")


@PROPS
@given(any_value)
def test_normalize_grade_one_character_or_none(s):
    g, raw = normalize_grade(s)
    assert g in (None, "优", "良", "中", "差")
    assert raw is None or (isinstance(raw, str) and raw)
    assert g is None or raw is not None


@PROPS
@given(st.sampled_from(['"', "“", "「"]), token_text)
def test_normalize_grade_ignores_quotes(q, word):
    close = {"“": "”", "「": "」"}.get(q, q)
    assert normalize_grade(q + word + close) == normalize_grade(word.strip("\"'“”「」"))


bands_strategy = st.lists(st.tuples(st.one_of(st.floats(-1e6, 1e6), st.just(float("nan"))), st.sampled_from(["优", "良", "中", "差", "合格"])),
                          min_size=1, max_size=5).map(
    lambda bs: tuple(sorted(bs, key=lambda b: -b[0])) + ((float("-inf"), "差"),))


@PROPS
@given(any_value, st.one_of(st.just(None), bands_strategy))
def test_grade_from_score_one_of_the_bands_or_none(score, bands):
    from evalkit.normalize import DEFAULT_BANDS
    bands = bands or DEFAULT_BANDS
    g = grade_from_score(score, bands)
    assert g is None or g in {b[1] for b in bands}


@PROPS
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
def test_grade_from_score_total_on_finite_scores(score):
    assert grade_from_score(score) in ("优", "良", "中", "差")


@PROPS
@given(text_or_none)
def test_strip_annotation_and_drop_parenthetical_types(s):
    out = strip_annotation(s)
    assert out is None or (isinstance(out, str) and out)
    out = drop_parenthetical(s)
    assert isinstance(out, str) and not WS_CHARS.search(out)


# ----------------------------------------------------------------------------- text reader

@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("props")


def read_bytes_as_txt(scratch: Path, raw: bytes):
    """read_text on the bytes: a Document with blocks, or ReadError; anything else fails the test."""
    p = scratch / "x.txt"
    p.write_bytes(raw)
    try:
        doc = read_text(p)
    except ReadError as e:
        assert str(e) and not isinstance(e, UnicodeError)
        return None
    assert isinstance(doc, Document) and doc.blocks
    for b in doc.blocks:
        assert isinstance(b, (Paragraph, Table))
        cells = [b.text] if isinstance(b, Paragraph) else [c for r in b.rows for c in r]
        assert all(isinstance(c, str) and not CONTROL.search(c) for c in cells)
    return doc


PREFIXES = [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE,
            b"\t", b"\x00", "项目名称\t".encode("utf-8"), "项目名称\t".encode("utf-16-le")]


@PROPS
@given(st.sampled_from(PREFIXES), st.binary(max_size=3000))
def test_read_text_on_any_bytes_document_or_read_error(scratch, prefix, raw):
    read_bytes_as_txt(scratch, prefix + raw)


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be",
             "gb18030", "gbk", "big5"]


@PROPS
@given(st.text(max_size=300), st.sampled_from(ENCODINGS))
def test_read_text_on_any_text_in_any_encoding(scratch, text, encoding):
    read_bytes_as_txt(scratch, text.encode(encoding, errors="replace"))


# report-like text: characters the seeds are made of, tabs and line breaks, markers
SEED_CHARS = sorted({c for p in SEEDS for c in p.read_text(encoding="utf-8")} - set("\r\x0b\x0c\ufeff"))
report_line = st.one_of(
    st.text(alphabet=SEED_CHARS, max_size=30),
    st.lists(st.text(alphabet=SEED_CHARS, max_size=8), min_size=2, max_size=6).map("\t".join),
    st.text(alphabet=SEED_CHARS, max_size=10).map(lambda s: "\t" + s),
    st.sampled_from(["", "[bookmark: _Toc1]", "[image: x.png]一、概况"]))
report_text = st.lists(report_line, max_size=25).map("\n".join)


@PROPS
@given(report_text, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "gb18030"]))
def test_report_text_round_trips_in_unambiguous_encodings(scratch, text, encoding):
    """UTF-8 (BOM or not), UTF-16/32 with a BOM, GB18030 of the seeds' characters: read exactly."""
    raw = text.encode(encoding)
    if encoding == "gb18030":
        from evalkit.readers.text import _plausibility
        assume(_plausibility(text) == 1.0)    # rarer characters ('⑫', NBSP) may legitimately look like Big5
        try:                                  # a few hanzi can be valid UTF-8 too ('全' = C8 AB = 'ȫ'):
            raw.decode("utf-8")               # UTF-8 comes first, by design
            assume(False)
        except UnicodeDecodeError:
            pass
    doc = read_bytes_as_txt(scratch, raw)
    expected = parse_text(text).blocks if text.strip() else []
    assert (doc.blocks if doc else []) == expected


@PROPS
@given(report_text, st.sampled_from(ENCODINGS), st.lists(st.tuples(st.integers(0), st.integers(0, 255)), max_size=5),
       st.integers(0))
def test_read_text_on_damaged_report_text(scratch, text, encoding, flips, cut):
    """Report-like text in any encoding with bytes overwritten and the end cut off."""
    raw = bytearray(text.encode(encoding, errors="replace"))
    for i, b in flips:
        if raw:
            raw[i % len(raw)] = b
    read_bytes_as_txt(scratch, bytes(raw[:len(raw) - cut % (len(raw) + 1) // 4]))


SEED_TEXTS = [p.read_text(encoding="utf-8") for p in SEEDS]


@HEAVY
@given(st.sampled_from(range(len(SEEDS))), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "gb18030"]),
       st.lists(st.tuples(st.integers(0), st.integers(0, 255)), min_size=1, max_size=5))
def test_seed_with_a_few_damaged_bytes_still_reads(scratch, k, encoding, flips):
    """A few overwritten bytes in a seed (any encoding): still a Document, never an error."""
    raw = bytearray(SEED_TEXTS[k].encode(encoding, errors="replace"))
    for i, b in flips:
        raw[i % len(raw)] = b
    assert read_bytes_as_txt(scratch, bytes(raw)) is not None


# ----------------------------------------------------------------------------- mutation run

MUTATIONS = ("flip", "drop", "duplicate", "shuffle", "truncate")


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    """1–3 random mutations of a file's bytes: bytes flipped, lines dropped, duplicated,
    shuffled (a window of lines), the file truncated."""
    done = []
    for kind in rng.sample(MUTATIONS, rng.randint(1, 3)):
        lines = data.split(b"\n")
        if kind == "flip":
            b = bytearray(data)
            for _ in range(rng.randint(1, 8)):
                if b:
                    b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
            data = bytes(b)
        elif kind == "drop":
            for _ in range(rng.randint(1, max(1, len(lines) // 10))):
                if len(lines) > 1:
                    del lines[rng.randrange(len(lines))]
            data = b"\n".join(lines)
        elif kind == "duplicate":
            i = rng.randrange(len(lines))
            j = min(len(lines), i + rng.randint(1, 30))
            lines[j:j] = lines[i:j]
            data = b"\n".join(lines)
        elif kind == "shuffle":
            i = rng.randrange(len(lines))
            window = lines[i:i + rng.randint(2, 40)]
            rng.shuffle(window)
            lines[i:i + len(window)] = window
            data = b"\n".join(lines)
        elif kind == "truncate":
            data = data[:rng.randrange(len(data) + 1)]
        done.append(kind)
    return data, done


def write_mutants(folder: Path, ns) -> list[str]:
    """Mutant n of seed n % 5 (random.Random(n)), its mutation seed in a first line: no two files
    byte-identical (they would be `duplicate`)."""
    seeds = [p.read_bytes() for p in SEEDS]
    assert len(seeds) == 5
    folder.mkdir(exist_ok=True)
    names = []
    for n in ns:
        data, kinds = mutate(seeds[n % len(seeds)], random.Random(n))
        name = f"m{n:03d}_{SEEDS[n % len(SEEDS)].stem[:3]}_{'-'.join(kinds)}.txt"
        (folder / name).write_bytes(f"mutation {n}\n".encode() + data)
        names.append(name)
    return names


# 40 mutants keep the run near 6 s; EVALKIT_MUTANTS=400 for a deeper run
N_MUTANTS = int(os.environ.get("EVALKIT_MUTANTS", 40))


def test_mutated_seeds_ingest_in_one_run_one_row_each(tmp_path):
    from evalkit.ingest import ingest_paths
    folder = tmp_path / "mutated"
    names = write_mutants(folder, range(N_MUTANTS))
    tables = ingest_paths([folder], out_dir=None, checks=True)
    reports = tables["reports"]
    files = [Path(s).name for s in reports["source_file"]]
    assert sorted(files) == sorted(names)                        # exactly one row per file
    assert set(reports["status"]) <= {"ok", "partial", "failed", "duplicate"}
    failed = reports[reports["status"] == "failed"]
    assert all(isinstance(e, str) and e.strip() for e in failed["error"])
    # every file was parsed: a damaged copy whose recognized content equals another copy's is a
    # `same_report` duplicate of a parsed row of this run (never `same_file`: no two files are equal);
    # one whose figures differ is another version (`other_version`) of a mutant of the same seed
    dups = reports[reports["status"] == "duplicate"]
    kept = set(reports.loc[reports["status"] != "duplicate", "source_file"])
    assert set(dups["duplicate_kind"]) <= {"same_report", "other_version"}
    seed_of = lambda f: Path(f).name.split("_")[1]  # noqa: E731
    assert all(seed_of(a) == seed_of(b) for a, b in zip(dups["source_file"], dups["duplicate_of_file"]))
    assert set(dups.get("duplicate_of_file", [])) <= kept
    assert (reports["status"].isin(["ok", "partial", "duplicate"])).sum() >= N_MUTANTS // 2   # most still read


def test_mutants_with_a_repeated_project_table_do_not_stop_the_run(tmp_path):
    """Mutants 63, 92 (seeds 003, 002, lines duplicated and shuffled) once stopped the whole run:
    identity.content_key sorted projects whose figures were None next to floats (TypeError)."""
    from evalkit.ingest import ingest_paths
    names = write_mutants(tmp_path / "mutated", [63, 92])
    reports = ingest_paths([tmp_path / "mutated"], out_dir=None, checks=True)["reports"]
    assert sorted(Path(s).name for s in reports["source_file"]) == sorted(names)
