"""The charts stage of a build: the charts from the cache, or drawn by several processes at once."""

from __future__ import annotations

import shutil
from pathlib import Path

from . import chart_cache
from .parallel import Task


def chart_tasks(m, charts_dir: Path, cache: Path, jobs: int) -> list[Task]:
    """The tasks that give the paper its charts (`m`: paper.compose.PaperInput), the last named "charts".

    Charts depend only on the register, settings and code: reused from the cache when only prose or
    templates changed (pipeline/chart_cache.py checks an entry before it is used)."""
    cached = chart_cache.read(cache, charts_dir)
    if cached is not None:
        return [Task("charts", lambda done: cached, inline=True)]
    shutil.rmtree(charts_dir, ignore_errors=True)
    charts_dir.mkdir(parents=True, exist_ok=True)
    # The charts are independent of each other: one process per core shares them out by cost
    # (paper.charts.chart_parts), never more processes than there are charts.
    from .paper.charts import chart_count

    n = max(1, min(jobs, chart_count()))
    parts = [f"charts:{k + 1}" for k in range(n)] if n > 1 else []

    def draw(k: int):
        from .paper.charts import render_charts

        return render_charts(m.register, m.items, m.review, m.outlook, m.edition, m.config, charts_dir, (k, n),
                             scenarios=m.scenarios, csp=m.csp, indexed=True)

    def gather(done):
        charts = dict(pair for p in parts for pair in done[p]) if parts else dict(draw(0))
        return keep(tuple(charts[i] for i in sorted(charts)))  # back in the paper's order

    def keep(charts):
        try:
            chart_cache.write(cache, charts)
        except OSError:
            pass  # the cache is an optimisation only
        return tuple(charts)

    def import_charts(done):
        from .paper import charts  # noqa: F401 - matplotlib, once, before the processes that draw are forked

    return [Task("charts:import", import_charts, inline=True),
            *(Task(p, lambda done, k=k: draw(k), after=("charts:import",)) for k, p in enumerate(parts)),
            Task("charts", gather, after=("charts:import", *parts), inline=True)]
