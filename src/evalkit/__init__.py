"""evalkit: budget performance self-evaluations (预算绩效自评) into tidy, checked tables."""
from evalkit.store import load

__all__ = ["load"]
__version__ = "0.1.0"
