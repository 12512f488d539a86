"""Measured Hessians: autodiff Hessians at a global optimum (METHODS §5, Figs 4, 9 top) in float64.

The pieces, each usable on its own:

* :func:`hand_built_teacher` - the 4-unit teacher of Fig 4 (two complex-conjugate eigenvalue pairs
  with moduli in [0.99, 0.993]), drawn as the paper's code draws it (``draw="jax"``, JAX's PRNG
  recomputed by :mod:`curse_of_memory.tasks.jax_rng`) or with NumPy (``draw="numpy"``, a second,
  labelled draw); :func:`white_noise` - the batch the Hessians are taken on (the same two draws);
  :func:`teacher_outputs` - the teacher's output on a batch (explicit recurrence, the definition).
* :func:`optimum_values` - the values of every parameter group of a student (``rnn``, ``crnn``,
  ``lru``, ``s4``) set exactly to that teacher, in the **explicit** group order of METHODS §5
  (never alphabetical: METHODS §7 item 14).  The diagonal students use the teacher's modal form
  with unit-length eigenvectors, as ``numpy.linalg.eig`` returns them (:meth:`HandTeacher.modal`):
  the output does not depend on how each mode is scaled, the Hessian along B and C does.
* :class:`Group` / :class:`ParamLayout` - the explicit flattening: which entries of which model
  tensor make up which group, in which order.  ``layout.unflatten(theta)`` is a gather, so
  ``torch.func`` differentiates through it.
* :func:`full_hessian`, :func:`gauss_newton` - autodiff Hessian of the ½-MSE batch loss with respect
  to the flat parameter vector (``torch.func.hessian``) and the Gauss–Newton matrix ``JᵀJ/(B·T)``.
* :func:`hessian_at_optimum`, :func:`optimum_hessians` - one student's / all four students' Hessian
  with its descending eigen-decomposition (:func:`curse_of_memory.hessian.spectrum.eig_desc`);
  :func:`save_hessians` / :func:`load_hessians` - the ``results/hessian/`` files.

The students are the core library's models (``curse_of_memory.models``), each placed at the
teacher by its registry entry's ``at_system``; see :func:`student_at_optimum`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np
import torch

from curse_of_memory.errors import ConfigError, DataError
from curse_of_memory.hessian.spectrum import eig_desc
from curse_of_memory.io import atomic_path, write_json
from curse_of_memory.models import MODELS, build_model
from curse_of_memory.tasks import jax_rng

DTYPE = torch.float64

# ------------------------------------------------------------------------------------------------
# The hand-built teacher (METHODS §5 Fig 4 top)
# ------------------------------------------------------------------------------------------------


#: the two draws of the Figs 4/9 teacher and batch: the paper's (JAX's PRNG) and a second one
DRAWS = ("jax", "numpy")

#: the two scalings of the modal form: unit-length eigenvectors (``numpy.linalg.eig``, the
#: paper's) or the columns of U⁻¹ of the construction A = U⁻¹ diag(l) U
MODAL_SCALINGS = ("eig", "construction")


def _check_draw(draw: str) -> str:
    if draw not in DRAWS:
        raise ConfigError("hessian.draw", f"unknown draw {draw!r}", " | ".join(DRAWS))
    return draw


@dataclass(frozen=True)
class HandTeacher:
    """A real linear system h_t = A h_{t-1} + B x_t, y_t = C h_t + D x_t (float64 numpy)."""

    A: np.ndarray  # (n, n) real
    B: np.ndarray  # (n, 1)
    C: np.ndarray  # (1, n)
    D: np.ndarray  # (1, 1)
    eigvals: np.ndarray  # (n,) complex, the drawn spectrum [l1, l2, conj l1, conj l2]
    V: np.ndarray  # (n, n) complex, U^-1 of the construction: A = V diag(eigvals) V^-1
    seed: int = 0
    draw: str = "jax"

    @property
    def n(self) -> int:
        return self.A.shape[0]

    def modal(self, scaling: str = "eig"):
        """(d, V⁻¹B (n,), CV (n,)) - the complex diagonal form of the teacher.

        ``scaling="eig"`` (the default, the paper's): ``d, V = numpy.linalg.eig(A)``, i.e. LAPACK's
        eigenvalue order (conjugates adjacent) and eigenvectors of unit Euclidean length whose
        largest entry is real.  ``"construction"``: d = the drawn eigenvalues and V = U⁻¹ of the
        construction, whose columns are not of unit length.  Any scaling gives the same output
        (b_i → b_i/s_i, c_i → s_i c_i), but not the same Hessian along B and C."""
        if scaling == "eig":
            d, V = np.linalg.eig(self.A)
        elif scaling == "construction":
            d, V = self.eigvals, self.V
        else:
            raise ConfigError(
                "hessian modal scaling", f"unknown scaling {scaling!r}", " | ".join(MODAL_SCALINGS)
            )
        b = np.linalg.solve(V, self.B[:, 0].astype(complex))
        c = (self.C[0].astype(complex)) @ V
        return d, b, c


def hand_built_teacher(
    seed: int = 0,
    n_pairs: int = 2,
    modulus: float = 0.99,
    spread: float = 0.003,
    draw: str = "jax",
) -> HandTeacher:
    """The Fig 4 teacher: ``n_pairs`` conjugate eigenvalue pairs with moduli in [0.99, 0.993].

    1. l_k = (modulus + spread·U[0,1])·exp(2πi·U[0,1]), k = 1..n_pairs, then their conjugates;
    2. P (n_pairs × 2n_pairs) = (N(0,1) + i N(0,1))/(2√2), U = [P; conj P];
    3. A = Re(U⁻¹ diag(l) U) (real up to round-off: the imaginary part is checked and dropped);
    4. B ~ N(0,1) (n×1), C ~ N(0, 1/n) (1×n), D ~ N(0,1).

    ``draw="jax"`` (the paper's): every random number as the paper's Hessian notebook draws it
    from ``PRNGKey(seed)`` (:func:`curse_of_memory.tasks.jax_rng.hand_teacher_draws`);
    ``draw="numpy"``: a second draw from NumPy's ``default_rng(seed)``, in the order above.
    """
    _check_draw(draw)
    if n_pairs < 1:
        raise ConfigError("hessian.n_pairs", f"must be >= 1, got {n_pairs}")
    if not 0 < modulus < 1 or modulus + spread >= 1:
        raise ConfigError(
            "hessian.modulus", f"moduli must lie in (0, 1), got [{modulus}, {modulus + spread}]"
        )
    n = 2 * n_pairs
    if draw == "jax":
        lam, U, B, C, D = jax_rng.hand_teacher_draws(seed, n_pairs, modulus, spread)
    else:
        rng = np.random.default_rng(seed)
        mod = modulus + spread * rng.uniform(size=n_pairs)
        phase = 2 * np.pi * rng.uniform(size=n_pairs)
        lam = mod * np.exp(1j * phase)
        lam = np.concatenate([lam, lam.conj()])
        P = (rng.standard_normal((n_pairs, n)) + 1j * rng.standard_normal((n_pairs, n))) / (
            2 * np.sqrt(2)
        )
        U = np.concatenate([P, P.conj()], axis=0)
        B = rng.standard_normal((n, 1))
        C = rng.standard_normal((1, n)) / np.sqrt(n)
        D = rng.standard_normal((1, 1))
    Uinv = np.linalg.inv(U)
    Ac = Uinv @ np.diag(lam) @ U
    if np.abs(Ac.imag).max() > 1e-10 * max(1.0, np.abs(Ac.real).max()):
        raise RuntimeError("hand-built teacher: A is not real; the conjugate pairing is broken")
    # A = U^-1 diag(l) U, so the columns of U^-1 are eigenvectors of A.
    return HandTeacher(
        A=Ac.real.copy(),
        B=np.asarray(B, dtype=np.float64),
        C=np.asarray(C, dtype=np.float64),
        D=np.asarray(D, dtype=np.float64),
        eigvals=lam,
        V=Uinv,
        seed=seed,
        draw=draw,
    )


def white_noise(
    seed: int, batch: int = 64, T: int = 300, d_in: int = 1, draw: str = "jax"
) -> torch.Tensor:
    """One batch of i.i.d. N(0,1) input sequences, shape (batch, T, d_in), float64.

    ``draw="jax"`` (the paper's): the first batch of the paper's data loader with seed ``seed``
    (:func:`curse_of_memory.tasks.jax_rng.white_noise_batch`); ``draw="numpy"``: a second draw
    from torch's generator seeded ``seed``."""
    _check_draw(draw)
    if draw == "jax":
        return torch.as_tensor(jax_rng.white_noise_batch(seed, batch, T, d_in), dtype=DTYPE)
    gen = torch.Generator().manual_seed(int(seed))
    return torch.randn(batch, T, d_in, generator=gen, dtype=DTYPE)


def teacher_outputs(teacher: HandTeacher, x: torch.Tensor) -> torch.Tensor:
    """y_t = C h_t + D x_t with h_t = A h_{t-1} + B x_t, h_0 = 0 - the explicit recurrence."""
    A, B, C, D = (
        torch.as_tensor(m, dtype=DTYPE) for m in (teacher.A, teacher.B, teacher.C, teacher.D)
    )
    return dense_recurrence(A, B, C, D, x)


def dense_recurrence(A, B, C, D, x: torch.Tensor) -> torch.Tensor:
    """Reference dense linear recurrence (the definition; differentiable). x: (batch, T, d_in)."""
    h = x.new_zeros(x.shape[0], A.shape[0])
    ys = []
    for t in range(x.shape[1]):
        h = h @ A.T + x[:, t] @ B.T
        ys.append(h @ C.T + x[:, t] @ D.T)
    return torch.stack(ys, dim=1)


# ------------------------------------------------------------------------------------------------
# Explicit parameter order
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One plotted parameter group: entries ``index`` of model tensor ``tensor``.

    ``index`` is a numpy-style index into the tensor (``()`` = the whole tensor); its entries are
    flattened in C order.  ``label`` is the mathtext label drawn on the figure.
    """

    name: str
    label: str
    tensor: str
    index: tuple = ()


@dataclass
class ParamLayout:
    """The explicit flattening of a model's trainable tensors into one vector θ."""

    groups: list[Group]
    shapes: dict[str, tuple]
    _pos: dict[str, torch.Tensor] = field(init=False, repr=False)
    sizes: list[int] = field(init=False)

    def __post_init__(self):
        owner = {
            name: np.full(int(np.prod(shape)), -1, dtype=np.int64)
            for name, shape in self.shapes.items()
        }
        sizes, offset = [], 0
        for g in self.groups:
            if g.tensor not in owner:
                raise ConfigError(
                    "hessian layout",
                    f"group {g.name!r} refers to unknown tensor {g.tensor!r}",
                    ", ".join(self.shapes),
                )
            ids = np.arange(owner[g.tensor].size).reshape(self.shapes[g.tensor])[g.index]
            ids = np.asarray(ids).reshape(-1)
            if (owner[g.tensor][ids] >= 0).any():
                raise ConfigError("hessian layout", f"group {g.name!r} overlaps another group")
            owner[g.tensor][ids] = offset + np.arange(ids.size)
            sizes.append(int(ids.size))
            offset += ids.size
        for name, pos in owner.items():
            if (pos < 0).any():
                raise ConfigError(
                    "hessian layout", f"tensor {name!r} has {(pos < 0).sum()} entries in no group"
                )
        self.sizes = sizes
        self._pos = {k: torch.as_tensor(v) for k, v in owner.items()}

    @property
    def n_params(self) -> int:
        return int(sum(self.sizes))

    @property
    def names(self) -> list[str]:
        return [g.name for g in self.groups]

    @property
    def labels(self) -> list[str]:
        return [g.label for g in self.groups]

    def group_of_index(self) -> list[str]:
        """The group name of every entry of θ."""
        return [g.name for g, s in zip(self.groups, self.sizes) for _ in range(s)]

    def flatten(self, tensors: dict[str, torch.Tensor]) -> torch.Tensor:
        theta = torch.empty(self.n_params, dtype=DTYPE)
        for name, pos in self._pos.items():
            theta[pos] = torch.as_tensor(tensors[name], dtype=DTYPE).reshape(-1)
        return theta

    def unflatten(self, theta: torch.Tensor) -> dict[str, torch.Tensor]:
        return {name: theta[pos].reshape(self.shapes[name]) for name, pos in self._pos.items()}

    def split(self, theta) -> dict[str, np.ndarray]:
        """θ → {group name: its entries} (numpy)."""
        theta = np.asarray(theta)
        out, i = {}, 0
        for g, s in zip(self.groups, self.sizes):
            out[g.name] = theta[..., i : i + s]
            i += s
        return out


# ------------------------------------------------------------------------------------------------
# Hessian and Gauss-Newton matrix
# ------------------------------------------------------------------------------------------------

Forward = Callable[[dict, torch.Tensor], torch.Tensor]


def half_mse(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """METHODS §1.1: ½ · mean over (batch, T) of the squared error summed over outputs."""
    err = (pred - target).reshape(target.shape[0], target.shape[1], -1)
    return 0.5 * (err**2).sum(-1).mean()


def batch_loss_fn(forward: Forward, layout: ParamLayout, x: torch.Tensor, y: torch.Tensor):
    """θ ↦ ½-MSE of ``forward(layout.unflatten(θ), x)`` against ``y``."""

    def loss(theta):
        return half_mse(forward(layout.unflatten(theta), x), y)

    return loss


def full_hessian(
    forward: Forward, layout: ParamLayout, theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor
) -> torch.Tensor:
    """Autodiff Hessian (P × P, float64) of the batch loss with respect to θ (torch.func)."""
    theta = theta.to(DTYPE).detach()
    H = torch.func.hessian(batch_loss_fn(forward, layout, x, y))(theta)
    return 0.5 * (H + H.T)  # symmetric up to round-off; symmetrise exactly


def gauss_newton(
    forward: Forward, layout: ParamLayout, theta: torch.Tensor, x: torch.Tensor
) -> torch.Tensor:
    """Gauss–Newton matrix JᵀJ / (batch·T) of the ½-MSE loss (J = ∂ŷ/∂θ over every output)."""
    theta = theta.to(DTYPE).detach()

    def out(th):
        return forward(layout.unflatten(th), x).reshape(-1)

    J = torch.func.jacrev(out)(theta)
    return J.T @ J / (x.shape[0] * x.shape[1])


# ------------------------------------------------------------------------------------------------
# Students set exactly to the teacher (METHODS §5 Figs 4 and 9 top)
# ------------------------------------------------------------------------------------------------

#: kind -> (core-library model spec, pads between groups in the plot, the placement options of
#: its registry entry's ``at_system`` that :func:`optimum_values` passes on)
STUDENTS = {
    "rnn": ({"name": "rnn", "heads": 1}, [3, 3, 3], ()),
    "crnn": ({"name": "lru", "param": "reim", "gamma": "none"}, [1, 2, 1, 2, 1, 2], ()),
    "lru": ({"name": "lru", "param": "exp", "gamma": "learned"}, [1] * 7, ()),
    "s4": (
        {"name": "s4", "shared_delta": False, "init": "default"},
        [1] * 7,
        ("delta", "delta_raw_float32"),
    ),
}

#: kind -> explicit group order: (group name, mathtext label, core tensor name, index in tensor).
#: Indices include the leading member dim (M = 1).  Rows of the LRU's ``lam_raw``: 0 = Re λ / ω_ν,
#: 1 = Im λ / ω_θ (curse_of_memory.models).
GROUPS = {
    "rnn": [
        ("A", r"$A$", "A", ()),
        ("B", r"$B$", "B", ()),
        ("C", r"$C$", "C", ()),
        ("D", r"$D$", "D", ()),
    ],
    "crnn": [
        ("lambda_re", r"$\lambda_{\mathrm{re}}$", "lam_raw", (0, 0)),
        ("lambda_im", r"$\lambda_{\mathrm{im}}$", "lam_raw", (0, 1)),
        ("B_re", r"$B_{\mathrm{re}}$", "B_re", ()),
        ("B_im", r"$B_{\mathrm{im}}$", "B_im", ()),
        ("C_re", r"$C_{\mathrm{re}}$", "C_re", ()),
        ("C_im", r"$C_{\mathrm{im}}$", "C_im", ()),
        ("D", r"$D$", "D", ()),
    ],
    "lru": [
        ("omega_nu", r"$\omega_\nu$", "lam_raw", (0, 0)),
        ("omega_theta", r"$\omega_\theta$", "lam_raw", (0, 1)),
        ("omega_gamma", r"$\omega_\gamma$", "gamma", ()),
        ("B_re", r"$B_{\mathrm{re}}$", "B_re", ()),
        ("B_im", r"$B_{\mathrm{im}}$", "B_im", ()),
        ("C_re", r"$C_{\mathrm{re}}$", "C_re", ()),
        ("C_im", r"$C_{\mathrm{im}}$", "C_im", ()),
        ("D", r"$D$", "D", ()),
    ],
    "s4": [
        ("A_re", r"$A_{\mathrm{re}}$", "A_re", ()),
        ("A_im", r"$A_{\mathrm{im}}$", "A_im", ()),
        ("Delta", r"$\Delta$", "delta_raw", ()),
        ("B_re", r"$B_{\mathrm{re}}$", "B_re", ()),
        ("B_im", r"$B_{\mathrm{im}}$", "B_im", ()),
        ("C_re", r"$C_{\mathrm{re}}$", "C_re", ()),
        ("C_im", r"$C_{\mathrm{im}}$", "C_im", ()),
        ("D", r"$D$", "D", ()),
    ],
}

#: the S4 student as the original stored it (Δ_raw in float32), computed beside the four students
S4_PUBLISHED = "s4_published"

#: display titles
TITLES = {
    "rnn": "RNN",
    "crnn": "Complex diagonal",
    "lru": "LRU",
    "s4": "S4",
    S4_PUBLISHED: r"S4 ($\Delta_\mathrm{raw}$ in float32)",
}


def layout_for(kind: str, model) -> ParamLayout:
    """The explicit :class:`ParamLayout` of a core-library model of the given kind."""
    if kind not in GROUPS:
        raise ConfigError("hessian.kind", f"unknown student {kind!r}", ", ".join(GROUPS))
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    return ParamLayout([Group(*g) for g in GROUPS[kind]], shapes)


def _student(kind: str, n: int):
    """(model (float64, M = 1, parameters zero), layout) of a student of ``n`` states."""
    if kind not in GROUPS:
        raise ConfigError("hessian.kind", f"unknown student {kind!r}", ", ".join(GROUPS))
    spec = dict(STUDENTS[kind][0], hidden=n)
    model = build_model(spec, members=1, d_in=1, d_out=1, dtype=DTYPE, draw=False)
    return model, layout_for(kind, model)


def _theta_at_optimum(
    kind: str, teacher: HandTeacher, s4_delta: float, scaling: str, delta_raw_float32: bool
) -> tuple:
    """(model, layout, θ*): the student's registry entry places it at the teacher."""
    model, layout = _student(kind, teacher.n)
    spec, _, takes = STUDENTS[kind]
    given = {"delta": s4_delta, "delta_raw_float32": delta_raw_float32}
    if delta_raw_float32 and "delta_raw_float32" not in takes:
        raise ConfigError("hessian", f"delta_raw_float32 applies to the s4 student, not {kind!r}")
    entry = MODELS[spec["name"]]
    values = entry.at_system(
        dict(spec, hidden=teacher.n),
        teacher,
        teacher.modal(scaling),
        **{k: given[k] for k in takes},
    )
    theta = layout.flatten({name: np.asarray(v)[None] for name, v in values.items()})
    return model, layout, theta


def optimum_values(
    kind: str,
    teacher: HandTeacher,
    s4_delta: float = 0.01,
    *,
    scaling: str = "eig",
    delta_raw_float32: bool = False,
) -> dict[str, np.ndarray]:
    """Every group's values (float64, 1-D, in its layout order) for a student equal to the teacher.

    With (d, b, c) = ``teacher.modal(scaling)`` - by default d, V = eig(A) with unit-length
    eigenvectors, b = V⁻¹B and c = CV (METHODS §5 Figs 4, 9), as the model registry's
    ``at_system`` places each model:
    rnn: A, B, C, D (no modal form);  crnn: λ = d, B' = b, C' = c, D;
    lru: ω_ν = log(−log|d|), ω_θ = log(arg d mod 2π), ω_γ = log √(1−|d|²), B' = b/γ, C' = c, D;
    s4:  Δ = ``s4_delta`` for every state (stored as softplus⁻¹ Δ),
         A = (log|d| + i·(arg d mod 2π))/Δ, B' = b/Δ, C' = c, D.
    ``delta_raw_float32`` (s4 only): store softplus⁻¹ Δ rounded to float32, as the original did,
    while A and B' use the exact Δ - the student is then slightly off the optimum (METHODS §7,
    further notes).
    """
    _, layout, theta = _theta_at_optimum(kind, teacher, s4_delta, scaling, delta_raw_float32)
    return layout.split(theta.numpy())


def student_at_optimum(
    kind: str,
    teacher: HandTeacher,
    s4_delta: float = 0.01,
    *,
    scaling: str = "eig",
    delta_raw_float32: bool = False,
):
    """(model, layout, θ*) - the core-library model (float64, M = 1) set exactly to the teacher
    (:func:`optimum_values` for the keyword arguments)."""
    model, layout, theta = _theta_at_optimum(kind, teacher, s4_delta, scaling, delta_raw_float32)
    with torch.no_grad():
        for name, tensor in layout.unflatten(theta).items():
            model.get_parameter(name).copy_(tensor)
    for p in model.parameters():
        p.requires_grad_(False)
    return model, layout, theta


def model_forward(model) -> Forward:
    """``(params, x) -> y`` through the core model (``torch.func.functional_call``)."""

    def forward(params, x):
        return torch.func.functional_call(model, params, (x,))

    return forward


@dataclass
class HessianResult:
    kind: str
    H: np.ndarray
    eigvals: np.ndarray  # descending
    eigvecs: np.ndarray  # rows, matching eigvals
    loss: float  # batch loss at the optimum
    groups: list[str]
    labels: list[str]
    sizes: list[int]
    pads: list[int]
    theta: np.ndarray


def hessian_at_optimum(
    kind: str,
    teacher: HandTeacher,
    x: torch.Tensor,
    s4_delta: float = 0.01,
    *,
    scaling: str = "eig",
    delta_raw_float32: bool = False,
) -> HessianResult:
    """Place ``kind`` at the teacher, check nothing, and return its full batch-loss Hessian
    (:func:`optimum_values` for the keyword arguments)."""
    model, layout, theta = student_at_optimum(
        kind, teacher, s4_delta, scaling=scaling, delta_raw_float32=delta_raw_float32
    )
    y = teacher_outputs(teacher, x)
    fwd = model_forward(model)
    loss = float(batch_loss_fn(fwd, layout, x, y)(theta))
    H = full_hessian(fwd, layout, theta, x, y).numpy()
    w, vecs = eig_desc(H)
    return HessianResult(
        kind=kind,
        H=H,
        eigvals=w,
        eigvecs=vecs,
        loss=loss,
        groups=layout.names,
        labels=layout.labels,
        sizes=layout.sizes,
        pads=list(STUDENTS[kind][1]),
        theta=theta.numpy(),
    )


# ------------------------------------------------------------------------------------------------
# Figs 4 / 9 top: all four students on one teacher and one batch; saving and loading
# ------------------------------------------------------------------------------------------------

KINDS = ("rnn", "crnn", "lru", "s4")

#: eigenvalues above this count as non-negligible in the summaries (the panels' axis starts at
#: 1e-8; the original's eigenvalue ticks are 1e-7, 1, 1e7)
EIG_COUNT_FLOOR = 1e-7


def optimum_hessians(
    teacher_seed: int = 0,
    data_seed: int = 1,
    batch: int = 64,
    T: int = 300,
    s4_delta: float = 0.01,
    kinds: Sequence[str] = KINDS,
    draw: str = "jax",
    scaling: str = "eig",
    s4_published: bool = True,
):
    """(teacher, {kind: HessianResult}) for the Fig 4/9 students on one white-noise batch.

    ``draw`` picks the teacher's and the batch's random numbers (:data:`DRAWS`; "jax" is the
    paper's), ``scaling`` the modal form of the diagonal students (:data:`MODAL_SCALINGS`; "eig" is
    the paper's).  With ``s4_published`` and "s4" in ``kinds``, the result also holds
    ``"s4_published"``: the S4 student with Δ_raw stored in float32 as the original did."""
    for key, val in (("batch", batch), ("T", T)):
        if not isinstance(val, int) or val < 1:
            raise ConfigError(f"hessian.{key}", f"must be a positive integer, got {val!r}")
    teacher = hand_built_teacher(teacher_seed, draw=draw)
    x = white_noise(data_seed, batch, T, draw=draw)
    out = {k: hessian_at_optimum(k, teacher, x, s4_delta, scaling=scaling) for k in kinds}
    if s4_published and "s4" in kinds:
        r = hessian_at_optimum("s4", teacher, x, s4_delta, scaling=scaling, delta_raw_float32=True)
        out[S4_PUBLISHED] = replace(r, kind=S4_PUBLISHED)
    return teacher, out


def save_hessians(npz_path, json_path, teacher: HandTeacher, results: dict, settings: dict) -> dict:
    """Write every Hessian (``<kind>_H``, ``_eigvals``, ``_eigvecs``, ``_theta``) and the teacher to
    ``npz_path`` and a readable summary (losses, group order, top eigenvalues) to ``json_path``."""
    arrays = {
        "teacher_A": teacher.A,
        "teacher_B": teacher.B,
        "teacher_C": teacher.C,
        "teacher_D": teacher.D,
        "teacher_eigvals": teacher.eigvals,
    }
    summary = {
        "settings": dict(settings),
        "teacher": {
            "draw": teacher.draw,
            "seed": teacher.seed,
            "eigvals_re": teacher.eigvals.real,
            "eigvals_im": teacher.eigvals.imag,
            "moduli": np.abs(teacher.eigvals),
            "angles": np.angle(teacher.eigvals),
        },
        "models": {},
    }
    for kind, r in results.items():
        arrays.update(
            {
                f"{kind}_H": r.H,
                f"{kind}_eigvals": r.eigvals,
                f"{kind}_eigvecs": r.eigvecs,
                f"{kind}_theta": r.theta,
            }
        )
        top = max(r.eigvals[0], 1e-300)
        summary["models"][kind] = {
            "title": TITLES[kind],
            "loss_at_optimum": r.loss,
            "groups": r.groups,
            "labels": r.labels,
            "sizes": r.sizes,
            "pads": r.pads,
            "n_params": int(sum(r.sizes)),
            "eig_max": float(r.eigvals[0]),
            "n_eig_above_1e-8": int((r.eigvals > 1e-8).sum()),
            "n_eig_above_1e-7": int((r.eigvals > EIG_COUNT_FLOOR).sum()),
            "n_eig_above_1e-6_rel": int((r.eigvals > 1e-6 * top).sum()),
            "top10_eigvals": r.eigvals[:10],
        }
    with atomic_path(npz_path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
    write_json(json_path, summary)
    return summary


def load_hessians(npz_path, json_path) -> dict:
    """{kind: dict(H, eigvals, eigvecs, theta, groups, labels, sizes, pads, title, loss)}."""
    try:
        data = np.load(npz_path)
        summary = json.loads(open(json_path).read())
    except (OSError, ValueError) as exc:
        raise DataError(
            f"{npz_path}: cannot read the Hessians ({exc}); rerun `snakemake "
            "results/hessian/optimum.npz`"
        ) from None
    out = {}
    for kind, meta in summary["models"].items():
        out[kind] = dict(
            H=data[f"{kind}_H"],
            eigvals=data[f"{kind}_eigvals"],
            eigvecs=data[f"{kind}_eigvecs"],
            theta=data[f"{kind}_theta"],
            groups=meta["groups"],
            labels=meta["labels"],
            sizes=meta["sizes"],
            pads=meta["pads"],
            title=meta["title"],
            loss=meta["loss_at_optimum"],
        )
    return out
