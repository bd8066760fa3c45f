/* Instantiates the reference training forward and backward for float32 and float64. */
#include "gru_train_internal.h"

#include <math.h>
#include <string.h>

static inline float train_exp_f32(float x) { return expf(x); }
static inline double train_exp_f64(double x) { return exp(x); }
static inline float train_erf_f32(float x) { return erff(x); }
static inline double train_erf_f64(double x) { return erf(x); }

#define REAL float
#define SFX(name) name##_f32
#define TRAIN_FAST_GEMM 1 /* float32 products through gru__gemm_fast_f32 */
#include "train_body.h"
#undef TRAIN_FAST_GEMM
#undef REAL
#undef SFX

#define REAL double
#define SFX(name) name##_f64
#include "train_body.h"
#undef REAL
#undef SFX
