"""evalkit: budget performance self-evaluations (预算绩效自评) into tidy, checked tables."""
__all__ = ["load"]
__version__ = "0.1.0"


def __getattr__(name: str):
    """`evalkit.load` on first use: importing evalkit (the CLI does) must not import pandas."""
    if name == "load":
        from evalkit.store import load
        return load
    raise AttributeError(f"module 'evalkit' has no attribute {name!r}")
