"""The checks' configuration: defaults from checks.toml, merged with a province profile."""
from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from evalkit import grades

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "checks.toml"


GradeBand = grades.Band  # kept name: a score at or above `min` earns `grade`


@dataclass(frozen=True)
class CheckConfig:
    """Merged settings (`settings[section][key]`), the profiles, and the profile forced, if any."""
    settings: dict[str, Any]
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    profile: str | None = None
    source: str = ""
    _derived: dict = field(default_factory=dict, compare=False, repr=False)   # province configs and bands, made once

    def get(self, section: str, key: str, default: Any = None) -> Any:
        return self.settings.get(section, {}).get(key, default)

    def dec(self, section: str, key: str) -> Decimal:
        """A numeric setting as an exact Decimal (so 0.1 is one tenth)."""
        return Decimal(str(self.settings[section][key]))

    def for_province(self, province: str | None) -> "CheckConfig":
        """The config a report of this province is checked with (a forced profile wins)."""
        if self.profile is not None or not province or province not in self.profiles:
            return self
        key = ("province", province)
        if key not in self._derived:     # the checks ask once per row: merge (deep copies) once per run
            self._derived[key] = CheckConfig(_merge(self.settings, self.profiles[province]), self.profiles,
                                             None, f"{self.source}#{province}")
        return self._derived[key]

    @property
    def bands(self) -> list[GradeBand]:
        if "bands" not in self._derived:
            self._derived["bands"] = tuple(GradeBand(lo, g) for lo, g in grades.band_pairs(self.settings["grades"]["bands"]))
        return list(self._derived["bands"])

    def grade_rank(self, word: Any) -> int | None:
        """The rank (0 = best) of a grade word in any known scale (evalkit.grades), None if unknown."""
        return grades.rank(word)

    def contract_grade(self, label: str | None) -> str | None:
        """The contract's one-character grade (优/良/中/差) for a band label."""
        return grades.contract(label)

    def severity(self, rule: str, default: str) -> str:
        return self.settings.get("severity", {}).get(rule, default)


def _merge(base: dict, over: dict) -> dict:
    """Deep merge: tables merge key by key, every other value (lists too) is replaced."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _read_toml(path: str | Path) -> dict:
    from evalkit.errors import ConfigError
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"找不到检查配置文件 {path}", "请检查 --config 的路径，或不加 --config 使用内置的 checks.toml") from None
    except OSError as e:
        raise ConfigError(f"无法读取检查配置文件 {path}（{e.strerror}）") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"检查配置文件 {path} 不是有效的 TOML（{e}）", "请对照内置的 checks.toml 修改") from None


def _unknown_keys(over: dict, base: dict, where: str = "") -> list[str]:
    """Keys of a user's config that the defaults do not have (a typo would otherwise be ignored)."""
    bad = []
    for k, v in over.items():
        if k not in base:
            bad.append(f"{where}{k}")
        elif isinstance(v, dict) and isinstance(base[k], dict) and k != "severity":
            bad += _unknown_keys(v, base[k], f"{where}{k}.")
    return bad


SEVERITIES = ("error", "warning", "info")
CHOICES = {  # settings that take one of a few words
    ("indicators", "scoring_rule"): ("proportional", "deduct", "all_or_nothing"),
    ("budget", "score_rounding"): ("none", "integer", "tenth", "half"),
}
FREE_TABLES = {"severity", "standard_weights", "group_aliases", "unit_aliases", "scale"}
REMOVED = {  # settings that moved out of the config, with where they live now
    "totals.level2_parent": "二级→一级指标的标准层级已移入 evalkit/recognize/vocabulary.py（IMPLIED_LEVEL1），请从配置中删除",
}


def _moved(keys: list[str]) -> list[str]:
    """Unknown keys that name a setting moved out of the config, each with where it lives now."""
    out = []
    for k in keys:
        base = k.split(".", 2)[2] if k.startswith("profiles.") else k
        if base in REMOVED:
            out.append(f"{k}：{REMOVED[base]}")
    return out


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "布尔值（true/false）"
    if isinstance(v, (int, float)):
        return "数字"
    if isinstance(v, str):
        return "文字"
    if isinstance(v, list):
        return "列表"
    if isinstance(v, dict):
        return "表"
    return type(v).__name__


