#!/usr/bin/env bash
# Build an AWS Lambda layer zip of bedrock-cache-hook from this checkout.
#
#   scripts/build_lambda_layer.sh [OUTPUT_ZIP]     (default: dist/bedrock-cache-hook-layer.zip)
#
# Layout (a layer is unpacked under /opt):
#   python/bedrock_cache_hook/...       the package; /opt/python is on the runtime's sys.path
#   bedrock-cache-hook-wrapper          set AWS_LAMBDA_EXEC_WRAPPER=/opt/bedrock-cache-hook-wrapper
#
# botocore is not bundled: the hook must patch the botocore your function imports, which is
# the one in your function package or the runtime's. Needs only python3 (no pip, no network).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
output=${1:-"$root/dist/bedrock-cache-hook-layer.zip"}
python=${PYTHON:-python3}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage/python"
cp -R "$root/bedrock_cache_hook" "$stage/python/bedrock_cache_hook"
find "$stage/python" \( -name '__pycache__' -o -name '*.pyc' \) -prune -exec rm -rf {} +
cp "$root/bedrock_cache_hook/lambda_exec_wrapper.sh" "$stage/bedrock-cache-hook-wrapper"
chmod 755 "$stage/bedrock-cache-hook-wrapper" "$stage/python/bedrock_cache_hook/lambda_exec_wrapper.sh"

mkdir -p "$(dirname "$output")"
rm -f "$output"
# zipfile keeps the executable bit (the `zip` tool may not be installed).
"$python" - "$stage" "$output" <<'PY'
import os
import sys
import zipfile

stage, output = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
    for folder, dirs, files in os.walk(stage):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            info = zipfile.ZipInfo.from_file(path, os.path.relpath(path, stage))
            info.date_time = (1980, 1, 1, 0, 0, 0)  # reproducible
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as source:
                archive.writestr(info, source.read())
PY
echo "$output"
