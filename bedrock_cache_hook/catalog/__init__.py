"""The model catalog: what every Bedrock model id supports for caching, and its prices.

- :mod:`.ids` takes id forms apart (profiles, ARNs); :mod:`.names` reads provider, line and
  version out of a foundation model id;
- :mod:`.entries` lists the models, with sources and as-of dates;
- :mod:`.infer` borrows the nearest entry's rules for ids not listed;
- :mod:`.resolve` puts it together with the user's aliases and overrides;
- :mod:`.prices` turns usage into dollars; :mod:`.table` renders the catalog.
"""

from .entries import AS_OF, ENTRIES, PRICES, SOURCES, Entry
from .ids import ModelRef, parse_model_id
from .overrides import validate_overrides
from .prices import cost
from .resolve import Resolution, resolve
from .spec import ALL_SECTIONS, ModelSpec, Prices, Section

__all__ = [
    "ALL_SECTIONS",
    "AS_OF",
    "ENTRIES",
    "PRICES",
    "SOURCES",
    "Entry",
    "ModelRef",
    "ModelSpec",
    "Prices",
    "Resolution",
    "Section",
    "cost",
    "parse_model_id",
    "resolve",
    "validate_overrides",
]
