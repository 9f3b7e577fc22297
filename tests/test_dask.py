"""Scale-out path: classify_partition under dask.dataframe.map_partitions on a local cluster."""

import pandas as pd
import pytest


dd = pytest.importorskip("dask.dataframe", reason="optional extra [dask] not installed")
distributed = pytest.importorskip("distributed", reason="optional extra [dask] not installed")


def test_dask_results_identical_to_single_process(default_model, corpus) -> None:
    from petition_nlp import classify_partition

    frame = corpus.sample(400, random_state=0)[["id", "text"]].reset_index(drop=True)
    expected = default_model.classify(frame, text_column="text")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        ddf = dd.from_pandas(frame, npartitions=4)
        meta = expected.iloc[0:0]
        got = ddf.map_partitions(classify_partition, default_model, text_column="text", meta=meta).compute()
    # dask stores strings as pyarrow-backed NA strings; the values must be identical
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_dtype=False)
