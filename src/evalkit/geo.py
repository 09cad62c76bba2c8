"""County -> city -> province from the cpca administrative-division dataset (not a hand-written table).

A place is only what the text supports: a county name shared by several divisions (朝阳区 of 北京市 and
of 长春市) gets its city and province only when the text (or the document around it) names one of
them, and a bare 县 or 市辖区 (the dataset's placeholder names) locates nothing."""
from __future__ import annotations

import warnings
from functools import lru_cache

from evalkit.schema import FROM_PATH

# the dataset's names of groups, not places: cpca reads the 县 of any "某某县财政局" as 重庆市's 县
PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_SUFFIXES = ("特别行政区", "自治区", "自治州", "地区", "省", "市", "盟")
MUNICIPALITIES = frozenset({"北京市", "天津市", "上海市", "重庆市"})   # their districts' city is the municipality


def locate(text: str | None, context: str | None = None) -> tuple[str | None, str | None, str | None]:
    """(county, city, province) named in `text`, e.g. an agency's full name; Nones when none is found.

    Municipalities' districts get the municipality as their city (上海市普陀区 -> 普陀区, 上海市, 上海市).
    A county name several divisions share takes the one whose city or province `text`, else `context`
    (the document's opening text), names; when neither does, city and province stay None."""
    county, city, province = _locate(text)
    if county is not None and city is None and province is None and context:
        picked = _pick(county, context)
        if picked is not None:
            return county, picked[0], picked[1]
    return county, city, province


@lru_cache(maxsize=4096)
def _locate(text: str | None) -> tuple[str | None, str | None, str | None]:
    if not text:
        return None, None, None
    row = _cpca_row(text)
    province, city, county = (row.get("省") or None), (row.get("市") or None), (row.get("区") or None)
    if county in PLACEHOLDERS or (county is not None and _in_a_word(county, text)):
        county = None       # its city and province stay only where the text names them (below)
    if county is None:
        # cpca's matcher reads 五大连池市 as 大连市 and 梅县区 as 重庆市's 县: a full county name in the text wins
        found = county_names_in(text)
        if len(found) == 1:
            return _resolve(found[0], text)
        # a city or province only where the text names it (not a placeholder)
        if city in PLACEHOLDERS or (city is not None and not named(city, text)):
            city = None
        if province is not None and city is None and not named(province, text):
            province = None
        return None, city, province
    if len(candidates(county)) > 1:
        return _resolve(county, text)
    if city in PLACEHOLDERS:
        city = province if city == "市辖区" or city == "县" else None
    return county, city, province


def place(agency: str | None, head, path: str | None = None) -> tuple[str | None, str | None, str | None, str | None]:
    """(county, city, province, where they were read): the agency's name (单位名称), else the document's
    opening text `head` (a str, or a callable giving it; 文件开头), which also settles a county name several
    divisions share, else the file's own `path` (by_path; 文件路径)."""
    county, city, province = locate(agency)
    source = "单位名称" if county or city or province else None
    if county is None or (city is None and province is None):
        text = head() if callable(head) else head
        if county is None:
            found = locate(text)
            if found[0] is not None or not (city or province):
                (county, city, province), source = found, ("文件开头" if any(found) else None)
        else:
            found = locate(agency, context=text)
            if found[1] or found[2]:
                (county, city, province), source = found, "文件开头"
    if path is not None:
        found = by_path(county, city, province, path)
        if found is not None:
            (county, city, province), source = found, FROM_PATH
    return county, city, province, source


def by_path(county: str | None, city: str | None, province: str | None, path: str) -> tuple | None:
    """The place a file's path gives a document that names no county, or a shared county name without its
    city (`…/广东省/韶关市/浈江区/2024年度浈江区教育局….pdf`: users file reports by place, and OCR may misread
    the name in the document); None when the path does not settle it. Used only when the path names one
    county and the document names no city (a city's own agency, 岳阳市财政局, is no county's), nor another
    province; or when the document's county is the path's one without its first characters (寿县 of 安徽省 for
    四川省's 仁寿县, whose 仁 a seal hid; 城区, five divisions' name, for 石家庄市's 藁城区, its rare 藁 not read)."""
    path = path.replace("!", "/")
    if county is None:
        found = locate(path)
        if (found[0] is not None and len(county_names_in(path)) <= 1 and city is None
                and (province is None or found[2] == province)):
            return found
    elif city is None and province is None:
        found = locate(county, context=path)
        if found[1] or found[2]:
            return found
    # the path's county with its first characters lost (寿县 read for 仁寿县: OCR, a cut cell), a county of its own
    # or one several divisions share that the path does not settle (城区 read for 藁城区: a rare character lost)
    if county is not None and len(names := county_names_in(path)) == 1 and names[0] != county \
            and names[0].endswith(county):
        return locate(path)
    return None


