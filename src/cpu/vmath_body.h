/* The vector exp, sigmoid and tanh and any activation on a vector, written once for the
 * fast float32 kernels (fast_body.h, train_fast_body.h) and compiled with them once per
 * instruction set. The including file has defined (src/cpu/isa_generic.h,
 * src/cpu/x86/isa_avx2.h, src/cpu/x86/isa_avx512.h):
 *   SFX(name), VW, VEC, VZERO VSET1 VLOAD VSTORE VADD VSUB VMUL VDIV VFMA VMIN VMAX
 *   VMATH_LIBM          (optional) exp/tanh/sigmoid lane by lane through libm: then
 *                       VMATH_EXP/TANH/SIGMOID(x) give them; else
 *                       VSEL_LT VROUND VSCALE2 VABS VCOPYSIGN for the vector versions,
 *                       and optionally VPOW2K(k) (2^n from n + 1.5 * 2^23, see vexp_red;
 *                       without it VSCALE2 gives 2^n)
 * It defines SFX(vexp), SFX(vsigmoid), SFX(vtanh) and SFX(vact) (and, without VMATH_LIBM,
 * SFX(vexpm1), SFX(vphi_parts), SFX(vgelu), SFX(vdgelu) and SFX(vsoftplus)). Both bodies
 * include it once per translation unit; no include guard needed beyond that. */

#include <math.h>

#include "gru_internal.h"

#if defined(VMATH_LIBM)
static inline VEC SFX(vexp)(VEC x) { return VMATH_EXP(x); }
static inline VEC SFX(vtanh)(VEC x) { return VMATH_TANH(x); }
static inline VEC SFX(vsigmoid)(VEC x) { return VMATH_SIGMOID(x); }
#else
/* exp(x): x = n ln2 + r with |r| <= ln2/2 (ln2 split in two for an exact product),
 * exp(r) = 1 + r + r^2 q(r), then scaled by 2^n. Gradual underflow below -87.3, 0 below
 * -103.9, +inf above 88.72, NaN in gives NaN. Accuracy: see tests/test_kernels.c (<= 2 ulp
 * measured on a dense sweep). */
/* q(r) = (exp(r) - 1 - r) / r^2 on |r| <= ln2/2, degree 4: our own fit (iteratively
 * reweighted least squares in float64 to the relative error of exp(r), as for vphi_parts
 * below), 0.07 ulp of exp(r) with the coefficients rounded to float; one degree less
 * than the Cephes-style polynomial used before 2026-11-27, at the same measured accuracy. */
static inline VEC SFX(vexp_poly)(VEC r)
{
    VEC p = VSET1(1.3814461417e-03f);
    p = VFMA(p, r, VSET1(8.3687808365e-03f));
    p = VFMA(p, r, VSET1(4.1668392718e-02f));
    p = VFMA(p, r, VSET1(1.6666519642e-01f));
    return VFMA(p, r, VSET1(4.9999994040e-01f));
}
static inline VEC SFX(vexp)(VEC x)
{
    VEC xc = VMIN(VSET1(89.0f), x);   /* NaN stays NaN (second operand) */
    xc = VMAX(VSET1(-104.0f), xc);
    VEC n = VROUND(VMUL(xc, VSET1(1.44269504088896341f)));
    VEC r = VFMA(n, VSET1(-0.693359375f), xc);
    r = VFMA(n, VSET1(2.12194440e-4f), r);
    VEC p = VFMA(SFX(vexp_poly)(r), VMUL(r, r), VADD(r, VSET1(1.0f)));
    return VSCALE2(p, n);
}

/* The reduction of exp(t) for sigmoid and tanh, whose t is clamped so that 2^n is one
 * normal float (n in [-27, 127]) or +inf (n = 128): n = the nearest integer to t log2(e),
 * rounded by adding 1.5 * 2^23 in the same FMA (*k keeps that sum: its low bits are n,
 * which VPOW2K turns into 2^n with two integer operations), and r = t - n ln2. */
