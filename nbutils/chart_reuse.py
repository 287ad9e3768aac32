"""Charts drawn once per process: the same chart asked for again with the same inputs is the same figure.

A batch draws some charts identically for every area (England's deprivation gradient, national distributions).
:func:`reused` recognises a chart call by a hash of its inputs (frames by their contents, not by hand). A chart
asked for a second time is kept, and from then on the same figure is handed back, with its SVG remembered so that
saving it again costs nothing: a warm kernel draws such a chart twice, not once per area. Only charts that recur
are kept (a figure holds about 2 MB, and almost every chart carries its own area's data), so memory stays flat. A figure handed back by the cache must not be changed by the caller (the
package's notebooks only show them); change a copy, or draw anew with :func:`nbutils.charts.style`.

Importing this module changes nothing global.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections import OrderedDict

import matplotlib
import numpy as np
import pandas as pd

__all__ = ["reused", "inputs_key", "forget", "FIGURES_KEPT", "CALLS_REMEMBERED"]

#: Recent chart calls remembered (their keys only): more than one area's charts in one kernel, so a chart that
#: recurs for every area is recognised when the next area asks for it.
CALLS_REMEMBERED = 256
#: Figures kept per process (charts asked for at least twice), across all chart functions.
FIGURES_KEPT = 16
_CALLS: OrderedDict = OrderedDict()
_FIGURES: OrderedDict = OrderedDict()
#: Hits and misses in this process (for benchmarks and tests).
COUNTS = {"hits": 0, "misses": 0}


class _Unhashable(Exception):
    """An input the key cannot describe exactly: the chart is drawn without the cache."""


def _feed(digest, value) -> None:
    if isinstance(value, (pd.DataFrame, pd.Series)):
        digest.update(type(value).__name__.encode())
        digest.update(repr(list(value.columns) if isinstance(value, pd.DataFrame) else value.name).encode())
        digest.update(repr(list(map(str, value.dtypes)) if isinstance(value, pd.DataFrame)
                           else str(value.dtype)).encode())
        digest.update(repr(value.attrs).encode())
        try:
            digest.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
        except TypeError as error:  # cells holding lists or dicts
            raise _Unhashable from error
    elif value is None or isinstance(value, (str, bool, int, float, np.integer, np.floating)):
        digest.update(f"{type(value).__name__}:{value!r}".encode())
    elif isinstance(value, (list, tuple)):
        digest.update(f"{type(value).__name__}[{len(value)}]".encode())
        for item in value:
            _feed(digest, item)
    elif isinstance(value, dict):
        digest.update(f"dict[{len(value)}]".encode())
        for key in sorted(value, key=repr):
            _feed(digest, key)
            _feed(digest, value[key])
    else:
        raise _Unhashable


def inputs_key(name: str, args: tuple, kwargs: dict) -> str | None:
    """A digest of a chart call (its function and every input, frames by content); None when an input cannot be
    described exactly (the call is then not cached)."""
    digest = hashlib.sha1(name.encode())
    try:
        _feed(digest, list(args))
        _feed(digest, dict(kwargs))
    except _Unhashable:
        return None
    return digest.hexdigest()


def _save_settings() -> tuple:
    """The rcParams a saved image depends on beyond the figure itself (SVG and savefig settings)."""
    params = matplotlib.rcParams
    return tuple((k, repr(params[k])) for k in sorted(params) if k.startswith(("svg.", "savefig.")))


def _artist_counts(fig) -> tuple:
    return (tuple(fig.get_size_inches()), len(fig.texts), len(fig.legends), len(fig.images),
            tuple(len(ax.get_children()) for ax in fig.axes))


def _remember_saves(fig) -> None:
    """Make ``fig.savefig`` into a file object write the same bytes again without drawing, for the same
    arguments and settings (and nothing added to the figure since)."""
    savefig = fig.savefig
    saved: dict = {}

    @functools.wraps(savefig)
    def remembered(fname, *args, **kwargs):
        if not hasattr(fname, "write"):
            return savefig(fname, *args, **kwargs)
        key = (repr(args), repr(sorted(kwargs.items())), _save_settings(), _artist_counts(fig))
        data = saved.get(key)
        if data is None:
            buffer = io.BytesIO()
            savefig(buffer, *args, **kwargs)
            data = saved[key] = buffer.getvalue()
        fname.write(data)
        return None

    fig.savefig = remembered


def reused(chart):
    """Decorate a chart function: the same inputs give back the figure already drawn in this process."""
    name = f"{chart.__module__}.{chart.__qualname__}"

    @functools.wraps(chart)
    def wrapper(*args, **kwargs):
        key = inputs_key(name, args, kwargs)
        if key is None:
            return chart(*args, **kwargs)
        fig = _FIGURES.get(key)
        if fig is not None:
            _FIGURES.move_to_end(key)
            COUNTS["hits"] += 1
            return fig
        COUNTS["misses"] += 1
        fig = chart(*args, **kwargs)
        if key in _CALLS:  # asked for before: a chart that recurs, worth keeping
            _remember_saves(fig)
            _FIGURES[key] = fig
            while len(_FIGURES) > FIGURES_KEPT:
                _FIGURES.popitem(last=False)
        _CALLS[key] = None
        _CALLS.move_to_end(key)
        while len(_CALLS) > CALLS_REMEMBERED:
            _CALLS.popitem(last=False)
        return fig

    wrapper.uncached = chart
    return wrapper


def forget() -> None:
    """Drop every kept figure and remembered call (tests; an analyst session that wants the memory back)."""
    _FIGURES.clear()
    _CALLS.clear()