def _resolve(county: str, text: str) -> tuple[str, str | None, str | None]:
    """A county named in `text`, with the city and province of the division it is (None where the
    name is shared and the text does not say which)."""
    places = candidates(county)
    if len(places) == 1:
        return (county, *places[0])
    picked = _pick(county, text)
    return (county, *picked) if picked is not None else (county, None, None)


def county_names_in(text: str) -> list[str]:
    """The distinct county-level names of three or more characters written in `text` (as names, not as
    the start of 区域: 城中区域, 和平区域, 江北区域)."""
    return list(dict.fromkeys(m.group(0) for m in _county_pattern().finditer(text) if not _quyu(m, text)))


def _quyu(m, text: str) -> bool:
    """Whether the district name matched at `m` is the start of the word 区域, not a name."""
    return m.group(0).endswith("区") and text.startswith("域", m.end())


def _in_a_word(name: str, text: str) -> bool:
    """Whether a district's name appears in `text` only as the start of 区域 (推进城中区域改造: not 城中区)."""
    import re
    found = list(re.finditer(re.escape(name), text))
    return bool(found) and all(_quyu(m, text) for m in found)


@lru_cache(maxsize=1)
def _county_pattern():
    import re
    by_name, _ = _divisions()
    names = sorted((n for n in by_name if len(n) >= 3 and n not in PLACEHOLDERS), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names)))


def _pick(county: str, text: str) -> tuple[str | None, str] | None:
    """(city, province) of the one division named `county` whose city or province `text` names; (None,
    province) when the text names only a province that several of them share; None when it names none."""
    fits = {p for p in candidates(county) if named(p[0], text) or named(p[1], text)}
    if len(fits) > 1:        # 鼓楼区 of 南京市 and of 徐州市: a text naming 徐州市 (and 江苏省) means 徐州's
        fits = {p for p in fits if p[0] and named(p[0], text)} or fits
    if len(fits) == 1:
        return fits.pop()
    provinces = {p[1] for p in fits}
    return (None, provinces.pop()) if len(provinces) == 1 else None   # 江苏省鼓楼区: its province only


def named(name: str | None, text: str) -> bool:
    """Whether `text` names the city or province `name`, in full or short (河南省 -> 河南,
    红河哈尼族彝族自治州 -> 红河, 新疆维吾尔自治区 -> 新疆)."""
    if not name or not text:
        return False
    return name in text or short_name(name) in text


def short_name(name: str) -> str:
    base = name
    for suffix in _SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix) + 1:
            base = base[:-len(suffix)]
            break
    if "族" in base or len(base) > 4:      # 广西壮族 -> 广西, 延边朝鲜族 -> 延边, 新疆维吾尔 -> 新疆
        base = base[:2]
    return base


@lru_cache(maxsize=8192)
def candidates(county: str) -> tuple[tuple[str | None, str], ...]:
    """(city, province) of every county-level division named `county`; a municipality's district has
    the municipality as its city."""
    by_name, names = _divisions()
    out = []
    for code in dict.fromkeys(by_name.get(county, [])):
        province = names.get(code[:2] + "0000")
        city = names.get(code[:4] + "00")
        if city in PLACEHOLDERS:
            city = province if province in MUNICIPALITIES else None
        if province:
            out.append((city, province))
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=1)
def _divisions() -> tuple[dict, dict]:
    """cpca's division table: county name -> [county codes], code -> name (provinces, cities, counties)."""
    import cpca
    by_name: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for a in cpca.ad_2_addr_dict.values():
        code = str(a.adcode)[:6]
        names[code] = a.name
        if a.rank == 2:
            by_name.setdefault(a.name, []).append(code)
    return by_name, names


@lru_cache(maxsize=65536)
def division_code(county: str | None, city: str | None = None, province: str | None = None) -> str | None:
    """The 6-digit division code of a county given its city and/or province; None when unknown or
    ambiguous (a name shared by several counties needs its city or province)."""
    if not county:
        return None
    by_name, names = _divisions()
    hits = by_name.get(str(county), [])
    if province:
        hits = [c for c in hits if names.get(c[:2] + "0000") == province]
    if city:
        hits = [c for c in hits if city in (names.get(c[:4] + "00"), names.get(c[:2] + "0000"))]
    return hits[0] if len(set(hits)) == 1 else None


def _cpca_row(text: str) -> dict:
    """cpca's record for one text ({"省": …, "市": …, "区": …}): its one-text matcher when the
    installed cpca has it, else a row of cpca.transform (a DataFrame per call costs ~5 ms)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import cpca
    one = getattr(cpca, "_get_one_addr", None)
    if one is not None:
        return one(text, False, {})
    return cpca.transform([text]).iloc[0].to_dict()
