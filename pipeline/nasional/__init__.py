"""Province and national consolidation: every Pemda folder under a root, each run exactly as
its own ``report`` would run it, on a local process pool or a running Dask cluster.

- :mod:`~pipeline.nasional.layout` finds the Pemda folders;
- :mod:`~pipeline.nasional.work` is what one task runs (a batch of Pemda, through
  :mod:`pipeline.run`);
- :mod:`~pipeline.nasional.executor` runs tasks locally or on Dask;
- :mod:`~pipeline.nasional.tables` types and writes the Parquet tables;
- :mod:`~pipeline.nasional.summary` computes the views across Pemda, which the workbook
  (:mod:`pipeline.workbook.nasional`) and :mod:`~pipeline.nasional.charts` draw;
- :mod:`~pipeline.nasional.run` sequences it all (:func:`run_nasional`).
"""
