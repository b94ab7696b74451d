"""Many profiles at once: the batch run (`run`), its worker processes (`pool`), resuming an interrupted run
(`resume`) and the same batch on a Dask cluster (`on_dask`). The library entry point for a Dask bag or dataframe
is `advisor.distributed`."""
