"""checks.toml overrides are validated on load: a typo or a bad value is a Chinese error listing the choices."""
import pytest

from evalkit.checks import load_config
from evalkit.errors import ConfigError


def _load(tmp_path, text):
    p = tmp_path / "my.toml"
    p.write_text(text, encoding="utf-8")
    return load_config(p)


def test_valid_override_is_merged(tmp_path):
    c = _load(tmp_path, "[budget]\nrate_tolerance = 1\n[severity]\ngrade_mismatch = \"warning\"\n")
    assert c.get("budget", "rate_tolerance") == 1 and c.severity("grade_mismatch", "error") == "warning"
    assert c.get("budget", "score_tolerance") == 0.1        # the rest stays default


def test_unknown_key_is_named(tmp_path):
    with pytest.raises(ConfigError, match="budget.rate_tolerence"):
        _load(tmp_path, "[budget]\nrate_tolerence = 1\n")


@pytest.mark.parametrize("text,words", [
    ("[budget]\nrate_tolerance = \"0.5\"\n", ["budget.rate_tolerance", "应为数字"]),
    ("[budget]\ncut_ratio = -1\n", ["不能为负数"]),
    ("[budget]\ncap_score_at_weight = 1\n", ["布尔值"]),
    ("[indicators]\nscoring_rule = \"linear\"\n", ["proportional", "deduct", "all_or_nothing"]),
    ("[severity]\ngrade_mismatch = \"fatal\"\n", ["error/warning/info"]),
    ("[severity]\nno_such_rule = \"error\"\n", ["没有这条规则", "grade_mismatch"]),
    ("[grades]\nbands = [ { min = 90, grade = \"超级\" } ]\n", ["不是已知的等级词", "不合格"]),
    ("[grades]\nbands = []\n", ["非空列表"]),
    ("[profiles.\"某省\".budget]\nrate_tolerance = \"x\"\n", ["profiles.某省.budget.rate_tolerance"]),
])
def test_bad_values_are_errors_with_choices(tmp_path, text, words):
    with pytest.raises(ConfigError) as e:
        _load(tmp_path, text)
    for w in words:
        assert w in str(e.value)


def test_unknown_profile_lists_the_profiles():
    with pytest.raises(ConfigError, match="上海市"):
        load_config(profile="火星省")
