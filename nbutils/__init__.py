"""Infant and maternal health needs-assessment workbook: shared helpers for the topic notebooks.

Layers, each importing only those above it::

    sources (raw files, manifest) -> store (tidy tables) -> areas, query -> stats, disclosure
        -> charts, maps, narrative, report -> notebooks -> runner, cli
"""

__version__ = "0.1.0"
