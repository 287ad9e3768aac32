"""Which topics can run: those with a notebook, in the reading order of a pack."""

from __future__ import annotations

from .. import paths
from ..errors import UnknownTopicError
from ..topics_meta import TOPIC_ORDER


def available_topics() -> list[str]:
    """Topics that have a notebook, in pack order."""
    present = {p.stem for p in paths.notebooks_dir().glob("*.ipynb")}
    return [t for t in TOPIC_ORDER if t in present] + sorted(present - set(TOPIC_ORDER))


def resolve_topics(requested: list[str] | None) -> list[str]:
    """Validate requested topic names (all topics when None)."""
    topics = available_topics()
    if not requested:
        return topics
    unknown = [t for t in requested if t not in topics]
    if unknown:
        raise UnknownTopicError(f"unknown topic {', '.join(unknown)}: choose from {', '.join(topics)}")
    return [t for t in topics if t in requested]
