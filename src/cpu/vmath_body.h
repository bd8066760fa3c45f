/* The vector exp, sigmoid and tanh and any activation on a vector, written once for the
 * fast float32 kernels (fast_body.h, train_fast_body.h) and compiled with them once per
 * instruction set. The including file has defined (src/cpu/isa_generic.h,
 * src/cpu/x86/isa_avx2.h, src/cpu/x86/isa_avx512.h):
 *   SFX(name), VW, VEC, VZERO VSET1 VLOAD VSTORE VADD VSUB VMUL VDIV VFMA VMIN VMAX
 *   VMATH_LIBM          (optional) exp/tanh/sigmoid lane by lane through libm: then
 *                       VMATH_EXP/TANH/SIGMOID(x) give them; else
 *                       VSEL_LT VROUND VSCALE2 VABS VCOPYSIGN for the vector versions
 * It defines SFX(vexp), SFX(vsigmoid), SFX(vtanh) and SFX(vact). Both bodies include it
 * once per translation unit; no include guard needed beyond that. */

#include <math.h>

#include "gru_internal.h"

#if defined(VMATH_LIBM)
static inline VEC SFX(vexp)(VEC x) { return VMATH_EXP(x); }
static inline VEC SFX(vtanh)(VEC x) { return VMATH_TANH(x); }
static inline VEC SFX(vsigmoid)(VEC x) { return VMATH_SIGMOID(x); }
#else
/* exp(x): x = n ln2 + r with |r| <= ln2/2 (ln2 split in two for an exact product),
 * exp(r) by a degree-7 minimax-style polynomial in the Cephes form 1 + r + r^2 p(r), then
 * scaled by 2^n. Gradual underflow below -87.3, 0 below -103.9, +inf above 88.72, NaN in
 * gives NaN. Accuracy: see tests/test_kernels.c (<= 2 ulp measured on a dense sweep). */
/* p(r) of exp(r) = 1 + r + r^2 p(r), |r| <= ln2/2 */
static inline VEC SFX(vexp_poly)(VEC r)
{
    VEC p = VSET1(1.9875691500e-4f);
    p = VFMA(p, r, VSET1(1.3981999507e-3f));
    p = VFMA(p, r, VSET1(8.3334519073e-3f));
    p = VFMA(p, r, VSET1(4.1665795894e-2f));
    p = VFMA(p, r, VSET1(1.6666665459e-1f));
    return VFMA(p, r, VSET1(5.0000001201e-1f));
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

/* sigmoid(x) = 1 / (1 + exp(-x)), the reference's formula with the vector exp. */
static inline VEC SFX(vsigmoid)(VEC x)
{
    const VEC one = VSET1(1.0f);
    return VDIV(one, VADD(one, SFX(vexp)(VSUB(VZERO(), x))));
}

/* tanh(x): |x| < 0.625 odd polynomial (Cephes coefficients), else
 * sign(x) (1 - 2 / (exp(2|x|) + 1)). tanh(±inf) = ±1, NaN gives NaN. */
static inline VEC SFX(vtanh)(VEC x)
{
    VEC ax = VABS(x);
    VEC z = VMUL(x, x);
    VEC p = VSET1(-5.70498872745e-3f);
    p = VFMA(p, z, VSET1(2.06390887954e-2f));
    p = VFMA(p, z, VSET1(-5.37397155531e-2f));
    p = VFMA(p, z, VSET1(1.33314422036e-1f));
    p = VFMA(p, z, VSET1(-3.33332819422e-1f));
    VEC small = VFMA(VMUL(p, z), x, x);
    VEC e = SFX(vexp)(VADD(ax, ax));
    VEC large = VSUB(VSET1(1.0f), VDIV(VSET1(2.0f), VADD(e, VSET1(1.0f))));
    /* both branches are odd; the sign of x (also for -0) is put back at the end */
    return VCOPYSIGN(VSEL_LT(ax, VSET1(0.625f), small, large), x);
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
#endif

/* Any activation on a vector; tanh, sigmoid, exponential, swish, softsign, elu, selu and
 * the cheap ones vectorized, the rest (softplus, gelu) lane by lane through the
 * reference's scalar functions (slower, still exact to them). */
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

