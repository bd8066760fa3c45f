/* The layer configuration: defaults of layer_gru(), the TF2 preset, validation, and the
 * names of activations and initializers. The text forms (R arguments, Keras JSON) are
 * in config_text.c. */
#include "gru_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- names ----------------------------------------------------------------- */

static const char *const act_names[GRU_ACT_COUNT] = {
#define GRU__ACT_STR(name, str) str,
    GRU_ACTIVATION_MAP(GRU__ACT_STR)
#undef GRU__ACT_STR
};

static const char *const init_names[GRU_INIT_COUNT] = {
#define GRU__INIT_STR(name, str) str,
    GRU_INITIALIZER_MAP(GRU__INIT_STR)
#undef GRU__INIT_STR
};

const char *gru_activation_name(gru_activation act)
{
    if ((int)act < 0 || act >= GRU_ACT_COUNT)
        return NULL;
    return act_names[act];
}

const char *gru__activation_list(void)
{
    return "tanh, sigmoid, hard_sigmoid, hard_sigmoid_keras3, relu, linear, elu, selu, "
           "softplus, softsign, exponential, swish, silu, gelu, or None/NULL (linear)";
}

int gru_activation_from_name(const char *name, gru_activation *out)
{
    if (!name)
        return gru__error(GRU_ERR_NULL, "activation name: expected a string, got NULL");
    if (!out)
        return gru__error(GRU_ERR_NULL, "out: expected a pointer, got NULL");
    for (int i = 0; i < GRU_ACT_COUNT; i++) {
        if (strcmp(name, act_names[i]) == 0) {
            *out = (gru_activation)i;
            return GRU_OK;
        }
    }
    if (strcmp(name, "silu") == 0) {
        *out = GRU_ACT_SWISH;
        return GRU_OK;
    }
    if (name[0] == '\0' || strcmp(name, "None") == 0 || strcmp(name, "NULL") == 0) {
        *out = GRU_ACT_LINEAR;
        return GRU_OK;
    }
    return gru__error(GRU_ERR_ARG, "activation: unknown name \"%.64s\"; accepted: %s", name,
                      gru__activation_list());
}

const char *gru_initializer_name(gru_init_kind kind)
{
    if ((int)kind < 0 || kind >= GRU_INIT_COUNT)
        return NULL;
    return init_names[kind];
}

gru_initializer gru_initializer_default(gru_init_kind kind)
{
    gru_initializer init;
    memset(&init, 0, sizeof init);
    init.kind = kind;
    switch (kind) {
    case GRU_INIT_RANDOM_NORMAL:
    case GRU_INIT_TRUNCATED_NORMAL:
        init.mean = 0.0;
        init.stddev = 0.05;
        break;
    case GRU_INIT_RANDOM_UNIFORM:
        init.minval = -0.05;
        init.maxval = 0.05;
        break;
    case GRU_INIT_VARIANCE_SCALING:
        init.scale = 1.0;
        init.mode = GRU_FAN_IN;
        init.distribution = GRU_DIST_TRUNCATED_NORMAL;
        break;
    case GRU_INIT_IDENTITY:
    case GRU_INIT_ORTHOGONAL:
        init.gain = 1.0;
        break;
    default: /* zeros, ones, constant (value 0), glorot_*, he_*, lecun_*: no parameters */
        break;
    }
    return init;
}

/* ---- defaults ----------------------------------------------------------------- */

