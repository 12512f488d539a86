"""Eigen-decomposition of a Hessian (measured or closed form) and its numbers in plotting order.

* :func:`eig_desc` - eigenvalues in decreasing order, unit eigenvectors as rows with a deterministic
  sign.
* :func:`padded` - a matrix / vectors with NaN gaps between parameter groups (the layout of the
  Hessian panels of METHODS §5 Figs 4, 9, 10 top).
* :func:`hessian_tables` - one Hessian, its spectrum and its top eigenvectors as tidy tables
  (the plotted numbers written beside those figures).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd


def eig_desc(H) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending) and unit eigenvectors as ROWS, with a deterministic sign
    (the largest-magnitude entry of each eigenvector is positive)."""
    H = np.asarray(H, dtype=np.float64)
    w, v = np.linalg.eigh(0.5 * (H + H.T))
    order = np.argsort(w)[::-1]
    w, vecs = w[order], v[:, order].T.copy()
    flip = np.sign(vecs[np.arange(len(w)), np.abs(vecs).argmax(1)])
    flip[flip == 0] = 1
    return w, vecs * flip[:, None]


def padded(values: np.ndarray, sizes: Sequence[int], pads: Sequence[int], axes=(0, 1)):
    """Insert NaN gaps of widths ``pads`` between consecutive groups along ``axes``.

    Returns (padded array, centre coordinate of each group in the padded axis).
    """
    sizes, pads = list(sizes), list(pads)
    if len(pads) != len(sizes) - 1:
        raise ValueError(f"{len(sizes)} groups need {len(sizes) - 1} pads, got {len(pads)}")
    if sum(sizes) == 0:
        raise ValueError("no parameters")
    idx, centres, pos = [], [], 0
    for k, s in enumerate(sizes):
        centres.append(pos + (s - 1) / 2)
        idx += list(range(sum(sizes[:k]), sum(sizes[:k]) + s))
        pos += s
        if k < len(pads):
            idx += [-1] * pads[k]
            pos += pads[k]
    idx = np.asarray(idx)
    out = np.asarray(values, dtype=np.float64)
    for ax in axes:
        taken = np.take(out, np.where(idx < 0, 0, idx), axis=ax)
        mask_shape = [1] * out.ndim
        mask_shape[ax] = len(idx)
        out = np.where((idx < 0).reshape(mask_shape), np.nan, taken)
    return out, np.asarray(centres)


def hessian_tables(
    key: str, H, groups: Sequence[str], sizes: Sequence[int], eigvals, eigvecs, *, floor: float
) -> dict:
    """Tidy tables of one model's Hessian ``H`` (P × P), its eigenvalues (descending) and its top
    eigenvectors (rows), every row tagged ``model = key``; ``groups``/``sizes`` name the parameter
    groups in their explicit order.

    Returns {"hessian": (model, row, col, row_group, col_group, value),
    "spectrum": (model, index (1-based), eigenvalue, shown (eigenvalue ≥ ``floor``), ratio_to_top),
    "eigvecs": (model, rank (1-based), param, group, value)}.
    """
    names = np.asarray([g for g, s in zip(groups, sizes) for _ in range(s)])
    H = np.asarray(H)
    P = H.shape[0]
    ii, jj = np.meshgrid(np.arange(P), np.arange(P), indexing="ij")
    hessian = pd.DataFrame(
        {
            "model": key,
            "row": ii.ravel(),
            "col": jj.ravel(),
            "row_group": names[ii.ravel()],
            "col_group": names[jj.ravel()],
            "value": H.ravel(),
        }
    )
    w = eigvals
    spectrum = pd.DataFrame(
        {
            "model": key,
            "index": np.arange(1, len(w) + 1),
            "eigenvalue": w,
            "shown": w >= floor,
            "ratio_to_top": w / w[0],
        }
    )
    V = eigvecs
    rk, pi = np.meshgrid(np.arange(1, V.shape[0] + 1), np.arange(P), indexing="ij")
    vectors = pd.DataFrame(
        {
            "model": key,
            "rank": rk.ravel(),
            "param": pi.ravel(),
            "group": names[pi.ravel()],
            "value": V.ravel(),
        }
    )
    return {"hessian": hessian, "spectrum": spectrum, "eigvecs": vectors}
