"""JSON-lines ledger file: one object per record, whole lines under concurrency, no text."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import pytest

import bedrock_cache_hook
from bedrock_cache_hook.export.jsonl import JsonlExporter, record_to_json
from tests.support import (
    boto3_client,
    converse_params,
    converse_response,
    json_response,
    respond_with,
)

from .records import MODEL, record


class Finding:
    code = "below-minimum"
    severity = "warning"
    location = "system[0]"
    message = "quotes the prompt: SECRET"


def test_a_record_is_one_json_object_with_every_count(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    exporter = JsonlExporter(str(path))
    exporter(record(findings=[Finding()]))
    exporter(record(status="miss"))
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["model_id"] == MODEL
    assert first["status"] == "hit"
    assert first["cache_read_tokens"] == 900
    assert first["cost_usd"] == 0.001
    assert first["findings"] == [
        {"type": "Finding", "code": "below-minimum", "severity": "warning", "location": "system[0]"}
    ]
    assert "SECRET" not in path.read_text()
    assert json.loads(lines[1])["status"] == "miss"


def test_threads_never_interleave_lines(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    exporter = JsonlExporter(str(path))

    def write(n: int) -> None:
        for i in range(150):
            exporter(record(request_id=f"{n}-{i}", model_id="m" * 3000))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    ids = [json.loads(line)["request_id"] for line in path.read_text().splitlines()]
    assert sorted(ids) == sorted(f"{n}-{i}" for n in range(8) for i in range(150))


def test_an_unwritable_path_warns_once_and_never_raises(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    exporter = JsonlExporter(str(tmp_path / "missing-dir" / "ledger.jsonl"))
    with caplog.at_level(logging.WARNING, logger="bedrock_cache_hook"):
        exporter(record())
        exporter(record())
    assert len(caplog.records) == 1
    assert "cannot append to JSON-lines ledger" in caplog.records[0].getMessage()


def test_installed_client_appends_each_call(tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    client = boto3_client()
    respond_with(client, lambda _: json_response(converse_response()))
    bedrock_cache_hook.install(client, mode="audit", jsonl_path=str(path))
    params = converse_params()
    params["messages"][0]["content"][0]["text"] = "private words"
    client.converse(**params)
    client.converse(**params)
    text = path.read_text()
    assert [json.loads(line) for line in text.splitlines()] == [
        json.loads(record_to_json(r)) for r in bedrock_cache_hook.get_ledger().records()
    ]
    assert "private words" not in text
