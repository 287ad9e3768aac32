"""Complementary (secondary) suppression: no withheld value may be worked out as a total minus its members."""

from __future__ import annotations

import numpy as np

from .primary import DEFAULT_DERIVED_COLS, WITHHELD_NOTE, _numeric, is_suppressed


#: Note for a value withheld only so that another suppressed value cannot be worked out by subtraction.
COMPLEMENT_NOTE = WITHHELD_NOTE


def _expand(node, children, in_play, seen=None):
    """Members of ``node`` as a reader sees them: an unpublished subtotal is replaced by its own members (it is
    a sum of them, so it hides nothing), an unpublished leaf is a free unknown ("?" + code)."""
    out = []
    for child in children.get(node, ()):
        if child in in_play:
            out.append(child)
        elif child in children:
            out.extend(_expand(child, children, in_play))
        else:
            out.append("?" + child)
    return out


def complementary_suppression(frame, edges, by, key="area_code", size="count", derived_cols=None,
                              note_col="value_note"):
    """Secondary suppression: make sure no suppressed value can be worked out by subtraction.

    Wherever a group total and its members are shown (a county and its districts, a region and its upper tiers,
    England and its regions, an area's categories and their total), a suppressed cell that is the only unknown in
    its group is recovered as total minus the rest.  This suppresses the next-smallest shown member with a
    non-zero size (or, failing that, the total) and repeats until no group has exactly one unknown.  It also
    treats a group whose unknown members must all be 1 (they sum to their number) as recoverable.  Members
    absent from the data are unknowns (they protect); an unpublished subtotal is replaced by its members, since
    it is a sum of them.  Groups are the rows sharing ``by`` (the same indicator, period and category), linked
    by ``edges``.  With totals nested as a tree, one-unknown groups are the only way to pin a single value.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`apply` / :func:`suppress_implied_events` (needs ``suppressed`` or "[c]" notes).
    edges : pandas.DataFrame
        Columns ``parent`` and ``child``, values of ``key``: each parent is the sum of its children.
    by : list of str
        Columns that define one table (e.g. indicator, period, category_type, category).
    key : str, default "area_code"
        Column naming the cell within a table.
    size : str, default "count"
        Column holding each cell's true size before suppression (counts, or implied events), used to pick the
        next-smallest member and to spot all-ones groups; NaN sizes are never picked.
    derived_cols : sequence of str, optional
        Columns blanked with the count (default: those of :data:`DEFAULT_DERIVED_COLS` present).
    note_col : str, default "value_note"

    Returns
    -------
    pandas.DataFrame
        Copy with extra rows suppressed (their note is :data:`COMPLEMENT_NOTE`).
    """
    out = frame.copy()
    supp = is_suppressed(out, note_col)
    if not supp.any() or out.empty:
        out["suppressed"] = supp
        return out
    children = {}
    for parent, child in zip(edges["parent"], edges["child"]):
        children.setdefault(parent, []).append(child)
    sizes = _numeric(out[size]).to_numpy() if size in out.columns else np.full(len(out), np.nan)
    value_cols = [c for c in ("count", "value") if c in out.columns]
    shown = np.zeros(len(out), dtype=bool)
    for c in value_cols:
        shown |= _numeric(out[c]).notna().to_numpy()
    added = np.zeros(len(out), dtype=bool)
    keys = out[key].to_numpy()
    grouping = out.groupby(by, dropna=False, sort=False).indices if by else {(): np.arange(len(out))}
    for positions in grouping.values():
        if not supp[positions].any():
            continue
        rows = {}
        for p in positions:
            rows.setdefault(keys[p], []).append(p)
        hidden = {k for k, ps in rows.items() if supp[ps].any()}
        known = {k for k, ps in rows.items() if k not in hidden and shown[ps].any()}
        size_of = {k: np.nanmax(sizes[ps]) if np.isfinite(sizes[ps]).any() else np.nan for k, ps in rows.items()}
        in_play = hidden | known
        groups = [(t, _expand(t, children, in_play)) for t in in_play if t in children]
        groups = [(t, m) for t, m in groups if m]
        changed = True
        while changed:
            changed = False
            for total, members in groups:
                cells = [total, *members]
                unknown = [c for c in cells if c.startswith("?") or c in hidden]
                if not any(c in hidden for c in unknown):
                    continue
                pinned = len(unknown) == 1
                if not pinned and total in known and not any(c.startswith("?") for c in unknown):
                    s = [size_of.get(c, np.nan) for c in unknown]
                    pinned = bool(np.all(np.isfinite(s)) and sum(s) <= len(s))
                if not pinned:
                    continue
                pick = sorted((size_of[c], c) for c in members
                              if c in known and np.isfinite(size_of[c]) and size_of[c] > 0)
                chosen = pick[0][1] if pick else (total if total in known else None)
                if chosen is None:
                    continue
                known.discard(chosen)
                hidden.add(chosen)
                added[rows[chosen]] = True
                changed = True
    derived = [c for c in (derived_cols or DEFAULT_DERIVED_COLS) if c in out.columns]
    for c in derived + (["count"] if "count" in out.columns else []):
        out[c] = np.where(added, np.nan, _numeric(out[c]).to_numpy())
    out["suppressed"] = supp | added
    if note_col not in out.columns:
        out[note_col] = ""
    out.loc[added, note_col] = COMPLEMENT_NOTE
    return out
