"""The checks' configuration: defaults from checks.toml, merged with a province profile."""
from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "checks.toml"


@dataclass(frozen=True)
class GradeBand:
    """A score at or above `min` earns `grade` (bands are tried highest first)."""
    min: Decimal
    grade: str


@dataclass(frozen=True)
class CheckConfig:
    """Merged settings (`settings[section][key]`), the profiles, and the profile forced, if any."""
    settings: dict[str, Any]
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    profile: str | None = None
    source: str = ""

    def get(self, section: str, key: str, default: Any = None) -> Any:
        return self.settings.get(section, {}).get(key, default)

    def dec(self, section: str, key: str) -> Decimal:
        """A numeric setting as an exact Decimal (so 0.1 is one tenth)."""
        return Decimal(str(self.settings[section][key]))

    def for_province(self, province: str | None) -> "CheckConfig":
        """The config a report of this province is checked with (a forced profile wins)."""
        if self.profile is not None or not province or province not in self.profiles:
            return self
        return CheckConfig(_merge(self.settings, self.profiles[province]), self.profiles,
                           None, f"{self.source}#{province}")

    @property
    def bands(self) -> list[GradeBand]:
        bands = [GradeBand(Decimal(str(b["min"])), str(b["grade"]))
                 for b in self.settings["grades"]["bands"]]
        return sorted(bands, key=lambda b: b.min, reverse=True)

    def grade_rank(self, word: Any) -> int | None:
        """The rank (0 = best) of a grade word in any known scale, None if unknown."""
        if word is None or (isinstance(word, float) and word != word):
            return None
        w = str(word).strip()
        if not w:
            return None
        for i, words in enumerate(self.settings["grades"]["ranks"]):
            if w in words:
                return i
        for i, words in enumerate(self.settings["grades"]["ranks"]):  # 优秀等次 etc.
            if any(len(x) > 1 and x in w for x in words):
                return i
        return None

    def contract_grade(self, label: str | None) -> str | None:
        """The contract's one-character grade (优/良/中/差) for a band label."""
        r = self.grade_rank(label)
        return None if r is None else self.settings["grades"]["contract_grades"][r]

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
        if bad:
            raise ConfigError(f"检查配置文件 {path} 含有未知的设置：{'、'.join(bad)}",
                              f"可用的设置分组：{'、'.join(k for k in data if k != 'profiles')}；"
                              "请对照内置的 checks.toml 修改拼写")
        data = _merge(data, user)
        source = str(path)
    profiles = data.pop("profiles", {})
    if profile is not None:
        if profile not in profiles:
            raise ConfigError(f"检查配置中没有名为“{profile}”的省份配置（--profile）",
                              f"可选：{'、'.join(profiles) or '无'}；不加 --profile 时按各报告所在省份自动选用")
        data = _merge(data, profiles[profile])
    return CheckConfig(data, profiles, profile, source if profile is None else f"{source}#{profile}")
