"""fast_init builds the very values the dataclass's own __init__ builds, and they stay frozen."""

from __future__ import annotations

import dataclasses
from dataclasses import InitVar, dataclass, field

import pytest

from bedrock_cache_hook.call_record import CallRecord
from bedrock_cache_hook.frozen import fast_init
from bedrock_cache_hook.request.plan_types import Observations, PlannedMarker


def _sample() -> type:
    """A new class each call: one keeps the dataclass's __init__, one gets fast_init's."""

    @dataclass(frozen=True)
    class Sample:
        a: int
        b: str = "x"
        c: list[int] = field(default_factory=list)
        d: int = field(init=False, default=7)
        e: tuple[int, ...] = field(init=False, default_factory=tuple)
        scale: InitVar[int] = 1
        f: int = field(default=0, kw_only=True)

        def __post_init__(self, scale: int) -> None:
            self.__dict__["d"] = self.a * scale

    return Sample


_Plain = _sample()
_Fast = fast_init(_sample())


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((1,), {}), ((2, "y"), {}), ((3, "z", [1]), {"scale": 4, "f": 9}), ((), {"a": 5})],
)
def test_same_values_as_the_dataclass_init(args: tuple[object, ...], kwargs: dict) -> None:
    plain, fast = _Plain(*args, **kwargs), _Fast(*args, **kwargs)
    assert dataclasses.asdict(plain) == dataclasses.asdict(fast)
    assert _Fast(1).c is not _Fast(1).c  # a fresh default per instance


def test_still_frozen_and_checked() -> None:
    marker = PlannedMarker(3, None, "tail")
    with pytest.raises(dataclasses.FrozenInstanceError):
        marker.after = 4  # type: ignore[misc]
    assert marker == PlannedMarker(3, None, "tail") and hash(marker) == hash(
        PlannedMarker(3, None, "tail")
    )
    assert dataclasses.replace(marker, ttl="1h").ttl == "1h"
    with pytest.raises(TypeError):
        PlannedMarker(3, None)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Observations(churn=True, nonsense=1)  # type: ignore[call-arg]
    record = CallRecord("converse", "m", 0.0, 1.0, "hit")
    assert (
        record.findings == [] and record.findings is not CallRecord("c", "m", 0, 1, "hit").findings
    )


def test_refuses_what_it_cannot_build() -> None:
    @dataclass
    class Mutable:
        a: int

    with pytest.raises(TypeError):
        fast_init(Mutable)
