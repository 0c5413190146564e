"""``bedrock-cache-hook demo``: one agent session, without and with the hook, on the simulator."""

from .runner import DemoResult, run_demo

__all__ = ["DemoResult", "run_demo"]
