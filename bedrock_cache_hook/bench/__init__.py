"""Cost benchmark: traces, strategies, replay on the simulator, and a perfect-foresight bound.

``bedrock-cache-hook bench cost`` runs it (:mod:`.command`).
"""
