"""Many profiles at once: the input as records (`records`), the work on each record (`work`), where the plans go
(`outputs`), the run itself (`run`), its worker processes (`pool`), resuming an interrupted run (`resume`) and the
same batch on a Dask cluster (`on_dask`). The library entry point for a Dask bag or dataframe is
`advisor.distributed`."""
