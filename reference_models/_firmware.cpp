// Compiled CPU firmware for the strongly-typed cells (built on first use by
// reference_models/native.py with torch.utils.cpp_extension; see its docstring).
//
// Every kernel walks time sequentially and is parallel over the batch rows (at::parallel_for,
// torch's own thread pool) and vectorised over the hidden units: the inner loops over j are
// branch-free, contiguous and written so that gcc -O3 -ffast-math vectorises them, including
// exp() through glibc's vector math library. The states are kept in the input dtype
// (float or double); the Python side promotes bf16/fp16 to float before calling.
//
// Layouts are time-major and contiguous: G (T, B, 3H) = [z | f | o] pre-activations,
// C, Hout, dh (T, B, H), c0, dcT (B, H); scan: f, u (T, B, N) with N = the row width.

#include <torch/extension.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

// Rows per task for at::parallel_for: small problems (gradcheck sizes, short windows) run
// on the calling thread, because waking the OpenMP team costs more than they take and,
// on a loaded machine, a spinning team of threads costs far more.
inline int64_t grain(int64_t Tn, int64_t width) {
  const int64_t per_row = std::max<int64_t>(Tn * width, 1);
  return std::max<int64_t>(1, (int64_t{1} << 15) / per_row);
}

// exp's argument is clamped at 80 so nothing overflows to inf: the build uses -ffast-math
// (needed for glibc's vector exp), which assumes finite values. sigm(-80) = 1.8e-35 is
// already 0 for any later use.
template <typename T>
inline T sigm(T x) {
  return T(1) / (T(1) + std::exp(std::min(-x, T(80))));
}

template <typename T>
inline T tanh_(T x) {  // via exp so it vectorises with the same vector exp
  return T(2) / (T(1) + std::exp(std::min(T(-2) * x, T(80)))) - T(1);
}

// mode 0, T-LSTM:  c = f c + (1 - f) z,  h = c * tanh(o)
// mode 1, T-GRU:   c = f c + z tanh(o),  h = c
template <typename T>
void gated_forward(const T* G, const T* c0, T* C, T* Hout, int64_t Tn, int64_t B, int64_t H, int mode) {
  at::parallel_for(0, B, grain(Tn, H), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const T* cprev = c0 + b * H;
      for (int64_t t = 0; t < Tn; ++t) {
        const T* g = G + (t * B + b) * 3 * H;
        T* c = C + (t * B + b) * H;
        T* h = Hout + (t * B + b) * H;
        if (mode == 0) {
#pragma omp simd
          for (int64_t j = 0; j < H; ++j) {
            T f = sigm(g[H + j]);
            T cj = f * cprev[j] + (T(1) - f) * g[j];
            c[j] = cj;
            h[j] = cj * tanh_(g[2 * H + j]);
          }
        } else {
#pragma omp simd
          for (int64_t j = 0; j < H; ++j) {
            T f = sigm(g[H + j]);
            T cj = f * cprev[j] + g[j] * tanh_(g[2 * H + j]);
            c[j] = cj;
            h[j] = cj;
          }
        }
        cprev = c;
      }
    }
  });
}

// Reverse scan. gn = f_{t+1} g_{t+1} (carried, starts as dcT); per step
//   g = a + gn with a = dh o (T-LSTM) or dh (T-GRU), then the gate gradients.
template <typename T>
void gated_backward(const T* G, const T* c0, const T* C, const T* dh, const T* dcT, T* dG, T* dc0, int64_t Tn,
                    int64_t B, int64_t H, int mode) {
  at::parallel_for(0, B, grain(Tn, H), [&](int64_t b0, int64_t b1) {
    std::vector<T> carry(H);  // f_{t+1} * g_{t+1}
    T* gn = carry.data();
    for (int64_t b = b0; b < b1; ++b) {
      for (int64_t j = 0; j < H; ++j) gn[j] = dcT[b * H + j];
      for (int64_t t = Tn - 1; t >= 0; --t) {
        const T* g = G + (t * B + b) * 3 * H;
        const T* c = C + (t * B + b) * H;
        const T* cp = t > 0 ? C + ((t - 1) * B + b) * H : c0 + b * H;
        const T* d = dh + (t * B + b) * H;
        T* out = dG + (t * B + b) * 3 * H;
        if (mode == 0) {
#pragma omp simd
          for (int64_t j = 0; j < H; ++j) {
            T z = g[j], f = sigm(g[H + j]), o = tanh_(g[2 * H + j]);
            T gj = d[j] * o + gn[j];
            out[j] = gj * (T(1) - f);
            out[H + j] = gj * (cp[j] - z) * f * (T(1) - f);
            out[2 * H + j] = d[j] * c[j] * (T(1) - o * o);
            gn[j] = f * gj;
          }
        } else {
#pragma omp simd
          for (int64_t j = 0; j < H; ++j) {
            T z = g[j], f = sigm(g[H + j]), o = tanh_(g[2 * H + j]);
            T gj = d[j] + gn[j];
            out[j] = gj * o;
            out[H + j] = gj * cp[j] * f * (T(1) - f);
            out[2 * H + j] = gj * z * (T(1) - o * o);
            gn[j] = f * gj;
          }
        }
      }
      for (int64_t j = 0; j < H; ++j) dc0[b * H + j] = gn[j];
    }
  });
}

