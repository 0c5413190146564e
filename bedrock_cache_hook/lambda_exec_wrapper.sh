#!/bin/sh
# AWS_LAMBDA_EXEC_WRAPPER script for bedrock-cache-hook (the layer puts it at
# /opt/bedrock-cache-hook-wrapper). Lambda runs it with the runtime's start command as
# arguments. It puts our handler wrapper in front of the function's handler and execs the
# runtime: the function's handler moves to BEDROCK_CACHE_HOOK_HANDLER, and the runtime is
# told to load bedrock_cache_hook.lambda_handler.handler, through _HANDLER (how managed
# Python runtimes pass it) and through any argument equal to the handler (runtimes started
# as "python -m awslambdaric <handler>"). Without a handler to wrap it changes nothing.
ours=bedrock_cache_hook.lambda_handler.handler
original=${_HANDLER:-}

if [ -n "$original" ] && [ "$original" != "$ours" ]; then
    export BEDROCK_CACHE_HOOK_HANDLER="$original"
    export _HANDLER="$ours"
    # Rebuild the argument list with the handler argument, if any, swapped for ours.
    first=1
    for arg do
        if [ "$first" = 1 ]; then
            set --
            first=0
        fi
        if [ "$arg" = "$original" ]; then
            set -- "$@" "$ours"
        else
            set -- "$@" "$arg"
        fi
    done
fi

exec "$@"
