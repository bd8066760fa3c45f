/* The vector macros of the portable kernels (fast_generic.c, train_fast_generic.c): with
 * GCC or Clang, 4 floats at a time through the compilers' generic vector extension (SSE,
 * NEON, ... or plain scalar code, whatever the target has); other compilers, one float at
 * a time. exp, tanh and sigmoid are libm's lane by lane (VMATH_LIBM, src/cpu/vmath_body.h),
 * so that the numbers are the reference's up to summation order. The including file
 * defines SFX and the family's own constants. */
#ifndef GRU_CPU_ISA_GENERIC_H
#define GRU_CPU_ISA_GENERIC_H

#include <math.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
typedef float gru_v4 __attribute__((vector_size(16)));
static inline gru_v4 g4_load(const float *p)
{
    gru_v4 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void g4_store(float *p, gru_v4 v) { memcpy(p, &v, sizeof v); }
static inline gru_v4 g4_loadn(const float *p, int n)
{
    gru_v4 v = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int i = 0; i < n; i++)
        v[i] = p[i];
    return v;
}
static inline void g4_storen(float *p, gru_v4 v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = v[i];
}
static inline gru_v4 g4_set1(float x)
{
    gru_v4 v = {x, x, x, x};
    return v;
}
/* a < b ? a : b and a > b ? a : b lane by lane (x86 semantics for NaN: b) */
static inline gru_v4 g4_min(gru_v4 a, gru_v4 b)
{
    gru_v4 r = a;
    for (int i = 0; i < 4; i++)
        r[i] = a[i] < b[i] ? a[i] : b[i];
    return r;
}
static inline gru_v4 g4_max(gru_v4 a, gru_v4 b)
{
    gru_v4 r = a;
    for (int i = 0; i < 4; i++)
        r[i] = a[i] > b[i] ? a[i] : b[i];
    return r;
}
static inline gru_v4 g4_map(float (*fn)(float), gru_v4 x)
{
    gru_v4 r = x;
    for (int i = 0; i < 4; i++)
        r[i] = fn(x[i]);
    return r;
}
static inline float g4_sigmoid1(float x) { return 1.0f / (1.0f + expf(-x)); }

#define VW 4
#define VEC gru_v4
#define VZERO() g4_set1(0.0f)
#define VSET1(x) g4_set1(x)
#define VLOAD(p) g4_load(p)
#define VSTORE(p, v) g4_store((p), (v))
#define VLOADN(p, n) g4_loadn((p), (n))
#define VSTOREN(p, v, n) g4_storen((p), (v), (n))
#define VADD(a, b) ((a) + (b))
#define VSUB(a, b) ((a) - (b))
#define VMUL(a, b) ((a) * (b))
#define VDIV(a, b) ((a) / (b))
#define VFMA(a, b, c) ((a) * (b) + (c))
#define VMIN(a, b) g4_min((a), (b))
#define VMAX(a, b) g4_max((a), (b))
#define VMATH_EXP(x) g4_map(expf, (x))
#define VMATH_TANH(x) g4_map(tanhf, (x))
#define VMATH_SIGMOID(x) g4_map(g4_sigmoid1, (x))
#else
#define VW 1
#define VEC float
#define VZERO() 0.0f
#define VSET1(x) ((float)(x))
#define VLOAD(p) (*(p))
#define VSTORE(p, v) (*(p) = (v))
#define VLOADN(p, n) (*(p))
#define VSTOREN(p, v, n) (*(p) = (v))
#define VADD(a, b) ((a) + (b))
#define VSUB(a, b) ((a) - (b))
#define VMUL(a, b) ((a) * (b))
#define VDIV(a, b) ((a) / (b))
#define VFMA(a, b, c) ((a) * (b) + (c))
#define VMIN(a, b) ((a) < (b) ? (a) : (b))
#define VMAX(a, b) ((a) > (b) ? (a) : (b))
#define VMATH_EXP(x) expf(x)
#define VMATH_TANH(x) tanhf(x)
#define VMATH_SIGMOID(x) (1.0f / (1.0f + expf(-(x))))
#endif
#define VMATH_LIBM 1

#endif
