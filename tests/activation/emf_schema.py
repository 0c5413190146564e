"""The CloudWatch Embedded Metric Format, as a JSON schema plus the rules a schema cannot say.

Written from the published EMF specification: a root object with ``_aws`` (integer
``Timestamp`` in epoch milliseconds, ``CloudWatchMetrics``: directives with ``Namespace``,
``Dimensions`` (at least one dimension set of at most 30 keys; older text says 9) and
``Metrics`` (at most 100 definitions, each a ``Name`` and an optional CloudWatch ``Unit`` /
``StorageResolution``)); every referenced name must be a root member: a string of at most
1024 characters for a dimension, a number (or up to 100 numbers) for a metric.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema

UNITS = [
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
]

_NAME = {"type": "string", "minLength": 1, "maxLength": 1024}

EMF_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["_aws"],
    "properties": {
        "_aws": {
            "type": "object",
            "required": ["Timestamp", "CloudWatchMetrics"],
            "properties": {
                "Timestamp": {"type": "integer", "minimum": 0},
                "CloudWatchMetrics": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["Namespace", "Dimensions", "Metrics"],
                        "additionalProperties": False,
                        "properties": {
                            "Namespace": {"type": "string", "minLength": 1, "maxLength": 1024},
                            "Dimensions": {
                                "type": "array",
                                "minItems": 1,
                                "items": {
                                    "type": "array",
                                    "maxItems": 9,  # the stricter of the published limits
                                    "items": {"type": "string", "minLength": 1, "maxLength": 250},
                                },
                            },
                            "Metrics": {
                                "type": "array",
                                "maxItems": 100,
                                "items": {
                                    "type": "object",
                                    "required": ["Name"],
                                    "additionalProperties": False,
                                    "properties": {
                                        "Name": _NAME,
                                        "Unit": {"enum": UNITS},
                                        "StorageResolution": {"enum": [1, 60]},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        }
    },
}

jsonschema.Draft202012Validator.check_schema(EMF_SCHEMA)
_validator = jsonschema.Draft202012Validator(EMF_SCHEMA)


def validate_emf_line(line: str) -> dict[str, Any]:
    """Parse one stdout line as an EMF document and check it against the specification."""
    assert line == line.strip() and "\n" not in line, "one EMF document per line"
    document = json.loads(line)
    _validator.validate(document)
    assert len(line.encode()) <= 1024 * 1024, "EMF events are at most 1 MB"
    for directive in document["_aws"]["CloudWatchMetrics"]:
        for dimension_set in directive["Dimensions"]:
            for key in dimension_set:
                value = document.get(key)
                assert isinstance(value, str), f"dimension {key} must be a root string"
                assert 1 <= len(value) <= 1024 and value.isascii() and value.strip()
        for metric in directive["Metrics"]:
            value = document.get(metric["Name"])
            values = value if isinstance(value, list) else [value]
            assert 0 < len(values) <= 100, metric["Name"]
            for number in values:
                assert isinstance(number, int | float) and not isinstance(number, bool)
    return document