#define GRU_VM_SHIFT 12582912.0f /* 1.5 * 2^23 */
static inline VEC SFX(vexp_red)(VEC t, VEC *k, VEC *n)
{
    *k = VFMA(t, VSET1(1.44269504088896341f), VSET1(GRU_VM_SHIFT));
    *n = VSUB(*k, VSET1(GRU_VM_SHIFT));
    VEC r = VFMA(*n, VSET1(-0.693359375f), t);
    return VFMA(*n, VSET1(2.12194440e-4f), r);
}
/* 2^n from vexp_red's k and n */
static inline VEC SFX(vpow2_red)(VEC k, VEC n)
{
#if defined(VPOW2K)
    (void)n;
    return VPOW2K(k);
#else
    (void)k;
    return VSCALE2(VSET1(1.0f), n);
#endif
}

/* sigmoid(x) = 1 / (1 + exp(-x)), the reference's formula, with exp(t) for t = -x
 * clamped to [-18, 89]: from x = 18 on the result rounds to 1 either way, and below
 * x = -88.7 it is 0 where the reference gives a subnormal (below 2^-126: within the stated
 * 2^-126 absolute), so 2^n is a single factor (one multiply instead of vexp's two).
 * sigmoid(-inf) = 0, sigmoid(inf) = 1, NaN gives NaN. */
static inline VEC SFX(vsigmoid)(VEC x)
{
    VEC t = VMIN(VSET1(89.0f), VSUB(VZERO(), x)); /* NaN stays NaN (second operand) */
    t = VMAX(VSET1(-18.0f), t);
    VEC k, n;
    VEC r = SFX(vexp_red)(t, &k, &n);
    VEC e = VFMA(SFX(vexp_poly)(r), VMUL(r, r), VADD(r, VSET1(1.0f)));
    e = VMUL(e, SFX(vpow2_red)(k, n));
    const VEC one = VSET1(1.0f);
    return VDIV(one, VADD(one, e));
}

/* tanh(|x|) = em1 / (-2 - em1) for em1 = expm1(-2|x|) in (-1, 0], the sign of x put back
 * at the end. expm1(y) = 2^n (1 + q) - 1 = 2^n q + (2^n - 1)
 * with q = expm1(r) = r + r^2 p(r) from the exp reduction (r = y for |y| < ln2/2, so
 * small arguments keep their relative accuracy: no cancellation, one branch for all x);
 * 2^n - 1 is exact for n >= -24. |x| is clamped to 9.1, from where tanh rounds to 1.
 * tanh(±inf) = ±1, tanh(±0) = ±0, NaN gives NaN. Measured 2.5 ulp at worst (the test's
 * bound is 3); before 2026-11-27 a polynomial for |x| < 0.625 and 1 - 2 / (exp(2|x|) + 1)
 * beyond, both computed for every lane (1.3 ulp, about 40% more operations). */
static inline VEC SFX(vtanh)(VEC x)
{
    VEC y = VMUL(VSET1(-2.0f), VMIN(VSET1(9.1f), VABS(x))); /* NaN stays NaN */
    VEC k, n;
    VEC r = SFX(vexp_red)(y, &k, &n);
    VEC q = VFMA(SFX(vexp_poly)(r), VMUL(r, r), r);
    VEC s = SFX(vpow2_red)(k, n);
    VEC em1 = VFMA(s, q, VSUB(s, VSET1(1.0f)));
    return VCOPYSIGN(VDIV(em1, VSUB(VSET1(-2.0f), em1)), x);
}

/* exp(x) - 1 without the cancellation near 0: for |x| < ln2/2 vexp's reduction gives
 * n = 0 and r = x, and exp(x) - 1 = x + x^2 p(x) with vexp's polynomial p, summed without
 * the 1; elsewhere vexp(x) - 1 (its error there is a few ulp of a result >= 0.29 in
 * magnitude). NaN gives NaN. */
static inline VEC SFX(vexpm1)(VEC x)
{
    VEC small = VFMA(SFX(vexp_poly)(x), VMUL(x, x), x);
    VEC large = VSUB(SFX(vexp)(x), VSET1(1.0f));
    return VSEL_LT(VABS(x), VSET1(0.3465f), small, large);
}

