"""The numbers plotted in the theory figures (1, 2, 6, 7, 8) as tidy pandas tables.

The figure scripts only plot what these functions return; the same tables are written as CSV
(beside each figure, by ``plotting.style.save``) so that the claims can be checked without pixels.

Columns
-------
``fig1_data`` -> dict:
  ``A``: curve ("rho" | "variance"), rho, lam, x (= -log10(1 - lam)), y (E[(d_lam h)^2] or, for
  the grey "variance" curve, E[h^2] at rho = 1).
  ``B``: lam_star, lam, loss.      ``C``: lam_star, theta (theta - theta*, theta* = 0), loss.
``fig2_data`` -> dict:
  ``left``: curve ("rho" | "without_gamma"), rho, lam, x, y (E[h^2](1 - lam^2), grey 1/(1-lam)^2).
  ``right``: curve ("rho" | "without_gamma_and_exp"), rho, lam, x,
  y (E[(d_lam h)^2](1 - lam^2)(lam ln lam)^2; grey E[(d_lam h)^2] at rho = 1).
``fig6_data`` -> dict:
  ``curves``: param (polar | exp | opt), column (magnitude | angle), lam_star, x, loss, curvature
  (d^2 loss / dx^2 by autodiff, x the plotted variable).
  ``optimum``: param, column, lam_star, x_star, loss_at_optimum, curvature_autodiff,
  curvature_closed_form (METHODS §4.5 table, times pi^2 in the angle columns).
``fig8_data(rho_list, published)`` -> (grid dict with ``re``, ``im`` (n_nu, n_theta) and
  ``absS`` (n_rho, n_nu, n_theta)), summary DataFrame with one row per rho: rho, variant,
  abs_S_at_conj_lam0 (|S| at the grid point nearest conj lam0), abs_S_at_lam_near_1 (|S| at
  nu = max, theta = 0), abs_S_max, argmax_re, argmax_im, argmax_nu, argmax_theta.
Fig 7: :func:`fig7_tables` -> dict ``loss`` (every ``every``-th step: step, trajectory, param,
  variant, loss, loss_window_min, loss_window_max (over the steps since the previous kept row, so
  that an oscillation between kept rows stays visible), w_nu, w_theta), ``contour`` (param, w_nu,
  w_theta, loss clipped to [1e-2, 1e2]), ``summary`` (param, variant, and from EVERY step:
  final_loss (mean over the last 5 % of steps), final_loss_min, final_loss_max (over the same
  steps), last_loss (the last step), mid_loss (mean over as many steps ending at mid-run),
  min_loss; final_w_nu, final_w_theta, target_w_nu, target_w_theta, init_w_nu, init_w_theta,
  steps, tail_steps).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from curse_of_memory.theory import landscape as ls
from curse_of_memory.theory import moments as mo
from curse_of_memory.theory.toy import FIG7_PARAMS

LAMBDA_STARS = tuple(1 - 0.01 * 2**k for k in range(7))  # 0.99 ... 0.36
RHOS = (0.0, 0.9, 0.99, 0.999, 1.0)


def _lam_grid(n):
    s = np.linspace(-4, 0, n)
    return 1 - 10.0**s, -s


def fig1_data(rhos=RHOS, lambda_stars=LAMBDA_STARS, n=1000):
    lam, x = _lam_grid(n)
    rows = [
        pd.DataFrame(dict(curve="rho", rho=r, lam=lam, x=x, y=mo.sensitivity_moment_real(lam, r)))
        for r in rhos
    ]
    rows.append(
        pd.DataFrame(
            dict(curve="variance", rho=1.0, lam=lam, x=x, y=mo.second_moment_real(lam, 1.0))
        )
    )
    A = pd.concat(rows, ignore_index=True)
    lam_b = np.linspace(0, 1, n)
    theta = np.linspace(-np.pi, np.pi, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        B = pd.concat(
            [
                pd.DataFrame(dict(lam_star=ls_, lam=lam_b, loss=ls.loss(lam_b, ls_)))
                for ls_ in lambda_stars
            ],
            ignore_index=True,
        )
    C = pd.concat(
        [
            pd.DataFrame(
                dict(lam_star=ls_, theta=theta, loss=ls.loss(ls_ * np.exp(1j * theta), ls_))
            )
            for ls_ in lambda_stars
        ],
        ignore_index=True,
    )
    return {"A": A, "B": B, "C": C}


def fig2_data(rhos=RHOS, n=1000):
    lam, x = _lam_grid(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        left = [
            pd.DataFrame(
                dict(
                    curve="rho", rho=r, lam=lam, x=x, y=mo.second_moment_real(lam, r) * (1 - lam**2)
                )
            )
            for r in rhos
        ]
        left.append(
            pd.DataFrame(dict(curve="without_gamma", rho=1.0, lam=lam, x=x, y=1 / (1 - lam) ** 2))
        )
        right = [
            pd.DataFrame(
                dict(
                    curve="rho",
                    rho=r,
                    lam=lam,
                    x=x,
                    y=mo.sensitivity_moment_real(lam, r) * (1 - lam**2) * (lam * np.log(lam)) ** 2,
                )
            )
            for r in rhos
        ]
        right.append(
            pd.DataFrame(
                dict(
                    curve="without_gamma_and_exp",
                    rho=1.0,
                    lam=lam,
                    x=x,
                    y=mo.sensitivity_moment_real(lam, 1.0),
                )
            )
        )
    return {
        "left": pd.concat(left, ignore_index=True),
        "right": pd.concat(right, ignore_index=True),
    }


THETA_STAR_FIG6 = np.pi / 100


def _fig6_fun(param, column, lam_star):
    """x -> L_gamma as a torch function, plus the grid range and the optimum x*."""
    import torch  # heavy: only Fig 6 needs it

    ths = THETA_STAR_FIG6
    if column == "magnitude":
        if param == "polar":
            return (
                lambda x: ls.loss_polar(x, torch.zeros_like(x), lam_star, 0.0, normalised=True)
            ), lam_star
        if param == "exp":
            return (
                lambda x: ls.loss_polar(
                    torch.exp(-torch.exp(x)), torch.zeros_like(x), lam_star, 0.0, normalised=True
                )
            ), float(np.log(-np.log(lam_star)))
        return (
            lambda x: ls.loss_polar(
                torch.tanh(x),
                torch.zeros_like(x) * ls.opt_g(torch.tanh(x)),
                lam_star,
                0.0,
                normalised=True,
            )
        ), float(np.arctanh(lam_star))
    nu = torch.tensor(lam_star, dtype=torch.float64)
    if param == "polar":
        return (lambda x: ls.loss_polar(nu, np.pi * x, lam_star, ths, normalised=True)), ths / np.pi
    if param == "exp":
        return (
            lambda x: ls.loss_polar(nu, torch.exp(np.pi * x), lam_star, ths, normalised=True)
        ), float(np.log(ths) / np.pi)
    g = ls.opt_g(lam_star)
    return (lambda x: ls.loss_polar(nu, np.pi * x * g, lam_star, ths, normalised=True)), ths / (
        np.pi * g
    )


FIG6_GRIDS = {
    ("polar", "magnitude"): (0.0, 1.0),
    ("polar", "angle"): (-1.0, 1.0),
    ("exp", "magnitude"): (-9.0, 2.0),
    ("exp", "angle"): (-3.0, float(np.log10(np.pi))),
    ("opt", "magnitude"): (-2.0001, 5.0),
    ("opt", "angle"): (-5.0, 5.0),
}


def _fig6_closed_form(param, column, nu):
    if column == "magnitude":
        h = {
            "polar": ls.hessian_at_optimum("normalised", nu)[0],
            "exp": ls.hessian_at_optimum("normalised_exp", nu)[0],
            "opt": 1.0,
        }[param]
        return float(h)
    h_thth = ls.hessian_at_optimum("normalised", nu)[1]
    return float(
        np.pi**2 * {"polar": h_thth, "exp": THETA_STAR_FIG6**2 * h_thth, "opt": 1.0}[param]
    )


def fig6_data(lambda_stars=LAMBDA_STARS, n=10000, n_polar_angle=1000):
    curves, opt_rows = [], []
    for (param, column), (lo, hi) in FIG6_GRIDS.items():
        m = n_polar_angle if (param, column) == ("polar", "angle") else n
        x = np.linspace(lo, hi, m)
        for lam_star in lambda_stars:
            fun, x_star = _fig6_fun(param, column, lam_star)
            y, h = ls.second_derivative(fun, x)
            curves.append(
                pd.DataFrame(
                    dict(param=param, column=column, lam_star=lam_star, x=x, loss=y, curvature=h)
                )
            )
            y0, h0 = ls.second_derivative(fun, np.array([x_star]))
            opt_rows.append(
                dict(
                    param=param,
                    column=column,
                    lam_star=lam_star,
                    x_star=x_star,
                    loss_at_optimum=float(y0[0]),
                    curvature_autodiff=float(h0[0]),
                    curvature_closed_form=_fig6_closed_form(param, column, lam_star),
                )
            )
    return {"curves": pd.concat(curves, ignore_index=True), "optimum": pd.DataFrame(opt_rows)}


FIG7_WINDOWS = {
    "polar": ((1.5, 3.0), (-0.2, 1.2)),
    "exp": ((0.5, 3.0), (-5.0, 1.0)),
    "opt": ((0.5, 3.0), (-20.0, 80.0)),
}


def fig7_contour(param, n=200, lam_star=0.99 * np.exp(1j * np.pi / 100)):
    (x0, x1), (y0, y1) = FIG7_WINDOWS[param]
    wn, wt = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    nu, th = ls.to_polar(FIG7_PARAMS[param], wn, wt)
    L = ls.loss_polar(nu, th, abs(lam_star), np.angle(lam_star))
    return wn, wt, np.clip(L, 1e-2, 1e2)


FIG7_TAIL = 0.05  # the summaries' "final" window: the last 5 % of steps


def fig7_tables(res, contour_n=200, every=10):
    """Tidy tables from :func:`curse_of_memory.theory.toy.learn_angle` output.

    The loss table keeps every ``every``-th step plus, per kept row, the min and max over the
    steps it stands for; every summary number is computed from all steps (a trajectory that
    oscillates with a period dividing ``every`` would otherwise show one phase only)."""
    loss = np.asarray(res["loss"], dtype=np.float64)
    steps = loss.shape[0] - 1
    idx = np.unique(np.r_[np.arange(0, steps + 1, every), steps])
    starts = np.r_[0, idx[:-1] + 1]  # row j stands for steps starts[j]..idx[j]
    n_tail = max(1, int(round(FIG7_TAIL * (steps + 1))))
    mid = (steps + 1) // 2
    loss_rows, summ = [], []
    for k, name in enumerate(res["names"]):
        y = loss[:, k]
        with np.errstate(invalid="ignore"):
            wmin = np.minimum.reduceat(y, starts)
            wmax = np.maximum.reduceat(y, starts)
        loss_rows.append(
            pd.DataFrame(
                dict(
                    step=idx,
                    trajectory=name,
                    param=res["param"][k],
                    variant=res["variant"][k],
                    loss=y[idx],
                    loss_window_min=wmin,
                    loss_window_max=wmax,
                    w_nu=res["w"][idx, k, 0],
                    w_theta=res["w"][idx, k, 1],
                )
            )
        )
        tail = y[-n_tail:]
        summ.append(
            dict(
                param=res["param"][k],
                variant=res["variant"][k],
                final_loss=float(np.mean(tail)),
                final_loss_min=float(np.min(tail)),
                final_loss_max=float(np.max(tail)),
                last_loss=float(y[-1]),
                mid_loss=float(np.mean(y[max(0, mid - n_tail) : mid])),
                min_loss=float(np.nanmin(y)),
                final_w_nu=res["w"][-1, k, 0],
                final_w_theta=res["w"][-1, k, 1],
                target_w_nu=res["target_w"][k, 0],
                target_w_theta=res["target_w"][k, 1],
                init_w_nu=res["init_w"][k, 0],
                init_w_theta=res["init_w"][k, 1],
                steps=steps,
                tail_steps=n_tail,
            )
        )
    cont = []
    for param in FIG7_WINDOWS:
        wn, wt, L = fig7_contour(param, contour_n, res["lam_star"])
        cont.append(
            pd.DataFrame(dict(param=param, w_nu=wn.ravel(), w_theta=wt.ravel(), loss=L.ravel()))
        )
    return {
        "loss": pd.concat(loss_rows, ignore_index=True),
        "contour": pd.concat(cont, ignore_index=True),
        "summary": pd.DataFrame(summ),
    }


LAMBDA0_FIG8 = 0.99 * np.exp(1j * np.pi / 4)


def fig8_data(rhos=RHOS, n_nu=200, n_theta=500, published=False, lam0=LAMBDA0_FIG8):
    nu = np.linspace(0, 0.99, n_nu)
    theta = np.linspace(-np.pi, np.pi, n_theta)
    NU, TH = np.meshgrid(nu, theta, indexing="ij")
    lam = NU * np.exp(1j * TH)
    kernel = mo.sensitivity_kernel_published if published else mo.sensitivity_kernel
    absS = np.stack([np.abs(kernel(lam, lam0, r)) for r in rhos])
    i_conj = np.unravel_index(np.argmin(np.abs(lam - np.conj(lam0))), lam.shape)
    i_one = (n_nu - 1, int(np.argmin(np.abs(theta))))
    rows = []
    for k, r in enumerate(rhos):
        a = np.unravel_index(np.nanargmax(absS[k]), lam.shape)
        rows.append(
            dict(
                rho=r,
                variant="published" if published else "exact",
                abs_S_at_conj_lam0=absS[k][i_conj],
                abs_S_at_lam_near_1=absS[k][i_one],
                abs_S_max=absS[k][a],
                argmax_re=lam[a].real,
                argmax_im=lam[a].imag,
                argmax_nu=NU[a],
                argmax_theta=TH[a],
            )
        )
    grid = {
        "re": lam.real,
        "im": lam.imag,
        "nu": nu,
        "theta": theta,
        "rho": np.asarray(rhos),
        "absS": absS,
    }
    return grid, pd.DataFrame(rows)


def rho_colors(rhos):
    """METHODS §5 Fig 1A colours: Blues_r on log(1 - rho + 1e-5), upper limit shifted by +4."""
    from matplotlib import colormaps  # heavy: only the colour helpers need matplotlib
    from matplotlib.colors import Normalize

    v = np.log(1 - np.asarray(rhos, dtype=np.float64) + 1e-5)
    norm = Normalize(vmin=v.min(), vmax=v.max() + 4)
    return [colormaps["Blues_r"](norm(x)) for x in v]


def lam_star_colors(lambda_stars):
    """METHODS §5 Fig 1B/6 colours: viridis on LogNorm(1 - lam*)."""
    from matplotlib import colormaps  # heavy: only the colour helpers need matplotlib
    from matplotlib.colors import LogNorm

    d = 1 - np.asarray(lambda_stars, dtype=np.float64)
    norm = LogNorm(vmin=d.min(), vmax=d.max())
    return [colormaps["viridis"](norm(x)) for x in d]
