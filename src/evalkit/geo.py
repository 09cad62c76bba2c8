"""County -> city -> province from the cpca administrative-division dataset (not a hand-written table)."""
from __future__ import annotations

import warnings
from functools import lru_cache


@lru_cache(maxsize=4096)
def locate(text: str | None) -> tuple[str | None, str | None, str | None]:
    """(county, city, province) named in `text`, e.g. an agency's full name; Nones when none is found.

    Municipalities' districts get the municipality as their city (上海市普陀区 -> 普陀区, 上海市, 上海市)."""
    if not text:
        return None, None, None
    row = _cpca_row(text)
    province, city, county = (row.get("省") or None), (row.get("市") or None), (row.get("区") or None)
    if city in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
        city = province if city in ("市辖区", "县") else None
    if county is None:
        return None, city, province
    return county, city, province


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