int gru_config_init_preset(gru_config *cfg, int64_t units, gru_preset preset)
{
    if (!cfg)
        return gru__error(GRU_ERR_NULL, "cfg: expected a pointer, got NULL");
    if (preset != GRU_PRESET_KERAS2 && preset != GRU_PRESET_TF2)
        return gru__error(GRU_ERR_ARG,
                          "preset: expected GRU_PRESET_KERAS2 (0) or GRU_PRESET_TF2 (1), "
                          "got %d", (int)preset);
    memset(cfg, 0, sizeof *cfg); /* every regularizer / constraint none, shapes NULL */
    cfg->units = units;
    cfg->activation = GRU_ACT_TANH;
    cfg->recurrent_activation = GRU_ACT_HARD_SIGMOID;
    cfg->use_bias = true;
    cfg->reset_after = false;
    cfg->kernel_initializer = gru_initializer_default(GRU_INIT_GLOROT_UNIFORM);
    cfg->recurrent_initializer = gru_initializer_default(GRU_INIT_ORTHOGONAL);
    cfg->bias_initializer = gru_initializer_default(GRU_INIT_ZEROS);
    cfg->dtype = GRU_FLOAT32;
    cfg->trainable = true;
    cfg->implementation = 1;
    if (preset == GRU_PRESET_TF2) {
        cfg->recurrent_activation = GRU_ACT_SIGMOID;
        cfg->reset_after = true;
        cfg->implementation = 2;
    }
    return GRU_OK;
}

int gru_config_init(gru_config *cfg, int64_t units)
{
    return gru_config_init_preset(cfg, units, GRU_PRESET_KERAS2);
}

/* ---- validation ------------------------------------------------------------------- */

static int check_activation(const char *field, gru_activation act)
{
    if ((int)act < 0 || act >= GRU_ACT_COUNT)
        return gru__error(GRU_ERR_ARG, "%s: expected one of %s; got enum value %d", field,
                          gru__activation_list(), (int)act);
    return GRU_OK;
}

static int check_initializer(const char *field, const gru_initializer *in, bool bias_1d)
{
    if ((int)in->kind < 0 || in->kind >= GRU_INIT_COUNT)
        return gru__error(GRU_ERR_ARG,
                          "%s: expected an initializer kind (zeros, ones, constant, "
                          "random_normal, random_uniform, truncated_normal, variance_scaling, "
                          "glorot_uniform, glorot_normal, he_normal, he_uniform, "
                          "lecun_normal, lecun_uniform, identity, orthogonal); got enum "
                          "value %d", field, (int)in->kind);
    const char *k = init_names[in->kind];
    switch (in->kind) {
    case GRU_INIT_CONSTANT:
        if (!isfinite(in->value))
            return gru__error(GRU_ERR_ARG, "%s: constant value must be finite, got %g",
                              field, in->value);
        break;
    case GRU_INIT_RANDOM_NORMAL:
    case GRU_INIT_TRUNCATED_NORMAL:
        if (!isfinite(in->mean))
            return gru__error(GRU_ERR_ARG, "%s: %s mean must be finite, got %g", field, k,
                              in->mean);
        if (!isfinite(in->stddev) || !(in->stddev > 0.0))
            return gru__error(GRU_ERR_ARG,
                              "%s: %s stddev must be a finite number > 0, got %g", field, k,
                              in->stddev);
        break;
    case GRU_INIT_RANDOM_UNIFORM:
        if (!isfinite(in->minval) || !isfinite(in->maxval) || !(in->minval <= in->maxval) ||
            !isfinite(in->maxval - in->minval))
            return gru__error(GRU_ERR_ARG,
                              "%s: random_uniform needs finite minval <= maxval, got "
                              "minval %g, maxval %g", field, in->minval, in->maxval);
        break;
    case GRU_INIT_VARIANCE_SCALING:
        if (!isfinite(in->scale) || !(in->scale > 0.0))
            return gru__error(GRU_ERR_ARG,
                              "%s: variance_scaling scale must be a finite number > 0, "
                              "got %g", field, in->scale);
        if (in->mode != GRU_FAN_IN && in->mode != GRU_FAN_OUT && in->mode != GRU_FAN_AVG)
            return gru__error(GRU_ERR_ARG,
                              "%s: variance_scaling mode must be fan_in, fan_out or fan_avg; "
                              "got enum value %d", field, (int)in->mode);
        if (in->distribution != GRU_DIST_TRUNCATED_NORMAL &&
            in->distribution != GRU_DIST_UNTRUNCATED_NORMAL &&
            in->distribution != GRU_DIST_UNIFORM)
            return gru__error(GRU_ERR_ARG,
                              "%s: variance_scaling distribution must be truncated_normal, "
                              "untruncated_normal or uniform; got enum value %d", field,
                              (int)in->distribution);
        break;
    case GRU_INIT_IDENTITY:
    case GRU_INIT_ORTHOGONAL:
        if (!isfinite(in->gain))
            return gru__error(GRU_ERR_ARG, "%s: %s gain must be finite, got %g", field, k,
                              in->gain);
        if (bias_1d)
            return gru__error(GRU_ERR_ARG,
                              "%s: %s needs a 2-D weight, but the bias is 1-D (3H) when "
                              "reset_after is FALSE; accepted: any other initializer", field,
                              k);
        break;
    default:
        break;
    }
    return GRU_OK;
}