// c_t = f_t c_{t-1} + u_t (forward) or g_t = f_{t+1} g_{t+1} + u_t (reverse), rows of width N.
template <typename T>
void linear_scan(const T* f, const T* u, const T* c0, T* out, int64_t Tn, int64_t B, int64_t N, bool reverse) {
  at::parallel_for(0, B, grain(Tn, N), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      if (!reverse) {
        const T* cp = c0 + b * N;
        for (int64_t t = 0; t < Tn; ++t) {
          const T* ft = f + (t * B + b) * N;
          const T* ut = u + (t * B + b) * N;
          T* o = out + (t * B + b) * N;
#pragma omp simd
          for (int64_t j = 0; j < N; ++j) o[j] = ft[j] * cp[j] + ut[j];
          cp = o;
        }
      } else {
        const T* un = u + ((Tn - 1) * B + b) * N;
        T* on = out + ((Tn - 1) * B + b) * N;
        for (int64_t j = 0; j < N; ++j) on[j] = un[j];
        for (int64_t t = Tn - 2; t >= 0; --t) {
          const T* fn = f + ((t + 1) * B + b) * N;
          const T* ut = u + (t * B + b) * N;
          const T* gn = out + ((t + 1) * B + b) * N;
          T* o = out + (t * B + b) * N;
#pragma omp simd
          for (int64_t j = 0; j < N; ++j) o[j] = fn[j] * gn[j] + ut[j];
        }
      }
    }
  });
}

void check(const torch::Tensor& t, const char* name) {
  TORCH_CHECK(t.device().is_cpu(), name, " must be a CPU tensor");
  TORCH_CHECK(t.is_contiguous(), name, " must be contiguous");
  TORCH_CHECK(t.scalar_type() == at::kFloat || t.scalar_type() == at::kDouble, name, " must be float32 or float64");
}

std::vector<torch::Tensor> gated_forward_op(torch::Tensor G, torch::Tensor c0, int64_t mode) {
  check(G, "G");
  check(c0, "c0");
  TORCH_CHECK(G.dim() == 3 && G.size(2) % 3 == 0, "G must be (T, B, 3H)");
  TORCH_CHECK(c0.scalar_type() == G.scalar_type(), "c0 and G must share a dtype");
  const int64_t Tn = G.size(0), B = G.size(1), H = G.size(2) / 3;
  TORCH_CHECK(c0.numel() == B * H, "c0 must be (B, H)");
  auto C = torch::empty({Tn, B, H}, G.options());
  auto Hout = torch::empty({Tn, B, H}, G.options());
  AT_DISPATCH_FLOATING_TYPES(G.scalar_type(), "gated_forward", [&] {
    gated_forward<scalar_t>(G.data_ptr<scalar_t>(), c0.data_ptr<scalar_t>(), C.data_ptr<scalar_t>(),
                            Hout.data_ptr<scalar_t>(), Tn, B, H, static_cast<int>(mode));
  });
  return {Hout, C};
}

std::vector<torch::Tensor> gated_backward_op(torch::Tensor G, torch::Tensor c0, torch::Tensor C, torch::Tensor dh,
                                             torch::Tensor dcT, int64_t mode) {
  for (auto& [t, n] : {std::pair{G, "G"}, {c0, "c0"}, {C, "C"}, {dh, "dh"}, {dcT, "dcT"}}) {
    check(t, n);
    TORCH_CHECK(t.scalar_type() == G.scalar_type(), n, " must have G's dtype");
  }
  const int64_t Tn = G.size(0), B = G.size(1), H = G.size(2) / 3;
  TORCH_CHECK(C.numel() == Tn * B * H && dh.numel() == Tn * B * H && dcT.numel() == B * H, "shape mismatch");
  auto dG = torch::empty_like(G);
  auto dc0 = torch::empty({B, H}, G.options());
  AT_DISPATCH_FLOATING_TYPES(G.scalar_type(), "gated_backward", [&] {
    gated_backward<scalar_t>(G.data_ptr<scalar_t>(), c0.data_ptr<scalar_t>(), C.data_ptr<scalar_t>(),
                             dh.data_ptr<scalar_t>(), dcT.data_ptr<scalar_t>(), dG.data_ptr<scalar_t>(),
                             dc0.data_ptr<scalar_t>(), Tn, B, H, static_cast<int>(mode));
  });
  return {dG, dc0};
}

// f, u: (T, B, N) contiguous; c0: (B, N). Rows (the B axis) run in parallel.
torch::Tensor scan_op(torch::Tensor f, torch::Tensor u, torch::Tensor c0, bool reverse) {
  check(f, "f");
  check(u, "u");
  check(c0, "c0");
  TORCH_CHECK(f.sizes() == u.sizes() && f.dim() == 3, "f and u must both be (T, B, N)");
  TORCH_CHECK(f.scalar_type() == u.scalar_type() && c0.scalar_type() == u.scalar_type(), "dtypes must match");
  const int64_t Tn = f.size(0), B = f.size(1), N = f.size(2);
  TORCH_CHECK(c0.numel() == B * N, "c0 must be (B, N)");
  auto out = torch::empty_like(u);
  if (Tn == 0) return out;
  AT_DISPATCH_FLOATING_TYPES(f.scalar_type(), "linear_scan", [&] {
    linear_scan<scalar_t>(f.data_ptr<scalar_t>(), u.data_ptr<scalar_t>(), c0.data_ptr<scalar_t>(),
                          out.data_ptr<scalar_t>(), Tn, B, N, reverse);
  });
  return out;
}

}  // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("gated_forward", &gated_forward_op, "T-LSTM (mode 0) / T-GRU (mode 1) firmware, forward");
  m.def("gated_backward", &gated_backward_op, "T-LSTM (mode 0) / T-GRU (mode 1) firmware, backward");
  m.def("scan", &scan_op, "c_t = f_t c_{t-1} + u_t, or its reverse");
}