/* Gelu needs 1 + erf(x / sqrt2) = 2 Phi(x), Phi the standard normal distribution, whose
 * float formula cancels for x < -1. Here Phi(-a) = e q for a = |x| >= 0 with
 *   e = exp(-a^2 / 2)  and  q = exp(a^2 / 2) Phi(-a) = erfcx(a / sqrt2) / 2 in (0, 0.5],
 * q as N(a) / D(a), N and D of degrees 4 and 5 with positive coefficients (Horner on a >= 0
 * then loses almost nothing): our own fit, by iteratively reweighted linearized least
 * squares in float64 (numpy) to the relative error of q on a in [0, 14.5], 0.1 ulp in
 * float64 with the coefficients rounded to float, about 3.5 ulp evaluated in float. a^2 / 2
 * is split into its rounded value and the exact rounding error (one FMA), so e carries
 * vexp's error only, also far in the tail. a is clamped to 15 (e underflows to 0 from 14.5
 * on; a NaN stays NaN). SFX(vphi_parts) returns q and sets *e. */
static inline VEC SFX(vphi_parts)(VEC a, VEC *e)
{
    a = VMIN(VSET1(15.0f), a);
    VEC m = VMUL(VSET1(-0.5f), a);
    VEC hi = VMUL(m, a);
    VEC lo = VFMA(m, a, VSUB(VZERO(), hi)); /* -a^2 / 2 = hi + lo exactly */
    VEC g = SFX(vexp)(hi);
    *e = VFMA(g, lo, g); /* exp(hi + lo) = exp(hi) (1 + lo), |lo| < 1e-5 */
    VEC n = VSET1(4.1160751134e-03f);
    n = VFMA(n, a, VSET1(4.0631722659e-02f));
    n = VFMA(n, a, VSET1(1.8323078752e-01f));
    n = VFMA(n, a, VSET1(4.3828925490e-01f));
    n = VFMA(n, a, VSET1(0.5f));
    VEC d = VSET1(1.0317350738e-02f);
    d = VFMA(d, a, VSET1(1.0185507685e-01f));
    d = VFMA(d, a, VSET1(4.6945911646e-01f));
    d = VFMA(d, a, VSET1(1.2024853230e+00f));
    d = VFMA(d, a, VSET1(1.6744635105e+00f));
    d = VFMA(d, a, VSET1(1.0f));
    return VDIV(n, d);
}

/* gelu(x) = x Phi(x): x e q for x < 0 (x e first: e q is subnormal before the product
 * is, from x = -12.9 on), x (1 - e q) for x >= 0. Measured against float64 (tests/
 * test_kernels.c, bound 8): 7.2 ulp at worst (x < -2; 5.0 on [-2, 0), 3.9 for x >= 0),
 * where the reference's float formula is off by thousands of ulp from x = -4 on. */
static inline VEC SFX(vgelu)(VEC x)
{
    VEC e;
    VEC q = SFX(vphi_parts)(VABS(x), &e);
    return VSEL_LT(x, VZERO(), VMUL(VMUL(x, e), q),
                   VMUL(x, VSUB(VSET1(1.0f), VMUL(e, q))));
}

/* gelu'(x) = Phi(x) + x exp(-x^2 / 2) / sqrt(2 pi): e (q + x c) for x < 0 and
 * 1 + e (x c - q) for x >= 0, c = 1 / sqrt(2 pi). Measured (tests/test_train_fast.c): 7
 * ulp at worst away from its zero at x = -0.75, 1.2e-7 absolute near it (the reference's
 * float formula: 6e-8 there, thousands of ulp from x = -4 on). */
static inline VEC SFX(vdgelu)(VEC x)
{
    VEC e;
    VEC q = SFX(vphi_parts)(VABS(x), &e);
    VEC xc = VMUL(x, VSET1(0.39894228040143267794f));
    return VSEL_LT(x, VZERO(), VMUL(e, VADD(q, xc)), VFMA(e, VSUB(xc, q), VSET1(1.0f)));
}

/* softplus(x) = max(x, 0) + log1p(exp(-|x|)), the reference's formula, with log1p(u) for
 * u = exp(-|x|) in [0, 1] as u N(u) / D(u), N and D of degree 3 with positive
 * coefficients: our own fit (as for vphi_parts) to the relative error of log1p(u) / u on
 * [0, 1], 0.02 ulp in float64, about 2 ulp evaluated in float; softplus measured 3.4 ulp
 * at worst against float64 (tests/test_kernels.c, bound 4). NaN gives NaN; -inf gives 0,
 * +inf gives +inf. */
