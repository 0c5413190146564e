#!/usr/bin/env bash
# Build the wheel and the sdist, check them with twine, install the wheel (not editable) into a
# fresh virtualenv and smoke-test the start-up hook: with only BEDROCK_CACHE_HOOK=inject set, a
# plain boto3 program talking to the loopback simulator gets its calls recorded and cached.
# Usage: scripts/check_dist.sh [work dir]   (default: a temporary directory, removed at exit)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=${1:-}
if [ -z "$work" ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"

python3 -m venv "$work/tools"
"$work/tools/bin/python" -m pip install --quiet build twine
"$work/tools/bin/python" -m build --outdir "$work/dist" "$root" >"$work/build.log" 2>&1 || {
    cat "$work/build.log" >&2
    exit 1
}
"$work/tools/bin/python" -m twine check --strict "$work"/dist/*

wheel=$(ls "$work"/dist/*.whl)
python3 -m venv "$work/fresh"
"$work/fresh/bin/python" -m pip install --quiet "$wheel" boto3
"$work/fresh/bin/python" -m pip show --files bedrock-cache-hook | grep -q 'bedrock_cache_hook_boot.pth'

home="$work/home"
mkdir -p "$home"
cd "$home"  # never the checkout: its package must not shadow the installed one
env -i PATH="$work/fresh/bin:/usr/bin:/bin" HOME="$home" LANG=C.UTF-8 \
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
    AWS_CONFIG_FILE="$home/none" AWS_SHARED_CREDENTIALS_FILE="$home/none" \
    AWS_EC2_METADATA_DISABLED=true BEDROCK_CACHE_HOOK=inject \
    "$work/fresh/bin/python" - <<'PY'
import sys

import boto3  # the program never imports or calls the hook for activation

from bedrock_cache_hook.sim import Simulator

import bedrock_cache_hook

assert "site-packages" in bedrock_cache_hook.__file__, bedrock_cache_hook.__file__
assert bedrock_cache_hook.is_installed(), "the start-up hook did not install itself"
with Simulator().serve(port=0) as server:
    client = boto3.client("bedrock-runtime", endpoint_url=server.url)
    system = [{"text": "You are a careful assistant. " + "Policy clause. " * 900}]
    messages = [{"role": "user", "content": [{"text": "hello"}]}]
    for _ in range(2):
        client.converse(
            modelId="us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            system=system,
            messages=messages,
        )
records = bedrock_cache_hook.get_ledger().records()
statuses = [r.status for r in records]
assert statuses == ["miss", "hit"], statuses
assert records[0].injected > 0 and records[1].cache_read_tokens > 0
print(f"check_dist: wheel smoke test passed ({statuses}, {sys.version.split()[0]})")
PY
echo "check_dist: wheel and sdist built, twine check passed, start-up hook active"
