"""One topic page for one area, built cell by cell: header, key messages, tables, figures, maps, 'about' boxes.

:class:`Pack` is one *topic page* (elsewhere "pack" means an area's whole output folder). Every table it shows
passes the disclosure check and is kept as tidy CSV data, every map as a standalone HTML page. Files are
written only when asked: with an ``output_dir`` (the runner always gives one) each is written at once to
``<output_dir>/<topic>/``; without one (a notebook opened in JupyterLab) nothing is written, the tables and maps
stay in memory (``pack.tables``, ``pack.maps``) and ``pack.save(folder)`` writes them. Each file goes to a
temporary name first and is then renamed, so an interrupted run never leaves half a file.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
from branca.element import Element
from IPython.display import HTML, display

from . import catalog, combined, disclosure, paths, periods, tables
from .fragments import html as markup, render
from .tables import TableSpec
from .files import atomic_write, output_folder
from .areas import Area, registry, resolve
from .errors import WorkbookError
from .sources.manifest import load_manifest

class Pack:
    """One topic page for one area.

    Parameters
    ----------
    area_code : GSS code or name of a current English district or unitary authority.
    topic : topic id, e.g. 'ethnicity' (names the CSV/map folder).
    output_dir : the area's output folder (tables and maps are written to ``<output_dir>/<topic>/``); None
        writes nothing: tables and maps are shown and kept in ``tables`` and ``maps`` until :meth:`save`.
    """

    def __init__(self, area_code: str, topic: str, output_dir: str | os.PathLike | None = None) -> None:
        self.area: Area = resolve(area_code)
        self.topic = topic
        # None: an analyst's session in JupyterLab, where nothing is written unless asked (pack.save).
        self.folder: Path | None = Path(output_dir) / topic if output_dir else None
        self.exported: list[Path] = []
        #: Every table as it is (or would be) written to CSV, after disclosure control, by name.
        self.tables: dict[str, pd.DataFrame] = {}
        #: Every map as a folium map, by name.
        self.maps: dict[str, object] = {}
        self._sources: set[str] = set()
        self._rules: set[str] = set()
        self._fetched: dict[str, dict] = {}
        self._local: dict[str, dict] = {}

    @property
    def comparators(self):
        return registry().comparators(self.area)

    # ----------------------------------------------------------------------------------------------- page parts
    def header(self, title: str, summary: str = "") -> None:
        """Title block: topic, area, its type and comparators."""
        area = self.area
        comparators = ", ".join(c.area.name for c in self.comparators)
        predecessors = registry().predecessors(area)
        display(HTML(render(
            "report/header", title=title, area_name=area.name, area_code=area.code, area_kind=area.kind,
            comparators=comparators, summary=summary, produced=f"{periods.pack_date():%d %B %Y}",
            predecessors=", ".join(name for _, name in predecessors),
            combined=combined.describe(area) if area.is_combined else "",  # several authorities as one footprint
            # the upper-tier authority: name the districts its page sets side by side
            districts=[d.name for d in registry().districts_of(area)] if area.is_county else [])))

    def messages(self, messages: list[str], title: str = "Key messages") -> None:
        """The plain-English key messages box at the top of a page."""
        display(HTML(render("report/messages", title=title, messages=messages)))

    def html(self, fragment: str) -> None:
        """Show an HTML fragment built by a topic helper (already escaped there), e.g. links between pages."""
        display(HTML(fragment))

    def note(self, *texts: str | None) -> None:
        """One short note per text; a text that is None or empty (a topic helper with nothing to say) is skipped."""
        for text in texts:
            if text:
                display(HTML(render("report/note", text=text)))

    def missing(self, indicator: str, source: str, why: str | None) -> None:
        """Say plainly that an indicator has no real data in this build, naming it and its source.

        ``why`` None (a topic helper's answer when the data are there) shows nothing.
        """
        if why is None:
            return
        display(HTML(render("report/missing", indicator=indicator, why=why, source=source)))

    def about(self, indicator_id: str) -> None:
        """Collapsible 'about this indicator' box from the catalogue (and fetched Fingertips metadata, if any)."""
        from .fetch import fetched_info

        meta = catalog.indicator(indicator_id)
        fetched = fetched_info(indicator_id)
        self._sources.update(meta.raw_sources)
        self._rules.add(meta.disclosure)
        rows = [("Definition", (fetched or {}).get("definition") or meta.definition),
                ("Rationale", (fetched or {}).get("rationale", "")),
                ("Period", meta.period), ("Source", meta.source),
                ("Confidence intervals", meta.ci_method),
                ("Caveats", "  ".join(filter(None, [meta.caveats, (fetched or {}).get("caveats", "")])))]
        if fetched:
            self._fetched[indicator_id] = fetched
            rows.append(("Live data", f"Updated from the OHID Fingertips API on {fetched['fetched_at'][:10]}"
                                      + (f"; {fetched['note']}" if fetched.get("note") else "") + "."))
        display(HTML(render("report/about", name=meta.name, rows=[(k, v) for k, v in rows if v])))

    # ----------------------------------------------------------------------------------------------- outputs
    def export(self, frame: pd.DataFrame | None = None, name: str | None = None, rule: str = "census",
               decimals: dict[str, int] | None = None, folder: str | os.PathLike | None = None,
               **parameters) -> Path | None:
        """``pack.export()``: write this topic's finished HTML page for the area, as ``nbutils run`` does (see
        :meth:`export_page`). ``pack.export(frame, name)``: keep ``frame`` as the table ``<name>`` without
        showing it (see :meth:`keep`).
        """
        if frame is None:
            return self.export_page(folder, **parameters)
        return self.keep(frame, name, rule, decimals)

    def keep(self, frame: pd.DataFrame, name: str, rule: str = "census",
             decimals: dict[str, int] | None = None) -> Path | None:
        """Keep ``frame`` as the table ``<name>`` after the disclosure check, and write it as CSV
        ``<topic>/<name>.csv`` when the page has an output folder; return the path written (None if not).

        ``pack.tables[name]`` is analysis-ready (:func:`nbutils.tables.analysis_ready`): numeric columns stay
        numeric with NaN where a value is withheld or not available and the reason in ``value_note``, numbers at
        their stated precision (``decimals`` by column, else the catalogue's). The CSV writes suppressed cells
        ``[c]`` and unavailable ones ``[x]`` (ONS convention), never an empty field that would read as zero;
        ``na_values=["[c]", "[x]"]`` reads numbers back.
        """
        safe = disclosure.apply(frame, rule) if rule != "census" else frame
        disclosure.check_no_small_counts(safe, rule)
        self.tables[name] = tables.analysis_ready(safe, decimals)
        self._rules.add(rule)
        return self._write_table(name, self.folder) if self.folder else None

    def _write_table(self, name: str, folder: Path) -> Path:
        path = folder / f"{name}.csv"
        atomic_write(path, lambda tmp: tables.write_csv(self.tables[name], tmp))
        self.exported.append(path)
        return path

    def _write_map(self, name: str, folder: Path) -> Path:
        path = folder / f"{name}.html"
        atomic_write(path, lambda tmp: self.maps[name].save(tmp))
        self.exported.append(path)
        return path

    def save(self, folder: str | os.PathLike) -> list[Path]:
        """Write every table shown so far as CSV and every map as HTML into ``<folder>/<topic>/``.

        For an analyst in JupyterLab, where a page with no ``output_dir`` writes nothing by itself. A relative
        ``folder`` is taken from the working directory (``os.getcwd()``; in JupyterLab, the notebook's folder),
        ``~`` is the home folder. A folder inside the project's data/, notebooks/, parameters/ or nbutils/
        folders is refused, as ``nbutils run --out`` refuses it.

        Returns
        -------
        list of Path
            The files written.
        """
        target = output_folder(folder, "pack.save") / self.topic
        return ([self._write_table(name, target) for name in self.tables]
                + [self._write_map(name, target) for name in self.maps])

    def export_page(self, folder: str | os.PathLike | None = None, **parameters) -> Path:
        """Write this topic's finished HTML page (code hidden, tables and maps beside it) for the area, exactly
        as ``nbutils run <area> --topics <topic>`` does, and return its path.

        The notebook is run afresh by the command line in this kernel's own Python (``sys.executable -m
        nbutils.cli``) with the area and ``parameters`` (as ``-p name value``, e.g. the overview's scenario
        settings); edits made in this session are not in the page. ``folder`` defaults to the project's
        outputs/ folder; a relative one is taken from the working directory, and source folders are refused.
        """
        out = output_folder(folder, "pack.export") if folder is not None else paths.default_output_dir()
        command = [sys.executable, "-m", "nbutils.cli", "run", self.area.code, "--topics", self.topic,
                   "--out", str(out), "--jobs", "1"]
        for name, value in parameters.items():
            command += ["-p", name, str(value)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
            raise WorkbookError(f"the page was not written: {lines[-1] if lines else 'nbutils run failed'}")
        pages = sorted(out.glob(f"{self.area.code}-*/{self.topic}.html"))
        if not pages:
            raise WorkbookError(f"the page was not written: no {self.topic}.html for {self.area.name} in {out}")
        display(HTML(render("report/page_written", uri=pages[0].as_uri(), file_name=pages[0].name,
                            area_name=self.area.name)))
        return pages[0]

    def _download(self, name: str, path: Path | None):
        """A link to the table's CSV beside the page, or (nothing written) how to get it."""
        if path is None:
            return markup(render("report/download", link="", name=name, name_repr=repr(name)))
        return markup(render("report/download", link=f"{self.topic}/{path.name}", file_name=path.name))

    def table(self, frame: pd.DataFrame, name: str, caption: str,
              shown: pd.DataFrame | TableSpec | None = None, rule: str = "census",
              formats: dict[str, str] | None = None, csv_only: bool = False, if_empty: str | None = None,
              rows: int | pd.Series | None = None) -> None:
        """Export ``frame`` as CSV and show it to the reader.

        Parameters
        ----------
        frame : the tidy numeric table (written to the CSV as it is, after disclosure control).
        name : the CSV's file name, without ``.csv``.
        caption : the table's caption on the page.
        shown : a :class:`nbutils.tables.TableSpec` describing the reader's columns (headings with units,
            values at the catalogue's decimals, ``[c]``/``[x]`` markers), or an already formatted frame; None
            shows ``frame`` as it is.
        rule : disclosure rule applied before anything is written or shown.
        formats : for a frame shown as it is, ``str.format`` patterns by column.
        csv_only : long tables (every English district, raw series): the page gives a one-line pointer to the
            CSV instead of the table.
        if_empty : for a table that may have no rows (e.g. local data not supplied): this note is shown instead,
            and nothing is exported.
        rows : the rows the page shows (the CSV keeps them all): a number (the first rows of a ranked table) or a
            boolean mask aligned with ``frame`` (e.g. the area's comparison group); None shows every row.
        """
        if if_empty is not None and frame.empty:
            self.note(if_empty)
            return
        download = self._download(name, self.keep(frame, name, rule, tables.spec_decimals(
            shown if isinstance(shown, TableSpec) else None, formats)))
        if csv_only:
            rows = f"{len(frame):,} row{'s' if len(frame) != 1 else ''}"
            display(HTML(render("report/csv_only", caption=caption, rows=rows, download=download)))
            return
        if isinstance(shown, TableSpec):
            safe = disclosure.apply(frame, rule) if rule != "census" else frame
            view = shown.render(safe.reset_index(drop=True))
        else:
            view = self._formatted(frame if shown is None else shown, rule, formats or {})
        view, limited = tables.shown_rows(view, rows)
        body = view.to_html(index=False, classes="nbu-table", border=0, na_rep="[x]", escape=True)
        body = body.replace("<thead>", render("report/caption", caption=caption) + "<thead>", 1)
        display(HTML(render("report/table", table=markup(body), limited=limited, download=download)))

    @staticmethod
    def _formatted(view: pd.DataFrame, rule: str, formats: dict[str, str]) -> pd.DataFrame:
        """A frame shown as it is: suppressed as in the CSV, ``formats`` applied, blanks as [c] or [x]."""
        view = view.copy()
        if rule != "census":
            columns = list(view.columns)
            # Suppress on screen exactly as in the CSV, but show only the reader's columns (the policy's
            # bookkeeping columns stay in the CSV, where they explain each [c]).
            view = disclosure.for_output(disclosure.apply(view, rule))[columns]
        # Rows the store withheld carry a "[c]" note: their blanks show [c], other blanks [x].
        withheld = disclosure.is_suppressed(view)
        for column, spec in formats.items():
            if column in view:
                view[column] = [spec.format(v) if pd.notna(v) else
                                (disclosure.SUPPRESSED if w else disclosure.NOT_AVAILABLE)
                                for v, w in zip(view[column], withheld)]
        if withheld.any():
            view = disclosure.for_output(view.assign(suppressed=withheld),
                                         columns=[c for c in view.columns if c != "suppressed"])[list(view.columns)]
        return view

    def figure(self, fig, alt: str, caption: str = "", web_only: bool = False) -> None:
        """Show a matplotlib figure as an SVG image with alt text (what it shows, in one sentence).

        SVG keeps text as text: sharp when printed or zoomed, half the size of a PNG, and quicker to render.
        ``web_only``: left out of print (the caller prints a line saying where it is).
        """
        from .chart_style import figure_sizing, svg_image

        svg = svg_image(fig)
        data = base64.b64encode(svg).decode("ascii")
        sizing = figure_sizing(svg)  # print and phone widths that keep the chart's text legible
        classes = sizing.classes + (" nbu-print-hide" if web_only else "")
        display(HTML(render("report/figure", classes=classes, svg_base64=data, alt=alt, style=sizing.style,
                            caption=caption)))

    def map(self, fmap, name: str, title: str, alt: str) -> Path | None:
        """Show a folium map inline in a titled iframe, saved as ``<topic>/<name>.html`` when the page has an
        output folder (the iframe frames that file); with none, the iframe holds the map itself (``srcdoc``).

        Folium's own notebook display would embed a second copy of the map with a "Make this Notebook Trusted"
        notice meant for Jupyter users; the page instead frames the standalone map (offline Leaflet included).
        Returns the path written, or None.
        """
        fmap.get_root().header.add_child(Element(render("report/map_title", title=title, area_name=self.area.name)))
        self.maps[name] = fmap
        path = self._write_map(name, self.folder) if self.folder else None
        display(HTML(render("report/map", title=title, alt=alt,
                            link=f"{self.topic}/{path.name}" if path is not None else "",
                            srcdoc=fmap.get_root().render() if path is None else "")))
        return path

    def fragment_table(self, fragment: str, frame: pd.DataFrame, name: str) -> None:
        """Show a table rendered from a template (``fragment``) and write its tidy numbers as CSV beside it."""
        download = self._download(name, self.keep(frame, name))
        display(HTML(render("report/table", table=markup(fragment), limited="", download=download)))

    def dashboard(self) -> None:
        """The upper-tier dashboard (counties and unitaries): headline indicators with RAG and direction of travel
        against England, the region and the statistical neighbours; a county's districts side by side; and the
        area against each neighbour for the headline indicators. Nothing for a two-tier district."""
        from .topics import dashboard

        area = self.area
        if not (area.is_county or area.is_unitary):
            return
        board = dashboard.dashboard(area)
        chosen = dashboard.neighbour_set(area)
        named = ", ".join(a.name for a in chosen.areas) if chosen.areas else "none held for this authority"
        display(HTML(render("report/dashboard_intro", area_name=area.name, set_name=chosen.name,
                            set_source=chosen.source, named=named)))
        from .topics import dashboard_service

        service = dashboard_service.service_performance(area)
        if len(service):
            self.fragment_table(dashboard_service.service_html(service, area), service, "service_performance")
            from . import query

            for indicator_id in service.indicator_id.unique():
                self.used_local(query.local_values(indicator_id, [area.code]))
        self.fragment_table(dashboard.dashboard_html(board, area, service=service.iloc[0:0]), board, "dashboard")
        self._sources.update(["dfe-lait"])
        if area.is_county:
            grid = dashboard.district_grid(area)
            if len(grid):
                self.fragment_table(dashboard.district_grid_html(grid, area), grid, "districts")
                display(HTML(render("report/note", classes=" nbu-print-only nbu-dashboard-pointer",
                                    text=f"Districts of {area.name} side by side (each district's figures and its "
                                         f"comparison with England and {area.name}): on the web page ({self.topic}"
                                         f".html) and in {self.topic}/districts.csv (CSV) in the pack folder; each "
                                         "district's own pack has its figures.")))
                local = grid[grid.origin.str.startswith("local data")]
                if len(local):
                    from . import query

                    for indicator_id in local.indicator_id.unique():
                        self.used_local(query.local_values(indicator_id, list(local.area_code)))
        panels = [frame for _, frame in dashboard.neighbour_charts(area)]
        if panels:
            from .neighbour_chart import neighbour_panels

            labels = [f"{f.attrs['label'].lower()} ({f.attrs['period']})" for f in panels]
            # In print the outcomes table carries the neighbours' average and range; the charts stay on the web
            # page and each neighbour's value goes to the CSV, so the printed overview holds its page budget.
            self.figure(neighbour_panels(panels, area.name, "DfE Local Authority Interactive Tool (ONS, OHID); DWP; "
                                                            f"{chosen.source}; OGL v3"),
                        alt=f"Bar charts of {', '.join(labels)} for {area.name} and each of its statistical neighbours, "
                            f"with England marked{_no_england(panels)}.", web_only=True)
            self.export(pd.concat([frame.assign(indicator=frame.attrs["label"], period=frame.attrs["period"],
                                                unit=frame.attrs["axis"], england=frame.attrs["england"])
                                   for frame in panels], ignore_index=True), "neighbours")
            gaps = [f"{f.attrs['label']}: {', '.join(f.attrs['missing'])}" for f in panels if f.attrs["missing"]]
            if gaps:
                display(HTML(render("report/note", text="No value published for: " + "; ".join(gaps) + ".",
                                    classes=" nbu-print-hide")))
            display(HTML(render("report/note", classes=" nbu-print-only nbu-dashboard-pointer",
                                text=f"{area.name} against each statistical neighbour (charts of "
                                     f"{', '.join(labels)}): on the web page ({self.topic}.html) and in "
                                     f"{self.topic}/neighbours.csv (CSV) in the pack folder.")))

    def scale_of_need(self, plan, births_given: bool) -> None:
        """The scale-of-need calculator (:mod:`nbutils.topics.scale_of_need`): its arithmetic in words, the need
        table (and, for a Kent district, the county's), the sensitivity table; or, with no ``plan`` (no births
        held or given), why it cannot run. ``births_given``: the analyst set the births parameter."""
        from .topics import scale_of_need as need_model

        if plan is None:
            self.missing(f"Births for {self.area.name}", "ONS live births by local authority of usual residence",
                         "No births figure for this area is held in this build: set the births parameter to run "
                         "the calculator.")
            return
        self.note(*need_model.scale_sentences(plan))
        need = need_model.scale_table(plan)
        self.table(need, "scale_of_need", need_model.scale_caption(plan), shown=need_model.scale_view(need))
        if plan.kind == "county":
            county = need_model.county_table(plan)
            self.table(county, "scale_of_need_county", need_model.county_caption(plan),
                       shown=need_model.scale_view(county))
        sensitivity = need_model.sensitivity_table(plan)
        self.table(sensitivity, "scale_of_need_sensitivity", need_model.sensitivity_caption(plan),
                   shown=need_model.sensitivity_view(sensitivity))
        if plan.kind != "local" and not births_given:
            self.about("ons_mye_young_children")

    def used_local(self, dataset_info) -> None:
        """Name local datasets in the footer: a mapping (``LocalDataset.info()``) or ``query.local_values`` rows."""
        if isinstance(dataset_info, pd.DataFrame):
            for info in dataset_info.drop_duplicates("dataset").to_dict("records"):
                self.used_local(info)
            return
        self._local[dataset_info["dataset"]] = dict(dataset_info)
        if disclosure.FOOTNOTES.get(dataset_info.get("disclosure")):
            self._rules.add(dataset_info["disclosure"])

    def footer(self) -> None:
        """Sources (publisher, licence, dates) and the disclosure-control statement."""
        manifest = load_manifest()
        sources = [manifest["sources"][s] for s in sorted(self._sources) if manifest["sources"].get(s)]
        fetched = [{"name": catalog.indicator(indicator_id).name, "date": info["fetched_at"][:10],
                    "url": info.get("url", "")} for indicator_id, info in sorted(self._fetched.items())]
        local = [dict(info, published=periods.long_date(info["published"])) for _, info in sorted(self._local.items())]
        notes = [disclosure.FOOTNOTES[r] for r in sorted(self._rules) if r in disclosure.FOOTNOTES]
        display(HTML(render("report/footer", sources=sources, fetched=fetched, local=local, notes=notes)))


def _no_england(panels: list[pd.DataFrame]) -> str:
    """' (no England value in the source of X or Y)' for the neighbour panels whose source has none, else ''."""
    missing = [f.attrs["label"].lower() for f in panels if pd.isna(f.attrs.get("england"))]
    return f" (no England value in the source of {' or '.join(missing)})" if missing else ""
