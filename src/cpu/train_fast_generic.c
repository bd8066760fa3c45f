/* The fast float32 training pass in portable C, with libm's exp and tanh lane by lane and
 * the portable GEMM: the threads and the work order of the fast path without any
 * instruction-set flag. With GCC or Clang, 4 floats at a time through the compilers'
 * generic vector extension; other compilers, one at a time. */
#include "cpu/train_fast.h"
#include "cpu/gemm.h"

#include <math.h>
#include <string.h>

#define SFX(name) name##_generic

#if defined(__GNUC__) || defined(__clang__)
typedef float tf_v4 __attribute__((vector_size(16)));
static inline tf_v4 tf4_load(const float *p)
{
    tf_v4 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void tf4_store(float *p, tf_v4 v) { memcpy(p, &v, sizeof v); }
static inline tf_v4 tf4_loadn(const float *p, int n)
{
    tf_v4 v = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int i = 0; i < n; i++)
        v[i] = p[i];
    return v;
}
static inline void tf4_storen(float *p, tf_v4 v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = v[i];
}
static inline tf_v4 tf4_set1(float x)
{
    tf_v4 v = {x, x, x, x};
    return v;
}
#define VW 4
#define VEC tf_v4
#define VZERO() tf4_set1(0.0f)
#define VSET1(x) tf4_set1(x)
#define VLOAD(p) tf4_load(p)
#define VSTORE(p, v) tf4_store((p), (v))
#define VLOADN(p, n) tf4_loadn((p), (n))
#define VSTOREN(p, v, n) tf4_storen((p), (v), (n))
#else
#define VW 1
#define VEC float
#define VZERO() 0.0f
#define VSET1(x) ((float)(x))
#define VLOAD(p) (*(p))
#define VSTORE(p, v) (*(p) = (v))
#define VLOADN(p, n) (*(p))
#define VSTOREN(p, v, n) (*(p) = (v))
#endif
#define VADD(a, b) ((a) + (b))
#define VSUB(a, b) ((a) - (b))
#define VMUL(a, b) ((a) * (b))
#define VDIV(a, b) ((a) / (b))
#define VFMA(a, b, c) ((a) * (b) + (c))
#define TF_LIBM 1
#define TF_GEMM gru__gemm_generic_f32

#include "cpu/train_fast_body.h"
