/* Elementwise activations of both GRU slots, in float32 and float64, written to match
 * TensorFlow's definitions (tf_keras for Keras 2 names, Keras 3 for hard_sigmoid_keras3).
 * The float32 versions compute in float32 where TensorFlow does, so that results agree
 * to float32 rounding. */
#include "gru_internal.h"

#include <math.h>

/* SELU constants (Klambauer et al.), as Keras. */
#define SELU_ALPHA 1.6732632423543772848170429916717
#define SELU_SCALE 1.0507009873554804934193349852946

static inline float sigmoid_f32(float x) { return 1.0f / (1.0f + expf(-x)); }
static inline double sigmoid_f64(double x) { return 1.0 / (1.0 + exp(-x)); }

/* softplus as TF: log(1 + exp(x)) computed without overflow. */
static inline float softplus_f32(float x)
{
    return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x)));
}
static inline double softplus_f64(double x) { return fmax(x, 0.0) + log1p(exp(-fabs(x))); }

float gru__act_f32(gru_activation act, float x)
{
    switch (act) {
    case GRU_ACT_TANH: return tanhf(x);
    case GRU_ACT_SIGMOID: return sigmoid_f32(x);
    case GRU_ACT_HARD_SIGMOID: {
        float y = 0.2f * x + 0.5f;
        return y < 0.0f ? 0.0f : (y > 1.0f ? 1.0f : y);
    }
    case GRU_ACT_HARD_SIGMOID_KERAS3: {
        float y = x + 3.0f; /* relu6(x + 3) / 6 */
        y = y < 0.0f ? 0.0f : (y > 6.0f ? 6.0f : y);
        return y / 6.0f;
    }
    case GRU_ACT_RELU: return x > 0.0f ? x : 0.0f;
    case GRU_ACT_LINEAR: return x;
    case GRU_ACT_ELU: return x > 0.0f ? x : expm1f(x);
    case GRU_ACT_SELU:
        return x > 0.0f ? (float)SELU_SCALE * x
                        : (float)SELU_SCALE * ((float)SELU_ALPHA * expm1f(x));
    case GRU_ACT_SOFTPLUS: return softplus_f32(x);
    case GRU_ACT_SOFTSIGN: return x / (1.0f + fabsf(x));
    case GRU_ACT_EXPONENTIAL: return expf(x);
    case GRU_ACT_SWISH: return x * sigmoid_f32(x);
    case GRU_ACT_GELU: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752440f));
    default: return x;
    }
}

double gru__act_f64(gru_activation act, double x)
{
    switch (act) {
    case GRU_ACT_TANH: return tanh(x);
    case GRU_ACT_SIGMOID: return sigmoid_f64(x);
    case GRU_ACT_HARD_SIGMOID: {
        double y = 0.2 * x + 0.5;
        return y < 0.0 ? 0.0 : (y > 1.0 ? 1.0 : y);
    }
    case GRU_ACT_HARD_SIGMOID_KERAS3: {
        double y = x + 3.0;
        y = y < 0.0 ? 0.0 : (y > 6.0 ? 6.0 : y);
        return y / 6.0;
    }
    case GRU_ACT_RELU: return x > 0.0 ? x : 0.0;
    case GRU_ACT_LINEAR: return x;
    case GRU_ACT_ELU: return x > 0.0 ? x : expm1(x);
    case GRU_ACT_SELU: return x > 0.0 ? SELU_SCALE * x : SELU_SCALE * (SELU_ALPHA * expm1(x));
    case GRU_ACT_SOFTPLUS: return softplus_f64(x);
    case GRU_ACT_SOFTSIGN: return x / (1.0 + fabs(x));
    case GRU_ACT_EXPONENTIAL: return exp(x);
    case GRU_ACT_SWISH: return x * sigmoid_f64(x);
    case GRU_ACT_GELU: return 0.5 * x * (1.0 + erf(x * 0.70710678118654752440));
    default: return x;
    }
}

void gru__act_apply_f32(gru_activation act, float *v, int64_t n)
{
    switch (act) {
    case GRU_ACT_LINEAR: return;
    case GRU_ACT_TANH:
        for (int64_t i = 0; i < n; i++)
            v[i] = tanhf(v[i]);
        return;
    case GRU_ACT_SIGMOID:
        for (int64_t i = 0; i < n; i++)
            v[i] = sigmoid_f32(v[i]);
        return;
    default:
        for (int64_t i = 0; i < n; i++)
            v[i] = gru__act_f32(act, v[i]);
        return;
    }
}

void gru__act_apply_f64(gru_activation act, double *v, int64_t n)
{
    if (act == GRU_ACT_LINEAR)
        return;
    for (int64_t i = 0; i < n; i++)
        v[i] = gru__act_f64(act, v[i]);
}
