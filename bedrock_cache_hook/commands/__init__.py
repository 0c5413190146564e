"""The ``audit``, ``report`` and ``doctor`` subcommands (``bedrock-cache-hook --help``)."""