def _same_kind(v: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(v, bool):
        return isinstance(v, bool) and isinstance(default, bool)
    if isinstance(default, (int, float)):
        return isinstance(v, (int, float))
    return isinstance(v, type(default))


def _bad_values(data: dict, defaults: dict, where: str = "") -> list[str]:
    """Settings whose value has the wrong kind or is not one of the allowed words, in Chinese."""
    from evalkit.checks.findings import RULES
    bad = []
    for k, v in data.items():
        path = f"{where}{k}"
        if k not in defaults:
            continue
        d = defaults[k]
        if path.endswith("grades.bands") or path == "bands":
            bad += _bad_bands(v, path)
        elif k == "severity" and isinstance(v, dict):
            for rule, sev in v.items():
                if rule not in RULES:
                    bad.append(f"{path}.{rule}：没有这条规则（可选：{'、'.join(RULES)}）")
                elif sev not in SEVERITIES:
                    bad.append(f"{path}.{rule} = {sev!r}：可选 {'/'.join(SEVERITIES)}")
        elif not _same_kind(v, d):
            bad.append(f"{path} = {v!r}：应为{_kind(d)}，实为{_kind(v)}")
        elif isinstance(d, dict):
            if k in FREE_TABLES:
                kinds = {_kind(x) for x in d.values()}
                bad += [f"{path}.{kk} = {vv!r}：应为{'或'.join(sorted(kinds))}"
                        for kk, vv in v.items() if kinds and _kind(vv) not in kinds]
            else:
                bad += _bad_values(v, d, f"{path}.")
        elif isinstance(d, list) and d and all(isinstance(x, str) for x in d):
            bad += [f"{path} 中的 {x!r}：应为文字" for x in v if not isinstance(x, str)]
        elif isinstance(d, (int, float)) and not isinstance(d, bool) and v < 0:
            bad.append(f"{path} = {v!r}：不能为负数")
        key = tuple(path.split(".")[-2:])
        if key in CHOICES and v not in CHOICES[key]:
            bad.append(f"{path} = {v!r}：可选 {'、'.join(CHOICES[key])}")
    return bad


def _bad_bands(v: Any, path: str) -> list[str]:
    from evalkit import grades as scales
    if not isinstance(v, list) or not v:
        return [f"{path}：应为非空列表，每项形如 {{ min = 90, grade = \"优\" }}"]
    bad, seen = [], set()
    for i, b in enumerate(v, 1):
        if not isinstance(b, dict) or set(b) != {"min", "grade"}:
            bad.append(f"{path} 第{i}项：应形如 {{ min = 90, grade = \"优\" }}")
            continue
        if isinstance(b["min"], bool) or not isinstance(b["min"], (int, float)):
            bad.append(f"{path} 第{i}项 min = {b['min']!r}：应为数字")
        if scales.rank(b["grade"]) is None:
            words = "、".join(w for ws in scales.RANK_WORDS for w in ws)
            bad.append(f"{path} 第{i}项 grade = {b['grade']!r}：不是已知的等级词（可选：{words}）")
        if b["grade"] in seen:
            bad.append(f"{path} 第{i}项 grade = {b['grade']!r}：重复")
        seen.add(b["grade"])
    return bad


def load_config(path: str | Path | None = None, profile: str | None = None) -> CheckConfig:
    """Read checks.toml (or `path`, merged over the defaults) and apply a forced profile.

    Unknown sections/keys in `path`, and an unknown profile, are ConfigErrors listing the valid choices."""
    from evalkit.errors import ConfigError
    data = _read_toml(DEFAULT_PATH)
    source = str(DEFAULT_PATH)
    if path is not None and Path(path).resolve() != DEFAULT_PATH:
        user = _read_toml(path)
        bad = [k for k in _unknown_keys({k: v for k, v in user.items() if k != "profiles"}, data)]
        for name, prof in (user.get("profiles") or {}).items():
            bad += _unknown_keys(prof, data, f"profiles.{name}.")
        moved = _moved(bad)
        if moved:
            raise ConfigError(f"检查配置文件 {path} 含有已移除的设置：{'；'.join(moved)}")
        if bad:
            raise ConfigError(f"检查配置文件 {path} 含有未知的设置：{'、'.join(bad)}",
                              f"可用的设置分组：{'、'.join(k for k in data if k != 'profiles')}；"
                              "请对照内置的 checks.toml 修改拼写")
        bad = _bad_values({k: v for k, v in user.items() if k != "profiles"}, data)
        for name, prof in (user.get("profiles") or {}).items():
            bad += _bad_values(prof, data, f"profiles.{name}.")
        if bad:
            raise ConfigError(f"检查配置文件 {path} 有 {len(bad)} 处取值不对：" + "；".join(bad),
                              "请对照内置的 checks.toml 修改")
        data = _merge(data, user)
        source = str(path)
    profiles = data.pop("profiles", {})
    if profile is not None:
        if profile not in profiles:
            raise ConfigError(f"检查配置中没有名为“{profile}”的省份配置（--profile）",
                              f"可选：{'、'.join(profiles) or '无'}；不加 --profile 时按各报告所在省份自动选用")
        data = _merge(data, profiles[profile])
    return CheckConfig(data, profiles, profile, source if profile is None else f"{source}#{profile}")
