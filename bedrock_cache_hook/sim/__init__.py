"""A local Bedrock Runtime with real caching semantics (no AWS account needed)."""