static int check_regularizer(const char *field, const gru_regularizer *r)
{
    switch (r->kind) {
    case GRU_REG_NONE:
        return GRU_OK;
    case GRU_REG_L1:
    case GRU_REG_L2:
    case GRU_REG_L1_L2:
        break;
    default:
        return gru__error(GRU_ERR_ARG,
                          "%s: expected a regularizer kind (none, l1, l2, l1_l2), got enum "
                          "value %d", field, (int)r->kind);
    }
    if (r->kind != GRU_REG_L2 && (!isfinite(r->l1) || r->l1 < 0.0))
        return gru__error(GRU_ERR_ARG, "%s: l1 factor must be a finite number >= 0, got %g",
                          field, r->l1);
    if (r->kind != GRU_REG_L1 && (!isfinite(r->l2) || r->l2 < 0.0))
        return gru__error(GRU_ERR_ARG, "%s: l2 factor must be a finite number >= 0, got %g",
                          field, r->l2);
    return GRU_OK;
}

static int check_axis(const char *field, const char *kname, int axis, bool weight_1d)
{
    if (axis != 0 && axis != 1)
        return gru__error(GRU_ERR_ARG, "%s: %s axis must be 0 or 1, got %d", field, kname,
                          axis);
    if (axis == 1 && weight_1d)
        return gru__error(GRU_ERR_ARG,
                          "%s: %s axis 1 needs a 2-D weight, but the bias is 1-D (3H) when "
                          "reset_after is FALSE; accepted: axis 0", field, kname);
    return GRU_OK;
}

static int check_constraint(const char *field, const gru_constraint *c, bool weight_1d)
{
    switch (c->kind) {
    case GRU_CONSTRAINT_NONE:
    case GRU_CONSTRAINT_NON_NEG:
        return GRU_OK;
    case GRU_CONSTRAINT_MAX_NORM:
        if (!isfinite(c->max_value) || !(c->max_value > 0.0))
            return gru__error(GRU_ERR_ARG,
                              "%s: max_norm max_value must be a finite number > 0, got %g",
                              field, c->max_value);
        return check_axis(field, "max_norm", c->axis, weight_1d);
    case GRU_CONSTRAINT_UNIT_NORM:
        return check_axis(field, "unit_norm", c->axis, weight_1d);
    case GRU_CONSTRAINT_MIN_MAX_NORM:
        if (!isfinite(c->min_value) || !isfinite(c->max_value) || !(c->min_value >= 0.0) ||
            !(c->min_value <= c->max_value))
            return gru__error(GRU_ERR_ARG,
                              "%s: min_max_norm needs finite 0 <= min_value <= max_value, "
                              "got min_value %g, max_value %g", field, c->min_value,
                              c->max_value);
        if (!(c->rate >= 0.0 && c->rate <= 1.0))
            return gru__error(GRU_ERR_ARG,
                              "%s: min_max_norm rate must be in [0, 1], got %g", field,
                              c->rate);
        return check_axis(field, "min_max_norm", c->axis, weight_1d);
    default:
        return gru__error(GRU_ERR_ARG,
                          "%s: expected a constraint kind (none, max_norm, non_neg, "
                          "unit_norm, min_max_norm), got enum value %d", field, (int)c->kind);
    }
}

