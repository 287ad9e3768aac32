"""Execute topic notebooks per area with papermill, export HTML, and write the index and run manifest.

The runner orchestrates only: it never draws charts or computes statistics. Each notebook runs in its own
kernel started from *this* Python (whatever kernelspecs the user has registered), writes its CSVs and maps into
``<out>/<code>-<slug>/<topic>/``, and on success is exported to ``<topic>.html`` with code hidden and a table
of contents. A failed notebook keeps its executed ``.ipynb`` for debugging, gets no HTML, and does not stop the
others.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
import tempfile
import time
import traceback
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

from . import __version__, paths, store
from .areas import Area
from .errors import UnknownTopicError

# Reading order of a pack; only topics with a notebook are offered.
TOPIC_ORDER = ["overview", "ethnicity", "housing", "nutrition", "sudi", "smoking"]
TOPIC_TITLES = {"overview": "Overview", "ethnicity": "Ethnicity", "housing": "Housing", "nutrition": "Nutrition",
                "sudi": "Sudden unexpected death in infancy", "smoking": "Smoking"}


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


# ------------------------------------------------------------------------------------------------- kernels


class CurrentPythonKernelSpecManager(KernelSpecManager):
    """Every kernel name resolves to an ipykernel running under this interpreter.

    A stale user-level 'python3' kernelspec (pointing at another Python, or at one without nbutils) must not
    hijack a run, so registered kernelspecs are deliberately ignored.
    """

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} (nbutils)",
            language="python",
            resource_dir=str(Path(__file__).parent),
        )


class CurrentPythonKernelManager(AsyncKernelManager):
    """Kernel manager that always launches the interpreter running nbutils."""

    @default("transport")
    def _transport_default(self) -> str:
        # IPC sockets need no TCP ports, so parallel kernels cannot race for the same port.
        return "ipc"

    @default("ip")
    def _ip_default(self) -> str:
        # A unique socket-path prefix per kernel (the default 'kernel-ipc' would be shared by parallel kernels).
        return os.path.join(tempfile.gettempdir(), f"nbu-{uuid.uuid4().hex[:16]}")

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self) -> KernelSpecManager:
        return CurrentPythonKernelSpecManager(data_dir=self.data_dir)


# ------------------------------------------------------------------------------------------------- one task


@dataclass
class Result:
    """Outcome of one notebook for one area."""

    area_code: str
    area_name: str
    folder: str
    topic: str
    status: str  # 'succeeded' or 'failed'
    seconds: float
    outputs: list[str] = field(default_factory=list)
    error: str | None = None


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(tmp, 0o644)  # mkstemp makes 0600; packs are shared files
    os.replace(tmp, path)


def _table_of_contents(body: str) -> str:
    """Insert a contents list built from the page's h2 headings after the first header block."""
    headings = re.findall(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', body, flags=re.S)
    if not headings:
        return body
    items = "".join(
        f'<li><a href="#{anchor}">{re.sub(r"<[^>]+>|¶", "", text).strip()}</a></li>' for anchor, text in headings
    )
    nav = (
        '<nav class="nbu-toc" aria-label="Contents"><h2 class="nbu-toc-title">Contents</h2>'
        f"<ol>{items}</ol></nav>"
    )
    style = ("<style>.nbu-toc{border:1px solid #b1b4b6;padding:.4em 1em;margin:1em 0;max-width:40em}"
             ".nbu-toc-title{font-size:1.1em;margin:.2em 0}.nbu-toc li{margin:.15em 0}</style>")
    # Right after the key-messages box if there is one, else at the top of the main content.
    messages = re.search(r"<div class=[\"']nbu-messages[\"'].*?</div>", body, flags=re.S)
    if messages:
        return body[: messages.end()] + style + nav + body[messages.end():]
    return body.replace("<main>", "<main>" + style + nav, 1)


def export_html(notebook_path: Path, html_path: Path, title: str) -> None:
    """Export an executed notebook to HTML with code and prompts hidden and a table of contents."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    notebook = nbformat.read(notebook_path, as_version=4)
    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    # Cells tagged 'remove-cell' (instructions for analysts) are left out of the pack.
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"remove-cell"}, enabled=True), enabled=True)
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    _atomic_write_text(html_path, _table_of_contents(body))


def execute_task(area: Area, topic: str, out_dir: Path, timeout: int = 600) -> Result:
    """Run one notebook for one area (in the calling process; the kernel is a child process)."""
    import papermill as pm

    start = time.perf_counter()
    folder = out_dir / area.folder
    folder.mkdir(parents=True, exist_ok=True)
    executed = folder / f"{topic}.ipynb"
    html_path = folder / f"{topic}.html"
    source = paths.notebooks_dir() / f"{topic}.ipynb"
    title = f"{TOPIC_TITLES.get(topic, topic.title())}: {area.name}"
    error = None
    for attempt in (1, 2):
        try:
            pm.execute_notebook(
                str(source), str(executed),
                parameters={"area_code": area.code, "output_dir": str(folder)},
                kernel_name="python3", kernel_manager_class=CurrentPythonKernelManager,
                progress_bar=False, log_output=False, cwd=str(paths.notebooks_dir()),
                execution_timeout=timeout, start_timeout=120,
            )
            error = None
            break
        except pm.PapermillExecutionError as failure:
            error = f"{failure.ename}: {failure.evalue}"
            break
        except Exception as failure:  # kernel start-up races (ZMQ port clashes) deserve one retry
            error = f"{type(failure).__name__}: {failure}"
            if attempt == 2 or "kernel" not in str(failure).lower() and "port" not in str(failure).lower():
                break
    outputs = [str(executed.relative_to(out_dir))]
    if error is None:
        try:
            export_html(executed, html_path, title)
            outputs.append(str(html_path.relative_to(out_dir)))
        except Exception:
            error = "HTML export failed: " + traceback.format_exc(limit=1).strip().splitlines()[-1]
    if error is not None:
        html_path.unlink(missing_ok=True)  # never leave an HTML from an older, successful run
    topic_dir = folder / topic
    if topic_dir.exists():
        outputs += sorted(str(p.relative_to(out_dir)) for p in topic_dir.iterdir() if not p.name.startswith("."))
    return Result(area.code, area.name, area.folder, topic, "failed" if error else "succeeded",
                  round(time.perf_counter() - start, 2), outputs, error)


def _execute_packed(args: tuple) -> Result:
    area, topic, out_dir, timeout = args
    try:
        return execute_task(area, topic, out_dir, timeout)
    except Exception as failure:  # a worker must always report back
        return Result(area.code, area.name, area.folder, topic, "failed", 0.0, [], f"{type(failure).__name__}: {failure}")


# ------------------------------------------------------------------------------------------------- a batch


def run(areas: list[Area], topics: list[str], out_dir: Path, jobs: int = 1, timeout: int = 600,
        log=print) -> list[Result]:
    """Run every topic for every area; write ``index.html`` and ``manifest.json``; return the results."""
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    store.build()  # once, up front: notebooks then only read the store
    tasks = [(area, topic, out_dir, timeout) for area in areas for topic in topics]
    results: list[Result] = []
    started = time.perf_counter()

    def report(result: Result) -> None:
        results.append(result)
        state = "ok    " if result.status == "succeeded" else "FAILED"
        line = f"[{len(results)}/{len(tasks)}] {state} {result.area_name} / {result.topic} ({result.seconds:.1f} s)"
        log(line + (f": {result.error}" if result.error else ""))

    if jobs <= 1 or len(tasks) == 1:
        for task in tasks:
            report(_execute_packed(task))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(_execute_packed, task) for task in tasks]
            for future in as_completed(futures):
                report(future.result())
    order = {(a.code, t): i for i, (a, t, _, _) in enumerate(tasks)}
    results.sort(key=lambda r: order[(r.area_code, r.topic)])
    write_manifest(out_dir, results, time.perf_counter() - started)
    write_index(out_dir)
    return results


def write_manifest(out_dir: Path, results: list[Result], seconds: float) -> None:
    """Merge this run's results into ``manifest.json`` (earlier runs of other areas/topics are kept)."""
    path = out_dir / "manifest.json"
    previous = []
    if path.exists():
        try:
            previous = json.loads(path.read_text()).get("runs", [])
        except json.JSONDecodeError:
            previous = []
    fresh = {(r.area_code, r.topic) for r in results}
    runs = [r for r in previous if (r["area_code"], r["topic"]) not in fresh] + [asdict(r) for r in results]
    runs.sort(key=lambda r: (r["area_name"], TOPIC_ORDER.index(r["topic"]) if r["topic"] in TOPIC_ORDER else 99))
    manifest = {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "nbutils_version": __version__,
        "last_run_seconds": round(seconds, 1),
        "runs": runs,
    }
    _atomic_write_text(path, json.dumps(manifest, indent=2) + "\n")


def write_index(out_dir: Path) -> None:
    """Write ``index.html``: every area in the manifest, each topic linked with its status."""
    manifest = json.loads((out_dir / "manifest.json").read_text())
    runs = manifest["runs"]
    topics = [t for t in TOPIC_ORDER if any(r["topic"] == t for r in runs)]
    topics += sorted({r["topic"] for r in runs} - set(topics))
    by_area: dict[tuple[str, str, str], dict[str, dict]] = {}
    for run_ in runs:
        by_area.setdefault((run_["area_name"], run_["area_code"], run_["folder"]), {})[run_["topic"]] = run_
    rows = []
    for (name, code, folder), cells in sorted(by_area.items()):
        tds = []
        for topic in topics:
            entry = cells.get(topic)
            if entry is None:
                tds.append("<td>not run</td>")
            elif entry["status"] == "succeeded":
                tds.append(f'<td><a href="{folder}/{topic}.html">{html.escape(TOPIC_TITLES.get(topic, topic))}</a>'
                           f' <span class="ok">✓ ready</span></td>')
            else:
                tds.append(f'<td class="failed"><span>✗ failed</span>: {html.escape(entry["error"] or "")} '
                           f'(<a href="{folder}/{topic}.ipynb">executed notebook</a>)</td>')
        rows.append(f"<tr><th scope='row'>{html.escape(name)} <small>{code}</small></th>{''.join(tds)}</tr>")
    header = "".join(f"<th scope='col'>{html.escape(TOPIC_TITLES.get(t, t))}</th>" for t in topics)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Infant and maternal health needs assessment: packs</title>
<style>
body{{font-family:Arial,Helvetica,sans-serif;margin:2em;color:#0b0c0c;max-width:80em}}
h1{{border-bottom:4px solid #12436D;padding-bottom:.3em}}
table{{border-collapse:collapse;width:100%}} th,td{{border-bottom:1px solid #b1b4b6;padding:.45em .6em;text-align:left;vertical-align:top}}
thead th{{border-bottom:2px solid #0b0c0c}} small{{color:#505a5f}} .ok{{color:#00703c}} .failed span{{color:#d4351c;font-weight:bold}}
a{{color:#1d70b8}}
</style></head><body>
<h1>Infant and maternal health needs assessment</h1>
<p>Packs generated {html.escape(manifest['generated'])} by nbutils {html.escape(manifest['nbutils_version'])}.
Each link opens one topic for one area. Data: ONS, OHID, MHCLG and NHS England, Open Government Licence v3.0.</p>
<table><thead><tr><th scope="col">Area</th>{header}</tr></thead><tbody>
{''.join(rows)}
</tbody></table></body></html>
"""
    _atomic_write_text(out_dir / "index.html", page)
