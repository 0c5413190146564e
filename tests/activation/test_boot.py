"""The start-up hook in real interpreters: the .pth, the lazy wait for botocore, activation."""

from __future__ import annotations

import importlib.util
import json
import textwrap
from pathlib import Path

import pytest

from .subprocess_env import clean_env, run_python

ROOT = Path(__file__).resolve().parents[2]

# A Bedrock call with no import or call of ours: botocore answers from a before-send handler.
PLAIN_CALL = textwrap.dedent(
    """
    import json, sys
    import boto3
    from botocore.awsrequest import AWSResponse

    class Raw:
        def __init__(self, data): self.data = data
        def stream(self, **_): yield self.data

    body = json.dumps({
        "output": {"message": {"role": "assistant", "content": [{"text": "hi"}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 5, "outputTokens": 1, "totalTokens": 6},
    }).encode()
    client = boto3.client("bedrock-runtime")
    client.meta.events.register(
        "before-send.bedrock-runtime",
        lambda **_: AWSResponse("https://x", 200, {"content-type": "application/json"}, Raw(body)),
    )
    reply = client.converse(
        modelId="us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        messages=[{"role": "user", "content": [{"text": "hello"}]}],
    )
    print(reply["stopReason"])
    """
)

REPORT = textwrap.dedent(
    """
    import json, sys
    watched = ("botocore", "boto3", "bedrock_cache_hook", "_bedrock_cache_hook_boot")
    print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in watched)))
    """
)


def top_level(modules: list[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_the_pth_and_boot_module_are_installed() -> None:
    spec = importlib.util.find_spec("_bedrock_cache_hook_boot")
    assert spec is not None and spec.origin is not None
    installed = Path(spec.origin)
    pth = installed.parent / "bedrock_cache_hook_boot.pth"
    assert pth.read_text().splitlines() == [
        'import os; os.environ.get("BEDROCK_CACHE_HOOK") and __import__("_bedrock_cache_hook_boot")'
    ]
    # Editable installs hold a copy of both files: after editing boot/, reinstall.
    assert installed.read_text() == (ROOT / "boot" / installed.name).read_text(), (
        "stale boot module: run python -m pip install -e ."
    )
    assert pth.read_text() == (ROOT / "boot" / pth.name).read_text()


def test_unset_loads_nothing_of_ours_and_no_botocore(tmp_path: Path) -> None:
    result = run_python(REPORT, clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize("mode", ["inject", "off"])
def test_set_waits_without_importing_botocore(tmp_path: Path, mode: str) -> None:
    result = run_python(REPORT, clean_env(tmp_path, BEDROCK_CACHE_HOOK=mode))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["_bedrock_cache_hook_boot"]
    assert result.stderr == ""


@pytest.mark.parametrize(
    "first_import",
    ["import botocore", "import botocore.session", "import boto3", "import bedrock_cache_hook"],
)
def test_activates_when_botocore_is_first_imported(tmp_path: Path, first_import: str) -> None:
    code = first_import + "\n" + REPORT + "\nimport bedrock_cache_hook\n"
    code += "print(bedrock_cache_hook.is_installed())\n"
    result = run_python(code, clean_env(tmp_path, BEDROCK_CACHE_HOOK="audit"))
    assert result.returncode == 0, result.stderr
    loaded, installed = result.stdout.splitlines()
    assert "bedrock_cache_hook" in top_level(json.loads(loaded))
    assert installed == "True"
    assert result.stderr == ""


def test_botocore_keeps_its_own_loader(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import botocore, importlib.machinery
        loader = botocore.__spec__.loader
        print(type(loader).__name__, botocore.__loader__ is loader)
        """
    )
    result = run_python(code, clean_env(tmp_path, BEDROCK_CACHE_HOOK="audit"))
    assert result.stdout.split() == ["SourceFileLoader", "True"], result.stderr


def test_off_never_loads_the_package(tmp_path: Path) -> None:
    result = run_python("import boto3\n" + REPORT, clean_env(tmp_path, BEDROCK_CACHE_HOOK="off"))
    assert "bedrock_cache_hook" not in top_level(json.loads(result.stdout))


def test_plain_boto3_code_is_recorded(tmp_path: Path) -> None:
    jsonl = tmp_path / "calls.jsonl"
    env = clean_env(tmp_path, BEDROCK_CACHE_HOOK="audit", BEDROCK_CACHE_HOOK_JSONL_PATH=str(jsonl))
    result = run_python(PLAIN_CALL, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "end_turn"
    [record] = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert record["operation"] == "Converse"
    assert record["input_tokens"] == 5


def test_bogus_mode_is_one_stderr_line_and_calls_still_work(tmp_path: Path) -> None:
    result = run_python(PLAIN_CALL, clean_env(tmp_path, BEDROCK_CACHE_HOOK="bogus"))
    assert result.returncode == 0
    assert result.stdout.strip() == "end_turn"
    assert result.stderr.splitlines() == [
        "bedrock_cache_hook: not activated: BEDROCK_CACHE_HOOK='bogus': expected one of "
        "inject, audit, strict, off"
    ]


def test_an_unloadable_package_never_breaks_the_program(tmp_path: Path) -> None:
    broken = tmp_path / "shadow" / "bedrock_cache_hook"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('half-deleted install')\n")
    env = clean_env(tmp_path, BEDROCK_CACHE_HOOK="inject", PYTHONPATH=str(broken.parent))
    result = run_python(PLAIN_CALL, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "end_turn"
    assert result.stderr.splitlines() == [
        "bedrock_cache_hook: not activated: cannot load the package "
        "(ImportError: half-deleted install)"
    ]


def test_child_interpreters_activate_too(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import multiprocessing, subprocess, sys

        def installed():
            import boto3, bedrock_cache_hook
            return bedrock_cache_hook.is_installed()

        def report(queue):
            queue.put(installed())

        if __name__ == "__main__":
            child = "import boto3, bedrock_cache_hook; print(bedrock_cache_hook.is_installed())"
            print(subprocess.run([sys.executable, "-c", child], capture_output=True,
                                 text=True, check=True).stdout.strip())
            context = multiprocessing.get_context("spawn")
            queue = context.Queue()
            worker = context.Process(target=report, args=(queue,))
            worker.start()
            print(queue.get(timeout=60))
            worker.join(timeout=60)
        """
    )
    script = tmp_path / "parent.py"
    script.write_text(code)
    result = run_python(
        f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')",
        clean_env(tmp_path, BEDROCK_CACHE_HOOK="audit"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