static inline VEC SFX(vsoftplus)(VEC x)
{
    VEC u = SFX(vexp)(VSUB(VZERO(), VABS(x)));
    VEC n = VSET1(3.4173163585e-03f);
    n = VFMA(n, u, VSET1(2.3815856874e-01f));
    n = VFMA(n, u, VSET1(1.0662201643e+00f));
    n = VFMA(n, u, VSET1(1.0f));
    VEC d = VSET1(7.5287699699e-02f);
    d = VFMA(d, u, VSET1(6.8793821335e-01f));
    d = VFMA(d, u, VSET1(1.5662200451e+00f));
    d = VFMA(d, u, VSET1(1.0f));
    return VADD(VMAX(VZERO(), x), VMUL(u, VDIV(n, d))); /* VMAX: a NaN x stays NaN */
}
#endif

/* Any activation on a vector, all vectorized; with VMATH_LIBM (the portable build), exp,
 * tanh and sigmoid through libm and the ones under !VMATH_LIBM below lane by lane through
 * the reference's scalar functions. */
static inline __attribute__((always_inline)) VEC SFX(vact)(gru_activation act, VEC x)
{
    switch (act) {
    case GRU_ACT_TANH: return SFX(vtanh)(x);
    case GRU_ACT_SIGMOID: return SFX(vsigmoid)(x);
    case GRU_ACT_HARD_SIGMOID: {
        VEC y = VADD(VMUL(VSET1(0.2f), x), VSET1(0.5f));
        return VMIN(VSET1(1.0f), VMAX(VZERO(), y));
    }
    case GRU_ACT_HARD_SIGMOID_KERAS3: {
        VEC y = VADD(x, VSET1(3.0f));
        y = VMIN(VSET1(6.0f), VMAX(VZERO(), y));
        return VDIV(y, VSET1(6.0f));
    }
    case GRU_ACT_RELU: return VMAX(x, VZERO());
    case GRU_ACT_LINEAR: return x;
    /* with libm's exp (VMATH_LIBM) these two are the reference's operations exactly */
    case GRU_ACT_EXPONENTIAL: return SFX(vexp)(x);
    case GRU_ACT_SWISH: return VMUL(x, SFX(vsigmoid)(x));
#if !defined(VMATH_LIBM)
    case GRU_ACT_SOFTSIGN: return VDIV(x, VADD(VSET1(1.0f), VABS(x))); /* exactly the reference */
    case GRU_ACT_ELU: return VSEL_LT(VZERO(), x, x, SFX(vexpm1)(x));
    case GRU_ACT_SELU: {
        const float scale = 1.0507009873554804934193349852946f;
        const float alpha = 1.6732632423543772848170429916717f;
        return VMUL(VSET1(scale), VSEL_LT(VZERO(), x, x, VMUL(VSET1(alpha), SFX(vexpm1)(x))));
    }
    /* gelu as x Phi(x) = 0.5 x (1 + erf(x / sqrt2)); the reference's (float erff) loses
     * the relative accuracy of 1 + erf for x < -1 by cancellation, this one does not */
    case GRU_ACT_GELU: return SFX(vgelu)(x);
    case GRU_ACT_SOFTPLUS: return SFX(vsoftplus)(x);
#endif
    default: {
#if VW == 1
        return gru__act_f32(act, x);
#else
        float t[VW];
        VSTORE(t, x);
        for (int i = 0; i < VW; i++)
            t[i] = gru__act_f32(act, t[i]);
        return VLOAD(t);
#endif
    }
    }
}

/* The new state z ⊙ h + (1 - z) ⊙ hh, in Keras's order of operations (the gate math of
 * every forward kernel, fast_body.h and train_fast_body.h, ends with it). */
static inline VEC SFX(hmix)(VEC z, VEC h, VEC hh)
{
    return VADD(VMUL(z, h), VMUL(VSUB(VSET1(1.0f), z), hh));
}