static int check_rate(const char *field, double v)
{
    if (!(v >= 0.0 && v <= 1.0)) /* also rejects NaN */
        return gru__error(GRU_ERR_ARG, "%s: expected a number in [0, 1], got %g", field, v);
    return GRU_OK;
}

static int check_dim(const char *field, int64_t v)
{
    if (v < 0)
        return gru__error(GRU_ERR_ARG,
                          "%s: expected a positive integer, or 0 for NULL (not fixed), got %lld",
                          field, (long long)v);
    return GRU_OK;
}

int gru_config_validate(const gru_config *cfg)
{
    int rc;
    if (!cfg)
        return gru__error(GRU_ERR_NULL, "cfg: expected a pointer, got NULL");
    if (cfg->units < 1)
        return gru__error(GRU_ERR_ARG, "units: expected a positive integer, got %lld",
                          (long long)cfg->units);
    if ((rc = check_activation("activation", cfg->activation)) != GRU_OK ||
        (rc = check_activation("recurrent_activation", cfg->recurrent_activation)) != GRU_OK)
        return rc;

    /* The bias is (3H) when reset_after is FALSE, (2, 3H) when TRUE. */
    bool bias_1d = cfg->use_bias && !cfg->reset_after;
    if ((rc = check_initializer("kernel_initializer", &cfg->kernel_initializer, false)) ||
        (rc = check_initializer("recurrent_initializer", &cfg->recurrent_initializer,
                                false)) ||
        (rc = check_initializer("bias_initializer", &cfg->bias_initializer, bias_1d)))
        return rc;
    if ((rc = check_regularizer("kernel_regularizer", &cfg->kernel_regularizer)) ||
        (rc = check_regularizer("recurrent_regularizer", &cfg->recurrent_regularizer)) ||
        (rc = check_regularizer("bias_regularizer", &cfg->bias_regularizer)) ||
        (rc = check_regularizer("activity_regularizer", &cfg->activity_regularizer)))
        return rc;
    if ((rc = check_constraint("kernel_constraint", &cfg->kernel_constraint, false)) ||
        (rc = check_constraint("recurrent_constraint", &cfg->recurrent_constraint, false)) ||
        (rc = check_constraint("bias_constraint", &cfg->bias_constraint, bias_1d)))
        return rc;
    if ((rc = check_rate("dropout", cfg->dropout)) ||
        (rc = check_rate("recurrent_dropout", cfg->recurrent_dropout)))
        return rc;
    if ((rc = check_dim("input_dim", cfg->input_dim)) ||
        (rc = check_dim("timesteps", cfg->timesteps)) ||
        (rc = check_dim("batch_size", cfg->batch_size)))
        return rc;
    if (cfg->stateful && cfg->batch_size <= 0)
        return gru__error(GRU_ERR_ARG,
                          "stateful: needs a fixed batch size; set batch_input_shape or "
                          "batch_size");
    if (cfg->dtype != GRU_FLOAT32 && cfg->dtype != GRU_FLOAT64)
        return gru__error(GRU_ERR_ARG, "dtype: expected float32 or float64, got %s",
                          gru_dtype_name(cfg->dtype));
    if (memchr(cfg->name, '\0', GRU_NAME_MAX) == NULL)
        return gru__error(GRU_ERR_ARG,
                          "name: expected a NUL-terminated string of at most %d bytes",
                          GRU_NAME_MAX - 1);
    if (cfg->implementation != 1 && cfg->implementation != 2)
        return gru__error(GRU_ERR_ARG, "implementation: expected 1 or 2, got %d",
                          cfg->implementation);
    return GRU_OK;
}
