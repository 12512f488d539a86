"""Linear recurrent models with a leading *member* dimension (see ``curse_of_memory.models``).

Every model maps x of shape (M, batch, T, d_in) to y of shape (M, batch, T, d_out) with h_0 = 0 and
the input at time t entering h_t immediately (METHODS §1.1):

    h_t = Lambda h_{t-1} + B~ x_t,       y_t = Re(C h_t) + D x_t.

Three compute paths, tested against each other:

* ``forward_reference(x)``: the plain sequential recurrence (the definition).
* ``forward(x)``: the fast path.  LTI kernel k_tau = Re(C Lambda^tau B~) (+ D at tau = 0) applied by
  FFT convolution when d_in*d_out is small; for the multi-input diagonal models (deep stack) the
  state-wise FFT convolution h = (lambda^tau) * (B~ x) followed by the readout.
* ``impulse_response(T)``: the kernel itself, shape (M, T, d_out, d_in), D included at tau = 0,
  so that y_t = sum_{tau=0}^{t-1} k_tau x_{t-tau}   (t = 1..T).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from curse_of_memory.models import init as I


# ----------------------------------------------------------------------------------------------
# convolution helpers
# ----------------------------------------------------------------------------------------------
def _nfft(T: int) -> int:
    n = 2 * T
    # a smooth size (powers of 2, 3, 5) >= 2T keeps FFTs fast
    while True:
        r = n
        for p in (2, 3, 5):
            while r % p == 0:
                r //= p
        if r == 1:
            return n
        n += 1


def causal_conv_real(kernel: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """y[..., b, t, o] = sum_tau sum_i kernel[..., tau, o, i] x[..., b, t - tau, i].

    kernel (M, T, o, i); x (M or 1, B, T, i) -> (M, B, T, o).  FFT along time (zero-padded)."""
    T = x.shape[-2]
    n = _nfft(T)
    kf = torch.fft.rfft(kernel, n=n, dim=1)  # (M, F, o, i)
    xf = torch.fft.rfft(x, n=n, dim=2)  # (M, B, F, i)
    if kernel.shape[-1] == 1 and kernel.shape[-2] == 1:
        yf = xf * kf[:, None, :, 0, :]
    else:
        yf = torch.einsum("mfoi,mbfi->mbfo", kf, xf.expand(kernel.shape[0], *xf.shape[1:]))
    return torch.fft.irfft(yf, n=n, dim=2)[:, :, :T, :]


def causal_conv_complex_states(lam: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """h[m, b, t, s] = sum_tau lam[m, s]^tau u[m, b, t - tau, s], all complex; FFT along time."""
    T = u.shape[-2]
    n = _nfft(T)
    tau = torch.arange(T, device=lam.device, dtype=lam.real.dtype)
    powers = torch.exp(tau[None, :, None] * torch.log(lam)[:, None, :])  # (M, T, S)
    pf = torch.fft.fft(powers, n=n, dim=1)
    uf = torch.fft.fft(u, n=n, dim=2)
    return torch.fft.ifft(uf * pf[:, None], n=n, dim=2)[:, :, :T, :]


def _as4d(x: torch.Tensor) -> tuple[torch.Tensor, bool]:
    if x.dim() == 3:
        return x[None], True
    if x.dim() != 4:
        raise ValueError(
            f"x must have shape (M, batch, T, d_in) or (batch, T, d_in); got {tuple(x.shape)}"
        )
    return x, False


class PopulationModel(nn.Module):
    """Base class.  Subclasses define ``PARAM_ORDER`` (the registered parameter order), ``members``,
    ``d_in``, ``d_out``, ``hidden``; and the methods below."""

    name = "base"
    #: names of parameters holding stacks of square recurrent matrices (last two dims);
    #: muon uses them
    recurrent_matrices: tuple[str, ...] = ()

    def _param(self, shape, dtype):
        return nn.Parameter(torch.zeros(self.members, *shape, dtype=dtype))

    @torch.no_grad()
    def load_member_values(self, values: list[dict[str, torch.Tensor]]) -> None:
        """Set parameters from one dict of float64 tensors per member (as returned by
        ``draw_member``)."""
        for name, p in self.named_parameters():
            p.copy_(torch.stack([v[name] for v in values]).to(p.dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, squeeze = _as4d(x)
        y = self._forward_fast(x)
        return y[0] if squeeze else y

    def forward_reference(self, x: torch.Tensor) -> torch.Tensor:
        x, squeeze = _as4d(x)
        y = self._forward_reference(x)
        return y[0] if squeeze else y


# ----------------------------------------------------------------------------------------------
# dense / multi-head linear RNN (METHODS §2.1)
# ----------------------------------------------------------------------------------------------
class LinearRNN(PopulationModel):
    """Dense (heads = 1) or block-diagonal (heads = H) real linear RNN.

    Parameters, in order: A (M, H, m, m), B (M, N, d_in), C (M, d_out, N), D (M, d_out, d_in),
    with m = N / H; A is block-diagonal with blocks A[:, k] acting on units k*m .. (k+1)*m - 1."""

    name = "rnn"
    PARAM_ORDER = ("A", "B", "C", "D")
    recurrent_matrices = ("A",)

    def __init__(
        self,
        members: int = 1,
        d_in: int = 1,
        hidden: int = 64,
        d_out: int = 1,
        heads: int = 1,
        dtype=torch.float32,
    ):
        super().__init__()
        self.members, self.d_in, self.hidden, self.d_out, self.heads = (
            members,
            d_in,
            hidden,
            d_out,
            heads,
        )
        self.block = hidden // heads
        self.A = self._param((heads, self.block, self.block), dtype)
        self.B = self._param((hidden, d_in), dtype)
        self.C = self._param((d_out, hidden), dtype)
        self.D = self._param((d_out, d_in), dtype)

    def draw_member(
        self,
        g: torch.Generator,
        *,
        theta0: float = math.pi,
        nu_min: float = 0.0,
        nu_max: float = 1.0,
        remap: str = "default",
        **_,
    ) -> dict[str, torch.Tensor]:
        """Draw order: A (per head: M ~ N(0,1/m)), B, C, D (LeCun normal)."""

        def lecun(out_dim, fan_in):
            return I.lecun_normal_(torch.empty(out_dim, fan_in, dtype=torch.float64), fan_in, g)

        A = I.dense_recurrent_init(g, self.heads, self.block, nu_min, nu_max, theta0, remap)
        B = lecun(self.hidden, self.d_in)
        C = lecun(self.d_out, self.hidden)
        D = lecun(self.d_out, self.d_in)
        return {"A": A, "B": B, "C": C, "D": D}

    def param_groups(self) -> list[tuple[str, str, int | None]]:
        """(group name, parameter name, row index along dim 1 or None) for effective-LR
        summaries."""
        return [(n, n, None) for n in self.PARAM_ORDER]

    def dense_A(self) -> torch.Tensor:
        """The full (M, N, N) block-diagonal recurrent matrix."""
        return torch.stack([torch.block_diag(*a) for a in self.A])

    def eigenvalues(self) -> torch.Tensor:
        return torch.linalg.eigvals(self.A.detach().double()).reshape(self.members, -1)

    def impulse_response(self, T: int, block: int | None = None) -> torch.Tensor:
        """k_tau = C A^tau B (+ D at tau = 0), shape (M, T, d_out, d_in).

        Baby-step giant-step: with p = ``block`` (default: the power of two nearest sqrt(T)),
        k_{i p + j} = (C A^{i p}) (A^j B).  The right Krylov block [A^j B]_{j<p} is built by
        repeated doubling (log2 p squarings, which also give A^p); the left rows C A^{i p},
        i < ceil(T/p), by repeated multiplication with A^p; one batched product joins them."""
        Mb, H, m, di, do = self.members, self.heads, self.block, self.d_in, self.d_out
        p = block or max(1, 2 ** round(math.log2(max(T, 1) ** 0.5)))
        cur = self.B.reshape(Mb, H, m, di)  # columns ordered (j, input)
        P = self.A
        n = 1
        while n < p:
            cur = torch.cat([cur, P @ cur], dim=-1)
            P = P @ P
            n *= 2
        q = -(-T // p)
        v = self.C.reshape(Mb, do, H, m).transpose(1, 2)  # (M, H, d_out, m)
        rows = [v]
        for _ in range(q - 1):
            v = v @ P
            rows.append(v)
        L = torch.cat(rows, dim=2)  # (M, H, q*d_out, m)
        K = (L @ cur).sum(1)  # (M, q*d_out, p*d_in)
        K = K.reshape(Mb, q, do, p, di).permute(0, 1, 3, 2, 4).reshape(Mb, q * p, do, di)[:, :T]
        return torch.cat([K[:, :1] + self.D[:, None], K[:, 1:]], dim=1)

    def _forward_fast(self, x):
        return causal_conv_real(self.impulse_response(x.shape[-2]), x)

    def _forward_reference(self, x):
        Mb, Bt, T, _ = x.shape
        x = x.expand(self.members, Bt, T, self.d_in)
        A = self.dense_A()
        h = x.new_zeros(self.members, Bt, self.hidden)
        ys = []
        for t in range(T):
            h = torch.einsum("mij,mbj->mbi", A, h) + torch.einsum(
                "mij,mbj->mbi", self.B, x[:, :, t]
            )
            ys.append(
                torch.einsum("moj,mbj->mbo", self.C, h)
                + torch.einsum("moi,mbi->mbo", self.D, x[:, :, t])
            )
        return torch.stack(ys, dim=2)


# ----------------------------------------------------------------------------------------------
# complex diagonal models: LRU / cRNN (METHODS §2.2-2.3) and S4-like (METHODS §2.4)
# ----------------------------------------------------------------------------------------------
class _Diagonal(PopulationModel):
    """Shared machinery: subclasses give lam() (M, S) complex, b_tilde() (M, S, d_in) complex,
    c_matrix() (M, d_out, S) complex, d_matrix() (M, d_out, d_in) real."""

    def eigenvalues(self) -> torch.Tensor:
        return self.lam().detach()

    def log_lam_parts(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(log|lambda|, arg lambda) as real (M, S) tensors."""
        lam = self.lam()
        return torch.log(lam.abs()), torch.angle(lam)

    def impulse_response(self, T: int, block: int | None = None) -> torch.Tensor:
        """k_tau = Re(C diag(lambda^tau) B~) (+ D at tau = 0), shape (M, T, d_out, d_in).

        Baby-step giant-step in real arithmetic: lambda^{i p + j} = lambda^{i p} lambda^j, with the
        powers from (log|lambda|, arg lambda) in closed form for j < p and i < ceil(T/p) only, and
        the (i, j) grid formed by one batched real matmul per output (no (M, T, S) tensor)."""
        a, b = self.log_lam_parts()  # (M, S)
        p = block or max(1, 2 ** round(math.log2(max(T, 1) ** 0.5)))
        q = -(-T // p)
        j = torch.arange(p, device=a.device, dtype=a.dtype)[None, :, None]
        i = torch.arange(q, device=a.device, dtype=a.dtype)[None, :, None] * p
        rs = torch.exp(j * a[:, None])
        rb = torch.exp(i * a[:, None])
        s_re, s_im = rs * torch.cos(j * b[:, None]), rs * torch.sin(j * b[:, None])  # (M, p, S)
        g_re, g_im = rb * torch.cos(i * b[:, None]), rb * torch.sin(i * b[:, None])  # (M, q, S)
        Bt, Cm = self.b_tilde(), self.c_matrix()
        Mb, do, di = self.members, self.d_out, self.d_in
        # w[o, s, k] = C[o, s] B~[s, k]
        w = Cm[:, :, :, None] * Bt[:, None, :, :]  # (M, do, S, di)
        w_re, w_im = w.real, w.imag
        # small-side products sw[j, s, o, k] = lambda_s^j w[o, s, k]
        sw_re = (
            s_re[:, :, None, :, None] * w_re[:, None] - s_im[:, :, None, :, None] * w_im[:, None]
        )
        sw_im = (
            s_re[:, :, None, :, None] * w_im[:, None] + s_im[:, :, None, :, None] * w_re[:, None]
        )
        S = a.shape[1]
        sw_re = sw_re.permute(0, 3, 1, 2, 4).reshape(Mb, S, p * do * di)
        sw_im = sw_im.permute(0, 3, 1, 2, 4).reshape(Mb, S, p * do * di)
        K = g_re @ sw_re - g_im @ sw_im  # (M, q, p*do*di)
        K = K.reshape(Mb, q * p, do, di)[:, :T]
        return torch.cat([K[:, :1] + self.d_matrix()[:, None], K[:, 1:]], dim=1)

    def _forward_fast(self, x):
        if self.d_in * self.d_out <= 4:
            return causal_conv_real(self.impulse_response(x.shape[-2]), x)
        Bt = self.b_tilde()
        u = torch.einsum("msi,mbti->mbts", Bt, x.to(Bt.dtype).expand(self.members, *x.shape[1:]))
        h = causal_conv_complex_states(self.lam(), u)
        return torch.einsum("mos,mbts->mbto", self.c_matrix(), h).real + torch.einsum(
            "moi,mbti->mbto", self.d_matrix(), x
        )

    def _forward_reference(self, x):
        Mb, Bsz, T, _ = x.shape
        x = x.expand(self.members, Bsz, T, self.d_in)
        lam, Bt, Cm, Dm = self.lam(), self.b_tilde(), self.c_matrix(), self.d_matrix()
        h = torch.zeros(self.members, Bsz, lam.shape[1], dtype=lam.dtype, device=x.device)
        ys = []
        for t in range(T):
            xt = x[:, :, t]
            h = lam[:, None, :] * h + torch.einsum("msi,mbi->mbs", Bt, xt.to(Bt.dtype))
            ys.append(
                torch.einsum("mos,mbs->mbo", Cm, h).real + torch.einsum("moi,mbi->mbo", Dm, xt)
            )
        return torch.stack(ys, dim=2)


LRU_PARAMS = ("exp", "polar", "reim")
LRU_GAMMAS = ("learned", "none")


class LRU(_Diagonal):
    """LRU / complex diagonal RNN (METHODS §2.3).

    Parameters, in order: lam (M, 2, N) [row 0 = omega_nu / Re lambda / nu, row 1 = omega_theta /
    Im lambda / theta], gamma (M, N) [only if gamma='learned'; log gamma for param='exp'],
    B_re, B_im (M, N, d_in), C_re, C_im (M, d_out, N), D (M, d_out, d_in)."""

    name = "lru"
    recurrent_matrices = ()

    def __init__(
        self,
        members: int = 1,
        d_in: int = 1,
        hidden: int = 64,
        d_out: int = 1,
        param: str = "exp",
        gamma: str = "learned",
        gamma_init: str = "default",
        dtype=torch.float32,
    ):
        super().__init__()
        self.members, self.d_in, self.hidden, self.d_out = members, d_in, hidden, d_out
        self.param, self.gamma_mode, self.gamma_init = param, gamma, gamma_init
        self.lam_raw = self._param((2, hidden), dtype)
        if gamma == "learned":
            self.gamma = self._param((hidden,), dtype)
        self.B_re = self._param((hidden, d_in), dtype)
        self.B_im = self._param((hidden, d_in), dtype)
        self.C_re = self._param((d_out, hidden), dtype)
        self.C_im = self._param((d_out, hidden), dtype)
        self.D = self._param((d_out, d_in), dtype)

    @property
    def PARAM_ORDER(self):
        return tuple(n for n, _ in self.named_parameters())

    def draw_member(
        self,
        g: torch.Generator,
        *,
        r_min: float = 0.0,
        r_max: float = 1.0,
        theta0: float = math.pi,
        **_,
    ) -> dict[str, torch.Tensor]:
        """Draw order: ring (u, u'), B_re, B_im, C_re, C_im, D (matrix-init rule)."""
        nu, theta = I.ring_init(g, self.hidden, r_min, r_max, theta0)
        if self.param == "exp":
            lam_raw = torch.stack([torch.log(-torch.log(nu)), torch.log(theta)])
        elif self.param == "polar":
            lam_raw = torch.stack([nu, theta])
        else:
            lam_raw = torch.stack([nu * torch.cos(theta), nu * torch.sin(theta)])
        out = {"lam_raw": lam_raw}
        if self.gamma_mode == "learned":
            if self.param == "exp":
                out["gamma"] = torch.log(torch.sqrt(1 - nu**2))
            elif self.param == "reim" and self.gamma_init == "published":
                out["gamma"] = torch.sqrt(1 - lam_raw[0] ** 2)  # METHODS §7 item 5 (as published)
            else:
                out["gamma"] = torch.sqrt(1 - nu**2)
        out["B_re"] = I.matrix_init(g, self.hidden, self.d_in)
        out["B_im"] = I.matrix_init(g, self.hidden, self.d_in)
        out["C_re"] = I.matrix_init(g, self.d_out, self.hidden)
        out["C_im"] = I.matrix_init(g, self.d_out, self.hidden)
        out["D"] = I.matrix_init(g, self.d_out, self.d_in)
        return out

    def param_groups(self) -> list[tuple[str, str, int | None]]:
        """(group name, parameter name, row index along dim 1 or None); lam_raw is split in its two
        rows (exp: omega_nu, omega_theta; polar: nu, theta; reim: lam_re, lam_im)."""
        rows = {
            "exp": ("omega_nu", "omega_theta"),
            "polar": ("nu", "theta"),
            "reim": ("lam_re", "lam_im"),
        }[self.param]
        out = [(rows[0], "lam_raw", 0), (rows[1], "lam_raw", 1)]
        return out + [(n, n, None) for n, _ in self.named_parameters() if n != "lam_raw"]

    def log_lam_parts(self) -> tuple[torch.Tensor, torch.Tensor]:
        a, b = self.lam_raw[:, 0], self.lam_raw[:, 1]
        if self.param == "exp":
            return -torch.exp(a), torch.exp(b)
        if self.param == "polar":
            return torch.log(a.abs()), b + math.pi * (a < 0)
        return 0.5 * torch.log(a * a + b * b), torch.atan2(b, a)

    def lam(self) -> torch.Tensor:
        a, b = self.lam_raw[:, 0], self.lam_raw[:, 1]
        if self.param == "exp":
            return torch.exp(torch.complex(-torch.exp(a), torch.exp(b)))
        if self.param == "polar":
            return torch.complex(a * torch.cos(b), a * torch.sin(b))
        return torch.complex(a, b)

    def gamma_value(self) -> torch.Tensor:
        if self.gamma_mode == "none":
            return torch.ones_like(self.lam_raw[:, 0])
        return torch.exp(self.gamma) if self.param == "exp" else self.gamma

    def b_tilde(self):
        return self.gamma_value()[:, :, None] * torch.complex(self.B_re, self.B_im)

    def c_matrix(self):
        return torch.complex(self.C_re, self.C_im)

    def d_matrix(self):
        return self.D


S4_INITS = ("default", "published", "delta_1")


class S4(_Diagonal):
    """S4-like diagonal SSM (METHODS §2.4): D_m = d_in = d_out channels, N states per channel.

    Parameters, in order: A_re, A_im (M, D_m, N), delta_raw (M, N) [or (M, 1) if shared_delta],
    B_re, B_im, C_re, C_im (M, D_m, N), D (M, D_m).  lambda = exp(Delta (A_re + i A_im)),
    Delta = softplus(delta_raw); h_t = lambda h_{t-1} + Delta B x_t; y = Re(sum_n C h) + D x."""

    name = "s4"
    PARAM_ORDER = ("A_re", "A_im", "delta_raw", "B_re", "B_im", "C_re", "C_im", "D")

    def __init__(
        self,
        members: int = 1,
        d_in: int = 1,
        hidden: int = 64,
        d_out: int | None = None,
        shared_delta: bool = False,
        init: str = "default",
        dtype=torch.float32,
    ):
        super().__init__()
        d_out = d_in if d_out is None else d_out
        if d_out != d_in:
            raise ValueError("s4 needs d_out == d_in (channel-wise SSM)")
        self.members, self.d_in, self.d_out, self.hidden = members, d_in, d_out, hidden
        self.shared_delta, self.init_mode = shared_delta, init
        self.A_re = self._param((d_in, hidden), dtype)
        self.A_im = self._param((d_in, hidden), dtype)
        self.delta_raw = self._param((1 if shared_delta else hidden,), dtype)
        self.B_re = self._param((d_in, hidden), dtype)
        self.B_im = self._param((d_in, hidden), dtype)
        self.C_re = self._param((d_in, hidden), dtype)
        self.C_im = self._param((d_in, hidden), dtype)
        self.D = self._param((d_in,), dtype)

    def draw_member(
        self, g: torch.Generator, *, r_min: float = 0.0, r_max: float = 1.0, **_
    ) -> dict[str, torch.Tensor]:
        """Draw order: u (N, magnitudes), theta (D_m, N) ~ U[0, 2pi), B_re, B_im, C_re, C_im, D.

        Inits (METHODS §2.4): ``default`` Delta = -log nu, A = (-1, theta / Delta); ``published``
        the same with theta divided by Delta_raw; ``delta_1`` Delta = 1, A = (log nu, theta), the
        other scheme of the original code.  Each gives lambda = nu e^{i theta} (up to the
        published phase error)."""
        Dm, N = self.d_in, self.hidden
        u = I.uniform(g, N)
        nu = torch.sqrt(u * (r_max**2 - r_min**2) + r_min**2)
        theta = I.uniform(g, Dm, N, low=0.0, high=2 * math.pi)
        if self.init_mode == "delta_1":
            delta = torch.ones(1 if self.shared_delta else N, dtype=torch.float64)
            delta_raw = inv_softplus(delta)
            a_re = torch.log(nu)[None].expand(Dm, N).clone()
            a_im = theta.clone()
        elif self.shared_delta:
            delta = torch.full((1,), 0.01, dtype=torch.float64)
            delta_raw = inv_softplus(delta)
            a_re = (torch.log(nu) / delta)[None].expand(Dm, N).clone()
        else:
            delta = -torch.log(nu)
            delta_raw = inv_softplus(delta)
            a_re = -torch.ones(Dm, N, dtype=torch.float64)
        if self.init_mode != "delta_1":
            div = delta_raw if self.init_mode == "published" else delta  # METHODS §7 item 7
            a_im = theta / div[None, :]
        return {
            "A_re": a_re,
            "A_im": a_im,
            "delta_raw": delta_raw,
            "B_re": I.matrix_init(g, Dm, N),
            "B_im": I.matrix_init(g, Dm, N),
            "C_re": I.matrix_init(g, Dm, N),
            "C_im": I.matrix_init(g, Dm, N),
            "D": I.normal(g, Dm),
        }

    def param_groups(self) -> list[tuple[str, str, int | None]]:
        return [("delta" if n == "delta_raw" else n, n, None) for n in self.PARAM_ORDER]

    def delta(self):
        return torch.nn.functional.softplus(self.delta_raw)  # (M, N) or (M, 1)

    def lam(self):  # states flattened channel-major: s = d * N + n
        dl = self.delta()[:, None, :]
        return torch.exp(torch.complex(dl * self.A_re, dl * self.A_im)).reshape(self.members, -1)

    def b_tilde(self):  # (M, Dm*N, Dm): state (d, n) reads channel d
        b = (self.delta()[:, None, :] * torch.complex(self.B_re, self.B_im)).reshape(
            self.members, -1
        )
        eye = torch.eye(self.d_in, dtype=self.B_re.dtype, device=b.device)
        sel = eye.repeat_interleave(self.hidden, dim=0)  # (Dm*N, Dm)
        return b[:, :, None] * sel[None]

    def c_matrix(self):  # (M, Dm, Dm*N)
        c = torch.complex(self.C_re, self.C_im).reshape(self.members, -1)
        eye = torch.eye(self.d_in, dtype=self.C_re.dtype, device=c.device)
        sel = eye.repeat_interleave(self.hidden, dim=1)  # (Dm, Dm*N)
        return c[:, None, :] * sel[None]

    def d_matrix(self):
        return torch.diag_embed(self.D)


def inv_softplus(y: torch.Tensor) -> torch.Tensor:
    """softplus^-1(y) = log(expm1(y)), stable for small and large y (float64)."""
    return torch.where(y > 20, y, torch.log(torch.expm1(y)))
