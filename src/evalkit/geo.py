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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import cpca
        df = cpca.transform([text])
    row = df.iloc[0]
    province, city, county = (row.get("省") or None), (row.get("市") or None), (row.get("区") or None)
    if city in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
        city = province if city in ("市辖区", "县") else None
    if county is None:
        return None, city, province
    return county, city, province
