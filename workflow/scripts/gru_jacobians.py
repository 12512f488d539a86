"""Rule `gru_jacobians`: dh_dt/dh_0 of the full ChronoGRU for the 3 x 3 settings of Fig 14.

input.array (the embeddings cache; params.data.fig14 picks one window) ->
results/signal/gru_jacobians.parquet: per setting and Delta t, every diagonal entry (with
z^Delta t), a sample of off-diagonal entries and the largest off-diagonal magnitude."""

import numpy as np
import pandas as pd
import torch

from curse_of_memory.data.embeddings import load_cache
from curse_of_memory.data.gru_jacobians import (
    FIG14_SETTINGS,
    fig14_lengths,
    offdiag_indices,
    recurrent_jacobians,
)
from curse_of_memory.errors import DataError
from curse_of_memory.io import write_parquet
from curse_of_memory.models import init as I
from curse_of_memory.models.gru import ChronoGRU
from curse_of_memory.runlog import snakemake_log
from curse_of_memory.storage import writing


def setting_entries(cell, n, x, lengths, off, base):
    """The rows of one setting (a width-``n`` cell): diagonal, sampled off-diagonal and largest
    off-diagonal entries."""
    J = recurrent_jacobians(cell, x, lengths).numpy()
    z = torch.sigmoid(cell.b_iz.detach()).numpy()
    mask = ~np.eye(n, dtype=bool)
    frames = []
    for k, dt in enumerate(lengths):
        diag = np.diagonal(J[k])
        b = dict(base, dt=dt)
        frames.append(
            pd.DataFrame(
                dict(b, kind="diag", i=np.arange(n), j=np.arange(n), value=diag, z_power=z**dt)
            )
        )
        frames.append(
            pd.DataFrame(
                dict(
                    b,
                    kind="offdiag",
                    i=off[:, 0],
                    j=off[:, 1],
                    value=J[k][off[:, 0], off[:, 1]],
                    z_power=0.0,
                )
            )
        )
        frames.append(
            pd.DataFrame(
                dict(
                    b,
                    kind="offdiag_all_max_abs",
                    i=[-1],
                    j=[-1],
                    value=[np.abs(J[k][mask]).max()],
                    z_power=[0.0],
                )
            )
        )
    return frames


def main(smk):
    torch.set_num_threads(smk.threads)
    cfg = smk.params.data["fig14"]
    x_all, man = load_cache(smk.input.array)
    if cfg["sequence"] >= len(x_all):
        raise DataError(
            f"data.fig14.sequence: window {cfg['sequence']} requested but {smk.input.array} "
            f"holds {len(x_all)} windows (a small corpus); use a sequence below "
            f"{len(x_all)} or a larger text source (data.text)"
        )
    x = torch.as_tensor(np.asarray(x_all[cfg["sequence"]], dtype=np.float32))
    lengths = fig14_lengths(cfg["n_lengths"], cfg["max_exp"])
    n = cfg["width"]
    off = offdiag_indices(n, cfg["n_offdiag"], seed=cfg["seed"])
    frames = []
    for row, col, t_max, scale_h, scale_x in FIG14_SETTINGS:
        cell = ChronoGRU(
            n,
            x.shape[-1],
            t_min=1.0,
            t_max=float(t_max),
            scale_h=scale_h,
            scale_x=scale_x,
            generator=I.generator(cfg["seed"], "fig14-gru"),
        )
        base = dict(row=row, col=col, t_max=t_max, scale_h=scale_h, scale_x=scale_x)
        frames += setting_entries(cell, n, x, lengths, off, base)
        print(f"setting row {row} col {col} done")
    df = pd.concat(frames, ignore_index=True)
    df["source"], df["model"] = man["source"], man["model"]
    with writing(smk.output[0]):
        write_parquet(smk.output[0], df)


with snakemake_log(snakemake):
    main(snakemake)
