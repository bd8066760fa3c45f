/* The configuration: defaults, the TF2 preset, validation, names, the R argument form,
 * Keras JSON (fixtures written by real tf_keras / Keras 3 / Keras 2.2.4 in
 * tests/data/config/), printing and round trips. */
#include "gru.h"
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef GRU_SOURCE_DIR
#define GRU_SOURCE_DIR "."
#endif

/* ---- helpers ----------------------------------------------------------------------- */

static bool init_eq(const gru_initializer *a, const gru_initializer *b)
{
    return a->kind == b->kind && a->value == b->value && a->mean == b->mean &&
           a->stddev == b->stddev && a->minval == b->minval && a->maxval == b->maxval &&
           a->gain == b->gain && a->scale == b->scale && a->mode == b->mode &&
           a->distribution == b->distribution && a->has_seed == b->has_seed &&
           a->seed == b->seed;
}

static bool reg_eq(const gru_regularizer *a, const gru_regularizer *b)
{
    return a->kind == b->kind && a->l1 == b->l1 && a->l2 == b->l2;
}

static bool con_eq(const gru_constraint *a, const gru_constraint *b)
{
    return a->kind == b->kind && a->max_value == b->max_value &&
           a->min_value == b->min_value && a->rate == b->rate && a->axis == b->axis;
}

/* Field-by-field equality; names the first differing field. */
static const char *cfg_diff(const gru_config *a, const gru_config *b)
{
#define F(f) if (a->f != b->f) return #f
    F(units); F(activation); F(recurrent_activation); F(use_bias); F(return_sequences);
    F(return_state); F(go_backwards); F(stateful); F(unroll); F(reset_after);
    F(dropout); F(recurrent_dropout); F(input_dim); F(timesteps); F(batch_size); F(dtype);
    F(trainable); F(implementation); F(seed);
    F(weights[0]); F(weights[1]); F(weights[2]);
#undef F
    if (!init_eq(&a->kernel_initializer, &b->kernel_initializer)) return "kernel_initializer";
    if (!init_eq(&a->recurrent_initializer, &b->recurrent_initializer)) return "recurrent_initializer";
    if (!init_eq(&a->bias_initializer, &b->bias_initializer)) return "bias_initializer";
    if (!reg_eq(&a->kernel_regularizer, &b->kernel_regularizer)) return "kernel_regularizer";
    if (!reg_eq(&a->recurrent_regularizer, &b->recurrent_regularizer)) return "recurrent_regularizer";
    if (!reg_eq(&a->bias_regularizer, &b->bias_regularizer)) return "bias_regularizer";
    if (!reg_eq(&a->activity_regularizer, &b->activity_regularizer)) return "activity_regularizer";
    if (!con_eq(&a->kernel_constraint, &b->kernel_constraint)) return "kernel_constraint";
    if (!con_eq(&a->recurrent_constraint, &b->recurrent_constraint)) return "recurrent_constraint";
    if (!con_eq(&a->bias_constraint, &b->bias_constraint)) return "bias_constraint";
    if (strcmp(a->name, b->name) != 0) return "name";
    return NULL;
}

#ifdef GRU_HAVE_CJSON
static char *read_file(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/config/%s", GRU_SOURCE_DIR, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

#endif

/* Parse R text expecting success. */
static bool parse_r_ok(const char *text, gru_config *cfg)
{
    int rc = gru_config_parse_r(text, cfg);
    CHECK_MSG(rc == GRU_OK, "parse_r(%s) = %d: %s", text, rc, gru_errmsg());
    return rc == GRU_OK;
}

/* Expect a parse failure with status st and a message containing needle, and cfg left
 * untouched. */
static void parse_r_err(const char *text, int st, const char *needle)
{
    gru_config cfg, before;
    memset(&cfg, 0xA5, sizeof cfg);
    before = cfg;
    int rc = gru_config_parse_r(text, &cfg);
    CHECK_MSG(rc == st && strstr(gru_errmsg(), needle) != NULL,
              "parse_r(%s) = %d \"%s\" (want %d, \"%s\")", text, rc, gru_errmsg(), st, needle);
    CHECK_MSG(memcmp(&cfg, &before, sizeof cfg) == 0, "parse_r(%s) wrote cfg on failure", text);
}

#ifdef GRU_HAVE_CJSON
static void parse_json_err(const char *text, int major, int st, const char *needle)
{
    gru_config cfg, before;
    memset(&cfg, 0x5A, sizeof cfg);
    before = cfg;
    int rc = gru_config_parse_json(text, major, &cfg);
    CHECK_MSG(rc == st && strstr(gru_errmsg(), needle) != NULL,
              "parse_json(%.80s) = %d \"%s\" (want %d, \"%s\")", text, rc, gru_errmsg(), st,
              needle);
    CHECK_MSG(memcmp(&cfg, &before, sizeof cfg) == 0, "parse_json(%.80s) wrote cfg on failure",
              text);
}
#endif

/* Print cfg in both forms and parse each back; the configuration must be identical. */
static void check_round_trip(const gru_config *cfg, const char *what)
{
    char buf[8192];
    size_t need = 0;
    gru_config back;
    int rc = gru_config_to_r(cfg, buf, sizeof buf, &need);
    CHECK_MSG(rc == GRU_OK && need == strlen(buf), "%s: to_r %d %s", what, rc, gru_errmsg());
    rc = gru_config_parse_r(buf, &back);
    CHECK_MSG(rc == GRU_OK, "%s: R text does not parse back: %s\n  %s", what, gru_errmsg(), buf);
    if (rc == GRU_OK) {
        const char *d = cfg_diff(cfg, &back);
        CHECK_MSG(d == NULL, "%s: R round trip differs in %s\n  %s", what, d, buf);
        /* printing again gives the same text */
        char buf2[8192];
        CHECK_OK(gru_config_to_r(&back, buf2, sizeof buf2, NULL));
        CHECK_MSG(strcmp(buf, buf2) == 0, "%s: R text not stable", what);
    }
    rc = gru_config_to_json(cfg, buf, sizeof buf, &need);
    CHECK_MSG(rc == GRU_OK && need == strlen(buf), "%s: to_json %d %s", what, rc, gru_errmsg());
#ifdef GRU_HAVE_CJSON
    rc = gru_config_parse_json(buf, 0, &back);
    CHECK_MSG(rc == GRU_OK, "%s: JSON does not parse back: %s\n  %s", what, gru_errmsg(), buf);
    if (rc == GRU_OK) {
        gru_config want = *cfg;
        if (!want.name[0])
            strcpy(want.name, "gru"); /* JSON always carries a name */
        const char *d = cfg_diff(&want, &back);
        CHECK_MSG(d == NULL, "%s: JSON round trip differs in %s\n  %s", what, d, buf);
    }
#else
    CHECK_ERR(gru_config_parse_json(buf, 0, &back), GRU_ERR_UNSUPPORTED, "cJSON");
#endif
}

/* ---- defaults, preset, names ---------------------------------------------------- */

static void test_defaults(void)
{
    gru_config c;
    CHECK_OK(gru_config_init(&c, 32));
    CHECK(c.units == 32);
    CHECK(c.activation == GRU_ACT_TANH);
    CHECK(c.recurrent_activation == GRU_ACT_HARD_SIGMOID);
    CHECK(c.use_bias && !c.return_sequences && !c.return_state && !c.go_backwards);
    CHECK(!c.stateful && !c.unroll && !c.reset_after);
    CHECK(c.kernel_initializer.kind == GRU_INIT_GLOROT_UNIFORM && !c.kernel_initializer.has_seed);
    CHECK(c.recurrent_initializer.kind == GRU_INIT_ORTHOGONAL && c.recurrent_initializer.gain == 1.0);
    CHECK(c.bias_initializer.kind == GRU_INIT_ZEROS);
    CHECK(c.kernel_regularizer.kind == GRU_REG_NONE && c.recurrent_regularizer.kind == GRU_REG_NONE);
    CHECK(c.bias_regularizer.kind == GRU_REG_NONE && c.activity_regularizer.kind == GRU_REG_NONE);
    CHECK(c.kernel_constraint.kind == GRU_CONSTRAINT_NONE);
    CHECK(c.recurrent_constraint.kind == GRU_CONSTRAINT_NONE);
    CHECK(c.bias_constraint.kind == GRU_CONSTRAINT_NONE);
    CHECK(c.dropout == 0.0 && c.recurrent_dropout == 0.0);
    CHECK(c.input_dim == 0 && c.timesteps == 0 && c.batch_size == 0);
    CHECK(c.dtype == GRU_FLOAT32 && c.name[0] == '\0' && c.trainable);
    CHECK(c.implementation == 1 && c.seed == 0);
    CHECK(c.weights[0] == NULL && c.weights[1] == NULL && c.weights[2] == NULL);
    CHECK_OK(gru_config_validate(&c));

    gru_config t;
    CHECK_OK(gru_config_init_preset(&t, 32, GRU_PRESET_TF2));
    CHECK(t.recurrent_activation == GRU_ACT_SIGMOID && t.reset_after && t.implementation == 2);
    t.recurrent_activation = c.recurrent_activation;
    t.reset_after = c.reset_after;
    t.implementation = c.implementation;
    CHECK(cfg_diff(&t, &c) == NULL); /* nothing else differs */
    gru_config k2;
    CHECK_OK(gru_config_init_preset(&k2, 32, GRU_PRESET_KERAS2));
    CHECK(cfg_diff(&k2, &c) == NULL);

    CHECK_ERR(gru_config_init(NULL, 3), GRU_ERR_NULL, "cfg");
    CHECK_ERR(gru_config_init_preset(NULL, 3, GRU_PRESET_TF2), GRU_ERR_NULL, "cfg");
    CHECK_ERR(gru_config_init_preset(&c, 3, (gru_preset)7), GRU_ERR_ARG, "preset");
    CHECK_ERR(gru_config_validate(NULL), GRU_ERR_NULL, "cfg");
    /* units are not checked by init, but by validate */
    CHECK_OK(gru_config_init(&c, 0));
    CHECK_ERR(gru_config_validate(&c), GRU_ERR_ARG, "units: expected a positive integer");
}

static void test_names(void)
{
    static const char *const want[GRU_ACT_COUNT] = {
        "tanh", "sigmoid", "hard_sigmoid", "hard_sigmoid_keras3", "relu", "linear", "elu",
        "selu", "softplus", "softsign", "exponential", "swish", "gelu"};
    for (int i = 0; i < GRU_ACT_COUNT; i++) {
        const char *n = gru_activation_name((gru_activation)i);
        CHECK_MSG(n && strcmp(n, want[i]) == 0, "activation %d name %s", i, n ? n : "NULL");
        gru_activation a = GRU_ACT_COUNT;
        CHECK_OK(gru_activation_from_name(want[i], &a));
        CHECK(a == (gru_activation)i);
    }
    CHECK(gru_activation_name(GRU_ACT_COUNT) == NULL);
    CHECK(gru_activation_name((gru_activation)-1) == NULL);
    gru_activation a;
    CHECK_OK(gru_activation_from_name("silu", &a));
    CHECK(a == GRU_ACT_SWISH);
    CHECK_OK(gru_activation_from_name("None", &a));
    CHECK(a == GRU_ACT_LINEAR);
    a = GRU_ACT_TANH;
    CHECK_OK(gru_activation_from_name("NULL", &a));
    CHECK(a == GRU_ACT_LINEAR);
    a = GRU_ACT_TANH;
    CHECK_OK(gru_activation_from_name("", &a));
    CHECK(a == GRU_ACT_LINEAR);
    CHECK_ERR(gru_activation_from_name("Tanh", &a), GRU_ERR_ARG, "accepted: tanh, sigmoid");
    CHECK_ERR(gru_activation_from_name("softmax", &a), GRU_ERR_ARG, "\"softmax\"");
    CHECK_ERR(gru_activation_from_name(NULL, &a), GRU_ERR_NULL, "activation");
    CHECK_ERR(gru_activation_from_name("tanh", NULL), GRU_ERR_NULL, "out");

    static const char *const iwant[GRU_INIT_COUNT] = {
        "zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
        "variance_scaling", "glorot_uniform", "glorot_normal", "he_normal", "he_uniform",
        "lecun_normal", "lecun_uniform", "identity", "orthogonal"};
    for (int i = 0; i < GRU_INIT_COUNT; i++) {
        const char *n = gru_initializer_name((gru_init_kind)i);
        CHECK_MSG(n && strcmp(n, iwant[i]) == 0, "initializer %d name %s", i, n ? n : "NULL");
        gru_initializer d = gru_initializer_default((gru_init_kind)i);
        CHECK(d.kind == (gru_init_kind)i && !d.has_seed);
    }
    CHECK(gru_initializer_name(GRU_INIT_COUNT) == NULL);
    CHECK(gru_initializer_name((gru_init_kind)-3) == NULL);
    /* Keras's defaults */
    gru_initializer d = gru_initializer_default(GRU_INIT_RANDOM_NORMAL);
    CHECK(d.mean == 0.0 && d.stddev == 0.05);
    d = gru_initializer_default(GRU_INIT_TRUNCATED_NORMAL);
    CHECK(d.mean == 0.0 && d.stddev == 0.05);
    d = gru_initializer_default(GRU_INIT_RANDOM_UNIFORM);
    CHECK(d.minval == -0.05 && d.maxval == 0.05);
    d = gru_initializer_default(GRU_INIT_CONSTANT);
    CHECK(d.value == 0.0);
    d = gru_initializer_default(GRU_INIT_IDENTITY);
    CHECK(d.gain == 1.0);
    d = gru_initializer_default(GRU_INIT_ORTHOGONAL);
    CHECK(d.gain == 1.0);
    d = gru_initializer_default(GRU_INIT_VARIANCE_SCALING);
    CHECK(d.scale == 1.0 && d.mode == GRU_FAN_IN && d.distribution == GRU_DIST_TRUNCATED_NORMAL);
}

/* ---- validation -------------------------------------------------------------------- */

typedef void (*mutate_fn)(gru_config *c);
#define MUT(name, body) static void name(gru_config *c) { body; }
MUT(m_units0, c->units = 0)
MUT(m_units_neg, c->units = -5)
MUT(m_act, c->activation = (gru_activation)GRU_ACT_COUNT)
MUT(m_act_neg, c->activation = (gru_activation)-1)
MUT(m_ract, c->recurrent_activation = (gru_activation)99)
MUT(m_kinit_kind, c->kernel_initializer.kind = (gru_init_kind)GRU_INIT_COUNT)
MUT(m_rn_std0, c->kernel_initializer = gru_initializer_default(GRU_INIT_RANDOM_NORMAL);
    c->kernel_initializer.stddev = 0)
MUT(m_tn_stdneg, c->kernel_initializer = gru_initializer_default(GRU_INIT_TRUNCATED_NORMAL);
    c->kernel_initializer.stddev = -1)
MUT(m_rn_mean, c->kernel_initializer = gru_initializer_default(GRU_INIT_RANDOM_NORMAL);
    c->kernel_initializer.mean = NAN)
MUT(m_ru, c->kernel_initializer = gru_initializer_default(GRU_INIT_RANDOM_UNIFORM);
    c->kernel_initializer.minval = 1; c->kernel_initializer.maxval = 0)
MUT(m_ru_inf, c->kernel_initializer = gru_initializer_default(GRU_INIT_RANDOM_UNIFORM);
    c->kernel_initializer.maxval = INFINITY)
MUT(m_const, c->bias_initializer = gru_initializer_default(GRU_INIT_CONSTANT);
    c->bias_initializer.value = INFINITY)
MUT(m_vs_scale, c->kernel_initializer = gru_initializer_default(GRU_INIT_VARIANCE_SCALING);
    c->kernel_initializer.scale = 0)
MUT(m_vs_mode, c->kernel_initializer = gru_initializer_default(GRU_INIT_VARIANCE_SCALING);
    c->kernel_initializer.mode = (gru_fan_mode)3)
MUT(m_vs_dist, c->kernel_initializer = gru_initializer_default(GRU_INIT_VARIANCE_SCALING);
    c->kernel_initializer.distribution = (gru_distribution)9)
MUT(m_gain, c->recurrent_initializer.gain = NAN)
MUT(m_id_gain, c->recurrent_initializer = gru_initializer_default(GRU_INIT_IDENTITY);
    c->recurrent_initializer.gain = INFINITY)
MUT(m_bias_orth, c->bias_initializer = gru_initializer_default(GRU_INIT_ORTHOGONAL))
MUT(m_bias_ident, c->bias_initializer = gru_initializer_default(GRU_INIT_IDENTITY))
MUT(m_reg_kind, c->kernel_regularizer.kind = (gru_regularizer_kind)4)
MUT(m_reg_l1, c->recurrent_regularizer.kind = GRU_REG_L1; c->recurrent_regularizer.l1 = -0.1)
MUT(m_reg_l2, c->bias_regularizer.kind = GRU_REG_L2; c->bias_regularizer.l2 = NAN)
MUT(m_reg_l1l2, c->activity_regularizer.kind = GRU_REG_L1_L2;
    c->activity_regularizer.l1 = 0.1; c->activity_regularizer.l2 = INFINITY)
MUT(m_con_kind, c->kernel_constraint.kind = (gru_constraint_kind)5)
MUT(m_maxnorm0, c->kernel_constraint.kind = GRU_CONSTRAINT_MAX_NORM;
    c->kernel_constraint.max_value = 0)
MUT(m_maxnorm_axis, c->kernel_constraint.kind = GRU_CONSTRAINT_MAX_NORM;
    c->kernel_constraint.max_value = 2; c->kernel_constraint.axis = 2)
MUT(m_unit_axis, c->recurrent_constraint.kind = GRU_CONSTRAINT_UNIT_NORM;
    c->recurrent_constraint.axis = -1)
MUT(m_minmax_order, c->kernel_constraint.kind = GRU_CONSTRAINT_MIN_MAX_NORM;
    c->kernel_constraint.min_value = 2; c->kernel_constraint.max_value = 1;
    c->kernel_constraint.rate = 1)
MUT(m_minmax_neg, c->kernel_constraint.kind = GRU_CONSTRAINT_MIN_MAX_NORM;
    c->kernel_constraint.min_value = -1; c->kernel_constraint.max_value = 1;
    c->kernel_constraint.rate = 1)
MUT(m_minmax_rate, c->kernel_constraint.kind = GRU_CONSTRAINT_MIN_MAX_NORM;
    c->kernel_constraint.max_value = 1; c->kernel_constraint.rate = 1.5)
MUT(m_bias_axis1, c->bias_constraint.kind = GRU_CONSTRAINT_UNIT_NORM;
    c->bias_constraint.axis = 1)
MUT(m_dropout, c->dropout = 1.5)
MUT(m_dropout_nan, c->dropout = NAN)
MUT(m_rdropout, c->recurrent_dropout = -0.1)
MUT(m_idim, c->input_dim = -1)
MUT(m_steps, c->timesteps = -2)
MUT(m_batch, c->batch_size = -3)
MUT(m_stateful, c->stateful = true)
MUT(m_dtype16, c->dtype = GRU_FLOAT16)
MUT(m_dtype_int, c->dtype = GRU_INT32)
MUT(m_name, memset(c->name, 'x', GRU_NAME_MAX))
MUT(m_impl0, c->implementation = 0)
MUT(m_impl3, c->implementation = 3)

static void test_validate(void)
{
    static const struct {
        mutate_fn f;
        const char *needle;
    } cases[] = {
        {m_units0, "units: expected a positive integer, got 0"},
        {m_units_neg, "units"},
        {m_act, "activation: expected one of tanh"},
        {m_act_neg, "activation"},
        {m_ract, "recurrent_activation"},
        {m_kinit_kind, "kernel_initializer: expected an initializer kind"},
        {m_rn_std0, "kernel_initializer: random_normal stddev must be a finite number > 0"},
        {m_tn_stdneg, "truncated_normal stddev"},
        {m_rn_mean, "mean must be finite"},
        {m_ru, "kernel_initializer: random_uniform needs finite minval <= maxval"},
        {m_ru_inf, "random_uniform"},
        {m_const, "bias_initializer: constant value must be finite"},
        {m_vs_scale, "variance_scaling scale must be a finite number > 0"},
        {m_vs_mode, "mode must be fan_in, fan_out or fan_avg"},
        {m_vs_dist, "distribution must be truncated_normal"},
        {m_gain, "recurrent_initializer: orthogonal gain must be finite"},
        {m_id_gain, "identity gain"},
        {m_bias_orth, "bias_initializer: orthogonal needs a 2-D weight"},
        {m_bias_ident, "bias_initializer: identity needs a 2-D weight"},
        {m_reg_kind, "kernel_regularizer: expected a regularizer kind (none, l1, l2, l1_l2)"},
        {m_reg_l1, "recurrent_regularizer: l1 factor must be a finite number >= 0"},
        {m_reg_l2, "bias_regularizer: l2 factor"},
        {m_reg_l1l2, "activity_regularizer: l2 factor"},
        {m_con_kind, "kernel_constraint: expected a constraint kind"},
        {m_maxnorm0, "kernel_constraint: max_norm max_value must be a finite number > 0"},
        {m_maxnorm_axis, "max_norm axis must be 0 or 1, got 2"},
        {m_unit_axis, "recurrent_constraint: unit_norm axis must be 0 or 1"},
        {m_minmax_order, "min_max_norm needs finite 0 <= min_value <= max_value"},
        {m_minmax_neg, "min_max_norm needs finite 0 <= min_value"},
        {m_minmax_rate, "min_max_norm rate must be in [0, 1]"},
        {m_bias_axis1, "bias_constraint: unit_norm axis 1 needs a 2-D weight"},
        {m_dropout, "dropout: expected a number in [0, 1], got 1.5"},
        {m_dropout_nan, "dropout: expected a number in [0, 1]"},
        {m_rdropout, "recurrent_dropout: expected a number in [0, 1]"},
        {m_idim, "input_dim"},
        {m_steps, "timesteps"},
        {m_batch, "batch_size"},
        {m_stateful, "stateful: needs a fixed batch size; set batch_input_shape or batch_size"},
        {m_dtype16, "dtype: expected float32 or float64, got float16"},
        {m_dtype_int, "dtype: expected float32 or float64"},
        {m_name, "name: expected a NUL-terminated string"},
        {m_impl0, "implementation: expected 1 or 2, got 0"},
        {m_impl3, "implementation: expected 1 or 2, got 3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gru_config c;
        gru_config_init(&c, 8);
        cases[i].f(&c);
        int rc = gru_config_validate(&c);
        CHECK_MSG(rc == GRU_ERR_ARG && strstr(gru_errmsg(), cases[i].needle),
                  "validate case %zu: %d \"%s\" (want \"%s\")", i, rc, gru_errmsg(),
                  cases[i].needle);
        /* the printers refuse invalid configurations too */
        char buf[64];
        CHECK(gru_config_to_r(&c, buf, sizeof buf, NULL) == GRU_ERR_ARG);
        CHECK(gru_config_to_json(&c, buf, sizeof buf, NULL) == GRU_ERR_ARG);
    }
    /* what is fine */
    gru_config c;
    gru_config_init(&c, 8);
    c.stateful = true;
    c.batch_size = 4;
    c.dropout = 1.0;
    c.recurrent_dropout = 0.0;
    c.reset_after = true;
    c.bias_constraint.kind = GRU_CONSTRAINT_UNIT_NORM;
    c.bias_constraint.axis = 1;                                           /* (2, 3H) bias */
    c.bias_initializer = gru_initializer_default(GRU_INIT_ORTHOGONAL);   /* 2-D bias */
    c.kernel_constraint.kind = GRU_CONSTRAINT_MIN_MAX_NORM;
    c.kernel_constraint.min_value = 1, c.kernel_constraint.max_value = 1;
    c.kernel_constraint.rate = 0;
    c.recurrent_initializer.gain = -2.0; /* any finite gain */
    c.kernel_regularizer.kind = GRU_REG_L2; /* unused l1 is not checked */
    c.kernel_regularizer.l1 = NAN;
    c.kernel_regularizer.l2 = 0;
    c.dtype = GRU_FLOAT64;
    CHECK_OK(gru_config_validate(&c));
    /* use_bias FALSE: the bias constraint's axis is not about any weight */
    gru_config_init(&c, 8);
    c.use_bias = false;
    c.bias_constraint.kind = GRU_CONSTRAINT_MAX_NORM;
    c.bias_constraint.max_value = 1;
    c.bias_constraint.axis = 1;
    CHECK_OK(gru_config_validate(&c));
}

/* ---- the R argument form --------------------------------------------------------- */

static void test_r_forms(void)
{
    gru_config c, d;
    gru_config_init(&d, 32);

    CHECK(parse_r_ok("units = 32", &c));
    CHECK(cfg_diff(&c, &d) == NULL);
    CHECK(parse_r_ok("32", &c)); /* units positional */
    CHECK(cfg_diff(&c, &d) == NULL);
    CHECK(parse_r_ok("32L", &c));
    CHECK(c.units == 32);
    CHECK(parse_r_ok("  layer_gru(units = 32)  ", &c));
    CHECK(cfg_diff(&c, &d) == NULL);
    CHECK(parse_r_ok("layer_gru(model, 32, 'relu')", &c)); /* object, units, activation */
    CHECK(c.units == 32 && c.activation == GRU_ACT_RELU);
    CHECK(parse_r_ok("object = model, units = 3.2e1", &c));
    CHECK(c.units == 32);
    CHECK(parse_r_ok("model, units = 4, \"sigmoid\"", &c)); /* positional after named */
    CHECK(c.units == 4 && c.activation == GRU_ACT_SIGMOID);
    CHECK(parse_r_ok("activation = 'relu', 7", &c));
    CHECK(c.units == 7 && c.activation == GRU_ACT_RELU);

    CHECK(parse_r_ok("units = 32, activation = \"tanh\", reset_after = TRUE, "
                     "recurrent_activation = 'sigmoid', use_bias = F, return_sequences = T, "
                     "return_state = TRUE, go_backwards = TRUE, unroll = TRUE", &c));
    CHECK(c.reset_after && c.recurrent_activation == GRU_ACT_SIGMOID && !c.use_bias);
    CHECK(c.return_sequences && c.return_state && c.go_backwards && c.unroll && !c.stateful);

    CHECK(parse_r_ok("units = 8, activation = NULL, recurrent_activation = \"hard_sigmoid\"", &c));
    CHECK(c.activation == GRU_ACT_LINEAR && c.recurrent_activation == GRU_ACT_HARD_SIGMOID);
    CHECK(parse_r_ok("units = 8, activation = 'silu', recurrent_activation = 'hard_sigmoid_keras3'", &c));
    CHECK(c.activation == GRU_ACT_SWISH && c.recurrent_activation == GRU_ACT_HARD_SIGMOID_KERAS3);
    static const char *const acts[] = {"elu", "selu", "softplus", "softsign", "exponential",
                                       "swish", "gelu", "linear", "relu"};
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        char t[96];
        snprintf(t, sizeof t, "units = 2, activation = \"%s\", recurrent_activation = '%s'",
                 acts[i], acts[i]);
        CHECK(parse_r_ok(t, &c));
        CHECK(strcmp(gru_activation_name(c.activation), acts[i]) == 0);
        CHECK(c.recurrent_activation == c.activation);
    }

    /* shapes */
    CHECK(parse_r_ok("units = 4, input_shape = c(NULL, 8)", &c));
    CHECK(c.input_dim == 8 && c.timesteps == 0 && c.batch_size == 0);
    CHECK(parse_r_ok("units = 4, input_shape = list(10, 8), batch_size = 4", &c));
    CHECK(c.input_dim == 8 && c.timesteps == 10 && c.batch_size == 4);
    CHECK(parse_r_ok("units = 4, batch_input_shape = c(4, 10, 8), stateful = TRUE", &c));
    CHECK(c.input_dim == 8 && c.timesteps == 10 && c.batch_size == 4 && c.stateful);
    CHECK(parse_r_ok("units = 4, batch_input_shape = c(4L, NULL, 8L), batch_size = 4, "
                     "input_shape = c(NULL, 8)", &c)); /* consistent: fine */
    CHECK(c.input_dim == 8 && c.timesteps == 0 && c.batch_size == 4);
    CHECK(parse_r_ok("units = 4, input_shape = NULL, batch_size = NULL, input_dim = 5, "
                     "input_length = 6", &c));
    CHECK(c.input_dim == 5 && c.timesteps == 6 && c.batch_size == 0);

    /* initializers */
    CHECK(parse_r_ok("units = 4, kernel_initializer = \"orthogonal\", "
                     "recurrent_initializer = 'glorot_uniform', bias_initializer = 'ones'", &c));
    CHECK(c.kernel_initializer.kind == GRU_INIT_ORTHOGONAL && c.kernel_initializer.gain == 1.0);
    CHECK(c.recurrent_initializer.kind == GRU_INIT_GLOROT_UNIFORM);
    CHECK(c.bias_initializer.kind == GRU_INIT_ONES);
    CHECK(parse_r_ok("units = 4, kernel_initializer = initializer_random_normal(mean = 0, "
                     "stddev = 0.1, seed = 42)", &c));
    CHECK(c.kernel_initializer.kind == GRU_INIT_RANDOM_NORMAL);
    CHECK(c.kernel_initializer.mean == 0.0 && c.kernel_initializer.stddev == 0.1);
    CHECK(c.kernel_initializer.has_seed && c.kernel_initializer.seed == 42);
    CHECK(parse_r_ok("units = 4, kernel_initializer = initializer_random_normal(1, 2, 3)", &c));
    CHECK(c.kernel_initializer.mean == 1 && c.kernel_initializer.stddev == 2 &&
          c.kernel_initializer.seed == 3);
    CHECK(parse_r_ok("units = 4, kernel_initializer = initializer_random_normal(stddev = 2, 1)", &c));
    CHECK(c.kernel_initializer.mean == 1 && c.kernel_initializer.stddev == 2 &&
          !c.kernel_initializer.has_seed);
    CHECK(parse_r_ok("units = 4, kernel_initializer = initializer_random_uniform(-1, 1e-3, "
                     "seed = 18446744073709551)", &c));
    CHECK(c.kernel_initializer.kind == GRU_INIT_RANDOM_UNIFORM);
    CHECK(c.kernel_initializer.minval == -1 && c.kernel_initializer.maxval == 1e-3);
    CHECK(c.kernel_initializer.seed == 18446744073709551ull);
    CHECK(parse_r_ok("units = 4, kernel_initializer = initializer_truncated_normal(stddev = 0.5)", &c));
    CHECK(c.kernel_initializer.kind == GRU_INIT_TRUNCATED_NORMAL &&
          c.kernel_initializer.stddev == 0.5 && c.kernel_initializer.mean == 0);
    CHECK(parse_r_ok("units = 4, kernel_initializer = initializer_variance_scaling(scale = 2, "
                     "mode = \"fan_avg\", distribution = \"uniform\")", &c));
    CHECK(c.kernel_initializer.kind == GRU_INIT_VARIANCE_SCALING &&
          c.kernel_initializer.scale == 2 && c.kernel_initializer.mode == GRU_FAN_AVG &&
          c.kernel_initializer.distribution == GRU_DIST_UNIFORM);
    CHECK(parse_r_ok("units = 4, kernel_initializer = initializer_variance_scaling(1, 'fan_out', "
                     "'normal')", &c));
    CHECK(c.kernel_initializer.mode == GRU_FAN_OUT &&
          c.kernel_initializer.distribution == GRU_DIST_TRUNCATED_NORMAL);
    CHECK(parse_r_ok("units = 4, kernel_initializer = initializer_variance_scaling("
                     "distribution = 'untruncated_normal')", &c));
    CHECK(c.kernel_initializer.distribution == GRU_DIST_UNTRUNCATED_NORMAL &&
          c.kernel_initializer.mode == GRU_FAN_IN && c.kernel_initializer.scale == 1);
    CHECK(parse_r_ok("units = 4, kernel_initializer = initializer_variance_scaling("
                     "distribution = 'truncated_normal')", &c));
    CHECK(c.kernel_initializer.distribution == GRU_DIST_TRUNCATED_NORMAL);
    CHECK(parse_r_ok("units = 4, bias_initializer = initializer_constant(value = 1)", &c));
    CHECK(c.bias_initializer.kind == GRU_INIT_CONSTANT && c.bias_initializer.value == 1);
    CHECK(parse_r_ok("units = 4, bias_initializer = initializer_constant()", &c));
    CHECK(c.bias_initializer.value == 0);
    CHECK(parse_r_ok("units = 4, recurrent_initializer = initializer_identity(gain = 0.5)", &c));
    CHECK(c.recurrent_initializer.kind == GRU_INIT_IDENTITY && c.recurrent_initializer.gain == 0.5);
    CHECK(parse_r_ok("units = 4, recurrent_initializer = initializer_orthogonal(gain = 2, seed = NULL)", &c));
    CHECK(c.recurrent_initializer.gain == 2 && !c.recurrent_initializer.has_seed);
    static const struct { const char *fn; gru_init_kind k; } seeded[] = {
        {"initializer_glorot_uniform", GRU_INIT_GLOROT_UNIFORM},
        {"initializer_glorot_normal", GRU_INIT_GLOROT_NORMAL},
        {"initializer_he_normal", GRU_INIT_HE_NORMAL},
        {"initializer_he_uniform", GRU_INIT_HE_UNIFORM},
        {"initializer_lecun_normal", GRU_INIT_LECUN_NORMAL},
        {"initializer_lecun_uniform", GRU_INIT_LECUN_UNIFORM},
    };
    for (size_t i = 0; i < sizeof seeded / sizeof seeded[0]; i++) {
        char t[128];
        snprintf(t, sizeof t, "units = 4, kernel_initializer = %s(seed = %zu)", seeded[i].fn, i);
        CHECK(parse_r_ok(t, &c));
        CHECK(c.kernel_initializer.kind == seeded[i].k && c.kernel_initializer.has_seed &&
              c.kernel_initializer.seed == i);
        snprintf(t, sizeof t, "units = 4, kernel_initializer = %s()", seeded[i].fn);
        CHECK(parse_r_ok(t, &c));
        CHECK(c.kernel_initializer.kind == seeded[i].k && !c.kernel_initializer.has_seed);
    }
    CHECK(parse_r_ok("units = 4, bias_initializer = initializer_zeros(), "
                     "kernel_initializer = initializer_ones()", &c));
    CHECK(c.bias_initializer.kind == GRU_INIT_ZEROS && c.kernel_initializer.kind == GRU_INIT_ONES);

    /* regularizers and constraints */
    CHECK(parse_r_ok("units = 4, kernel_regularizer = regularizer_l2(0.01), "
                     "recurrent_regularizer = regularizer_l1(l = 0.02), "
                     "bias_regularizer = regularizer_l1_l2(l1 = 0.03, l2 = 0.04), "
                     "activity_regularizer = regularizer_l1_l2(l2 = 0.5)", &c));
    CHECK(c.kernel_regularizer.kind == GRU_REG_L2 && c.kernel_regularizer.l2 == 0.01 &&
          c.kernel_regularizer.l1 == 0);
    CHECK(c.recurrent_regularizer.kind == GRU_REG_L1 && c.recurrent_regularizer.l1 == 0.02);
    CHECK(c.bias_regularizer.kind == GRU_REG_L1_L2 && c.bias_regularizer.l1 == 0.03 &&
          c.bias_regularizer.l2 == 0.04);
    CHECK(c.activity_regularizer.kind == GRU_REG_L1_L2 && c.activity_regularizer.l1 == 0.01 &&
          c.activity_regularizer.l2 == 0.5); /* R's default l1 = 0.01 */
    CHECK(parse_r_ok("units = 4, kernel_regularizer = regularizer_l1(), "
                     "recurrent_regularizer = 'l2', bias_regularizer = NULL", &c));
    CHECK(c.kernel_regularizer.kind == GRU_REG_L1 && c.kernel_regularizer.l1 == 0.01);
    CHECK(c.recurrent_regularizer.kind == GRU_REG_L2 && c.recurrent_regularizer.l2 == 0.01);
    CHECK(c.bias_regularizer.kind == GRU_REG_NONE);
    CHECK(parse_r_ok("units = 4, kernel_constraint = constraint_maxnorm(max_value = 2, axis = 0), "
                     "recurrent_constraint = constraint_unitnorm(axis = 1), "
                     "bias_constraint = constraint_nonneg()", &c));
    CHECK(c.kernel_constraint.kind == GRU_CONSTRAINT_MAX_NORM &&
          c.kernel_constraint.max_value == 2 && c.kernel_constraint.axis == 0);
    CHECK(c.recurrent_constraint.kind == GRU_CONSTRAINT_UNIT_NORM && c.recurrent_constraint.axis == 1);
    CHECK(c.bias_constraint.kind == GRU_CONSTRAINT_NON_NEG);
    CHECK(parse_r_ok("units = 4, kernel_constraint = constraint_minmaxnorm(min_value = 0.5, "
                     "max_value = 1, rate = 0.25, axis = 1), recurrent_constraint = "
                     "constraint_maxnorm()", &c));
    CHECK(c.kernel_constraint.kind == GRU_CONSTRAINT_MIN_MAX_NORM &&
          c.kernel_constraint.min_value == 0.5 && c.kernel_constraint.max_value == 1 &&
          c.kernel_constraint.rate == 0.25 && c.kernel_constraint.axis == 1);
    CHECK(c.recurrent_constraint.max_value == 2 && c.recurrent_constraint.axis == 0);
    CHECK(parse_r_ok("units = 4, kernel_constraint = constraint_minmaxnorm()", &c));
    CHECK(c.kernel_constraint.min_value == 0 && c.kernel_constraint.max_value == 1 &&
          c.kernel_constraint.rate == 1 && c.kernel_constraint.axis == 0);
    CHECK(parse_r_ok("units = 4, kernel_constraint = 'max_norm', recurrent_constraint = "
                     "'non_neg', bias_constraint = 'unit_norm'", &c));
    CHECK(c.kernel_constraint.kind == GRU_CONSTRAINT_MAX_NORM && c.kernel_constraint.max_value == 2);

    /* the rest */
    CHECK(parse_r_ok("units = 4, dropout = 0.2, recurrent_dropout = 1e-1, dtype = \"float64\", "
                     "name = \"gru_1\", trainable = FALSE, seed = 42, implementation = 2", &c));
    CHECK(c.dropout == 0.2 && c.recurrent_dropout == 0.1 && c.dtype == GRU_FLOAT64);
    CHECK(strcmp(c.name, "gru_1") == 0 && !c.trainable && c.seed == 42 && c.implementation == 2);
    CHECK(parse_r_ok("units = 4, dtype = NULL, name = NULL, trainable = NULL, weights = NULL, "
                     "seed = NULL", &c));
    CHECK(c.dtype == GRU_FLOAT32 && c.name[0] == 0 && c.trainable && c.seed == 0);
    CHECK(parse_r_ok("units = 4, name = 'it\\'s \"q\" \\\\ \\n'", &c));
    CHECK(strcmp(c.name, "it's \"q\" \\ \n") == 0);
    CHECK(parse_r_ok("# a comment\nunits = 4, # another\n  dropout = .5\n", &c));
    CHECK(c.dropout == 0.5);
    CHECK(parse_r_ok("`units` = 4, dropout = +0.25", &c));
    CHECK(c.units == 4 && c.dropout == 0.25);
    CHECK(parse_r_ok("units = 4, seed = 9223372036854775807", &c));
    CHECK(c.seed == 9223372036854775807ull);
}

static void test_r_errors(void)
{
    static const struct {
        const char *text;
        int status;
        const char *needle; /* in the message */
    } cases[] = {
        /* syntax: GRU_ERR_FORMAT */
        {"units = ", GRU_ERR_FORMAT, "expected a value at the end"},
        {"units = 4,", GRU_ERR_FORMAT, "expected a value"},
        {"units = 4 dropout = 0", GRU_ERR_FORMAT, "expected ','"},
        {"units = 4, name = \"abc", GRU_ERR_FORMAT, "unterminated string"},
        {"units = 4, input_shape = c(NULL, 8", GRU_ERR_FORMAT, "expected ',' or ')'"},
        {"units = 4, dropout = 1e", GRU_ERR_FORMAT, "malformed number"},
        {"units = 4, dropout = 12abc", GRU_ERR_FORMAT, "malformed number"},
        {"units = 4, dropout = -", GRU_ERR_FORMAT, "expected a value"},
        {"layer_gru(units = 4) extra", GRU_ERR_FORMAT, "after layer_gru"},
        {"units = 4, `dropout = 0", GRU_ERR_FORMAT, "unterminated `name`"},
        {"units = 4, name = @", GRU_ERR_FORMAT, "expected a value"},
        {"units = 4, kernel_initializer = initializer_variance_scaling(mode = fan_in)", GRU_ERR_FORMAT, "variable name"},
        /* values: GRU_ERR_ARG naming the key and the accepted values */
        {"", GRU_ERR_ARG, "units: required"},
        {"dropout = 0.1", GRU_ERR_ARG, "units: required"},
        {"units = 0", GRU_ERR_ARG, "units: expected a positive integer, got 0"},
        {"units = -3", GRU_ERR_ARG, "units: expected a positive integer"},
        {"units = 3.5", GRU_ERR_ARG, "units: expected a positive integer, got a number (3.5)"},
        {"units = '3'", GRU_ERR_ARG, "units: expected a positive integer, got a string"},
        {"units = TRUE", GRU_ERR_ARG, "units: expected a positive integer"},
        {"units = 99999999999999999999", GRU_ERR_ARG, "too large"},
        {"units = 1e300", GRU_ERR_ARG, "units: expected a positive integer"},
        {"units = 4, unitz = 3", GRU_ERR_ARG, "unknown argument \"unitz\"; accepted: object, units"},
        {"units = 4, units = 5", GRU_ERR_ARG, "units: given more than once"},
        {"units = 4, activation = 'foo'", GRU_ERR_ARG, "activation: unknown activation \"foo\"; accepted: tanh"},
        {"units = 4, recurrent_activation = 1", GRU_ERR_ARG, "recurrent_activation: expected an activation name"},
        {"units = 4, activation = tanh", GRU_ERR_ARG, "variable name"},
        {"units = 4, use_bias = 1", GRU_ERR_ARG, "use_bias: expected TRUE or FALSE"},
        {"units = 4, return_sequences = 'TRUE'", GRU_ERR_ARG, "return_sequences: expected TRUE or FALSE"},
        {"units = 4, stateful = TRUE", GRU_ERR_ARG, "stateful: needs a fixed batch size"},
        {"units = 4, stateful = TRUE, input_shape = c(10, 8)", GRU_ERR_ARG, "stateful"},
        {"units = 4, dropout = 2", GRU_ERR_ARG, "dropout: expected a number in [0, 1]"},
        {"units = 4, dropout = 'x'", GRU_ERR_ARG, "dropout: expected a number"},
        {"units = 4, recurrent_dropout = -0.5", GRU_ERR_ARG, "recurrent_dropout"},
        {"units = 4, input_shape = c(8)", GRU_ERR_ARG, "input_shape: expected c(timesteps, input_dim)"},
        {"units = 4, input_shape = 8", GRU_ERR_ARG, "input_shape: expected c(timesteps, input_dim)"},
        {"units = 4, input_shape = c(0, 8)", GRU_ERR_ARG, "input_shape: expected a positive integer or NULL"},
        {"units = 4, input_shape = c(NULL, 'a')", GRU_ERR_ARG, "input_shape"},
        {"units = 4, input_shape = c(a = 1, 8)", GRU_ERR_ARG, "named entries"},
        {"units = 4, batch_input_shape = c(NULL, 8)", GRU_ERR_ARG, "batch_input_shape: expected c(batch_size, timesteps, input_dim)"},
        {"units = 4, batch_input_shape = c(4, 10, 8), batch_size = 5", GRU_ERR_ARG, "batch_size: 5 conflicts with batch_input_shape"},
        {"units = 4, batch_input_shape = c(4, 10, 8), input_shape = c(10, 9)", GRU_ERR_ARG, "input_shape: conflicts with batch_input_shape"},
        {"units = 4, input_shape = c(10, 8), input_dim = 9", GRU_ERR_ARG, "input_dim: 9 conflicts"},
        {"units = 4, input_shape = c(10, 8), input_length = 9", GRU_ERR_ARG, "input_length: 9 conflicts"},
        {"units = 4, batch_size = -1", GRU_ERR_ARG, "batch_size: expected a positive integer or NULL"},
        {"units = 4, batch_size = 2.5", GRU_ERR_ARG, "batch_size"},
        {"units = 4, dtype = 'float16'", GRU_ERR_ARG, "dtype: unsupported dtype \"float16\"; accepted: float32, float64"},
        {"units = 4, dtype = 64", GRU_ERR_ARG, "dtype: expected \"float32\" or \"float64\""},
        {"units = 4, name = 5", GRU_ERR_ARG, "name: expected a string or NULL"},
        {"units = 4, name = 'a\\0b'", GRU_ERR_ARG, "\\0"},
        {"units = 4, name = 'a\\xg'", GRU_ERR_FORMAT, "needs hex digits"},
        {"units = 4, trainable = 'yes'", GRU_ERR_ARG, "trainable: expected TRUE or FALSE"},
        {"units = 4, weights = list(1, 2)", GRU_ERR_ARG, "weights: initial weights cannot be given as text"},
        {"units = 4, seed = -1", GRU_ERR_ARG, "seed: expected NULL or an integer >= 0"},
        {"units = 4, seed = 1.5", GRU_ERR_ARG, "seed"},
        {"units = 4, implementation = 3", GRU_ERR_ARG, "implementation: expected 1 or 2"},
        {"units = 4, kernel_initializer = 'foo'", GRU_ERR_ARG, "kernel_initializer: unknown initializer \"foo\"; accepted: zeros, ones"},
        {"units = 4, kernel_initializer = NULL", GRU_ERR_ARG, "kernel_initializer: expected an initializer"},
        {"units = 4, kernel_initializer = 3", GRU_ERR_ARG, "kernel_initializer: expected an initializer"},
        {"units = 4, kernel_initializer = initializer_foo()", GRU_ERR_ARG, "unknown function initializer_foo(); accepted: c(), list(), initializer_zeros()"},
        {"units = 4, kernel_initializer = initializer_random_normal(sd = 1)", GRU_ERR_ARG, "initializer_random_normal(): unknown argument \"sd\"; accepted: mean, stddev, seed"},
        {"units = 4, kernel_initializer = initializer_random_normal(1, 2, 3, 4)", GRU_ERR_ARG, "initializer_random_normal(): too many arguments (it takes 3)"},
        {"units = 4, kernel_initializer = initializer_random_normal(mean = 1, mean = 2)", GRU_ERR_ARG, "argument mean given more than once"},
        {"units = 4, kernel_initializer = initializer_random_normal(stddev = 0)", GRU_ERR_ARG, "kernel_initializer: random_normal stddev must be a finite number > 0"},
        {"units = 4, kernel_initializer = initializer_random_normal(stddev = 'a')", GRU_ERR_ARG, "kernel_initializer: stddev: expected a number"},
        {"units = 4, kernel_initializer = initializer_random_uniform(1, -1)", GRU_ERR_ARG, "random_uniform needs finite minval <= maxval"},
        {"units = 4, kernel_initializer = initializer_variance_scaling(scale = -1)", GRU_ERR_ARG, "variance_scaling scale must be a finite number > 0"},
        {"units = 4, kernel_initializer = initializer_variance_scaling(mode = 'fan')", GRU_ERR_ARG, "mode: expected \"fan_in\", \"fan_out\" or \"fan_avg\""},
        {"units = 4, kernel_initializer = initializer_variance_scaling(distribution = 'gauss')", GRU_ERR_ARG, "distribution: expected \"truncated_normal\""},
        {"units = 4, kernel_initializer = initializer_orthogonal(gain = 1e999)", GRU_ERR_ARG, "gain must be finite"},
        {"units = 4, kernel_initializer = initializer_glorot_uniform(seed = -4)", GRU_ERR_ARG, "kernel_initializer: seed: expected NULL or an integer >= 0"},
        {"units = 4, kernel_initializer = initializer_zeros(1)", GRU_ERR_ARG, "initializer_zeros(): too many arguments (it takes 0)"},
        {"units = 4, bias_initializer = 'orthogonal'", GRU_ERR_ARG, "bias_initializer: orthogonal needs a 2-D weight"},
        {"units = 4, kernel_initializer = regularizer_l2()", GRU_ERR_ARG, "kernel_initializer: unknown initializer class \"L2\""},
        {"units = 4, kernel_regularizer = 'l3'", GRU_ERR_ARG, "kernel_regularizer: unknown regularizer \"l3\"; accepted: NULL, l1, l2, l1_l2"},
        {"units = 4, kernel_regularizer = 0.01", GRU_ERR_ARG, "kernel_regularizer: expected a regularizer"},
        {"units = 4, kernel_regularizer = regularizer_l2(-1)", GRU_ERR_ARG, "kernel_regularizer: l2 factor must be a finite number >= 0"},
        {"units = 4, kernel_regularizer = regularizer_l1(l1 = 1)", GRU_ERR_ARG, "regularizer_l1(): unknown argument \"l1\"; accepted: l"},
        {"units = 4, kernel_regularizer = constraint_nonneg()", GRU_ERR_ARG, "unknown regularizer class \"NonNeg\""},
        {"units = 4, kernel_constraint = 'minmax'", GRU_ERR_ARG, "kernel_constraint: unknown constraint \"minmax\"; accepted: NULL, max_norm"},
        {"units = 4, kernel_constraint = TRUE", GRU_ERR_ARG, "kernel_constraint: expected a constraint"},
        {"units = 4, kernel_constraint = constraint_maxnorm(max_value = 0)", GRU_ERR_ARG, "max_norm max_value must be a finite number > 0"},
        {"units = 4, kernel_constraint = constraint_maxnorm(axis = 2)", GRU_ERR_ARG, "kernel_constraint: axis: expected 0 or 1, got 2"},
        {"units = 4, kernel_constraint = constraint_unitnorm(axis = 0.5)", GRU_ERR_ARG, "axis: expected 0 or 1"},
        {"units = 4, bias_constraint = constraint_unitnorm(axis = 1)", GRU_ERR_ARG, "bias_constraint: unit_norm axis 1 needs a 2-D weight"},
        {"units = 4, kernel_constraint = constraint_minmaxnorm(min_value = 2, max_value = 1)", GRU_ERR_ARG, "min_max_norm needs finite 0 <= min_value <= max_value"},
        {"units = 4, kernel_constraint = constraint_minmaxnorm(rate = 2)", GRU_ERR_ARG, "min_max_norm rate must be in [0, 1]"},
        {"units = 4, kernel_constraint = constraint_nonneg(axis = 0)", GRU_ERR_ARG, "constraint_nonneg(): unknown argument \"axis\"; accepted: none"},
        {"4, 'tanh', 'sigmoid', TRUE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE, 'zeros', "
         "'zeros', 'zeros', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, "
         "NULL, NULL, NULL, NULL, NULL, 99", GRU_ERR_ARG, "too many positional arguments"},
        {"model, other", GRU_ERR_ARG, "units: expected a value, got the variable name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        parse_r_err(cases[i].text, cases[i].status, cases[i].needle);
    {
        /* deep nesting */
        char deep[2000] = "units = 4, input_shape = ";
        for (int i = 0; i < 200; i++)
            strcat(deep, "c(");
        parse_r_err(deep, GRU_ERR_FORMAT, "nesting too deep");
    }
    {
        char t[300] = "units = 4, name = '";
        memset(t + strlen(t), 'n', 150);
        strcat(t, "'");
        parse_r_err(t, GRU_ERR_ARG, "name: expected at most 127 bytes");
    }
    /* NULL arguments */
    gru_config c;
    CHECK_ERR(gru_config_parse_r(NULL, &c), GRU_ERR_NULL, "text");
    CHECK_ERR(gru_config_parse_r("units = 3", NULL), GRU_ERR_NULL, "cfg");
    CHECK_ERR(gru_config_parse(NULL, &c), GRU_ERR_NULL, "text");
    CHECK_ERR(gru_config_parse("units = 3", NULL), GRU_ERR_NULL, "cfg");
    CHECK_ERR(gru_config_parse_json(NULL, 0, &c), GRU_ERR_NULL, "json");
}

/* ---- printing -------------------------------------------------------------------------- */

static void test_print(void)
{
    gru_config c;
    gru_config_init(&c, 32);
    char buf[4096];
    size_t need = 0;
    CHECK_OK(gru_config_to_r(&c, buf, sizeof buf, &need));
    CHECK(need == strlen(buf));
    const char *want =
        "units = 32, activation = \"tanh\", recurrent_activation = \"hard_sigmoid\", "
        "use_bias = TRUE, return_sequences = FALSE, return_state = FALSE, go_backwards = FALSE, "
        "stateful = FALSE, unroll = FALSE, reset_after = FALSE, kernel_initializer = "
        "\"glorot_uniform\", recurrent_initializer = \"orthogonal\", bias_initializer = \"zeros\", "
        "kernel_regularizer = NULL, recurrent_regularizer = NULL, bias_regularizer = NULL, "
        "activity_regularizer = NULL, kernel_constraint = NULL, recurrent_constraint = NULL, "
        "bias_constraint = NULL, dropout = 0, recurrent_dropout = 0, input_shape = NULL, "
        "batch_size = NULL, dtype = \"float32\", name = NULL, trainable = TRUE, "
        "implementation = 1, seed = 0";
    CHECK_MSG(strcmp(buf, want) == 0, "default R text:\n%s", buf);
    CHECK_OK(gru_config_to_json(&c, buf, sizeof buf, &need));
    CHECK(need == strlen(buf));
    CHECK(strncmp(buf, "{\"class_name\": \"GRU\", \"config\": {\"name\": \"gru\", \"trainable\": true, "
                  "\"dtype\": \"float32\", \"return_sequences\": false", 110) == 0);
    CHECK(strstr(buf, "\"recurrent_activation\": \"hard_sigmoid\"") != NULL);
    CHECK(strstr(buf, "\"kernel_initializer\": {\"module\": \"keras.initializers\", \"class_name\": "
                      "\"GlorotUniform\", \"config\": {\"seed\": null}, \"registered_name\": null}"));
    CHECK(strstr(buf, "\"dropout\": 0.0, \"recurrent_dropout\": 0.0, \"implementation\": 1, "
                      "\"reset_after\": false}}"));
    CHECK(strstr(buf, "batch_input_shape") == NULL && strstr(buf, "\"seed\": 0") == NULL);

    /* buffer contract */
    size_t full = need;
    CHECK_OK(gru_config_to_json(&c, NULL, 0, &need) == GRU_ERR_BUFFER ? GRU_OK : -1);
    CHECK(need == full);
    char small[16];
    strcpy(small, "garbage");
    CHECK_ERR(gru_config_to_json(&c, small, sizeof small, &need), GRU_ERR_BUFFER, "buf: needs");
    CHECK(small[0] == '\0' && need == full);
    char *exact = malloc(full + 1);
    CHECK_OK(gru_config_to_json(&c, exact, full + 1, &need));
    CHECK(exact && strcmp(exact, buf) == 0);
    CHECK_ERR(gru_config_to_json(&c, exact, full, &need), GRU_ERR_BUFFER, "needs");
    CHECK(exact[0] == '\0');
    free(exact);
    CHECK_OK(gru_config_to_r(&c, buf, sizeof buf, NULL)); /* needed may be NULL */
    size_t rfull = strlen(buf);
    CHECK_ERR(gru_config_to_r(&c, buf, rfull, &need), GRU_ERR_BUFFER, "needs");
    CHECK(buf[0] == '\0' && need == rfull);
    CHECK_ERR(gru_config_to_r(NULL, buf, sizeof buf, &need), GRU_ERR_NULL, "cfg");
    CHECK_ERR(gru_config_to_json(NULL, buf, sizeof buf, &need), GRU_ERR_NULL, "cfg");
    CHECK_ERR(gru_config_to_r(&c, NULL, 10, &need), GRU_ERR_NULL, "buf");
    CHECK_ERR(gru_config_to_json(&c, NULL, 10, &need), GRU_ERR_NULL, "buf");

    /* numbers print shortest and exact; names are escaped */
    CHECK(parse_r_ok("units = 3, dropout = 0.1, recurrent_dropout = 0.30000000000000004, "
                     "name = 'a\"b\\\\c\\td', kernel_regularizer = regularizer_l2(1e-7), "
                     "batch_input_shape = c(2, NULL, 5)", &c));
    CHECK_OK(gru_config_to_r(&c, buf, sizeof buf, NULL));
    CHECK(strstr(buf, "dropout = 0.1, recurrent_dropout = 0.30000000000000004"));
    CHECK(strstr(buf, "name = \"a\\\"b\\\\c\\td\""));
    CHECK(strstr(buf, "regularizer_l2(l = 1e-07)"));
    CHECK(strstr(buf, "input_shape = c(NULL, 5), batch_size = 2"));
    CHECK_OK(gru_config_to_json(&c, buf, sizeof buf, NULL));
    CHECK(strstr(buf, "\"name\": \"a\\\"b\\\\c\\td\""));
    CHECK(strstr(buf, "\"batch_input_shape\": [2, null, 5]"));
    CHECK(strstr(buf, "{\"l2\": 1e-07}"));
}

/* Every prefix of a long R text parses or fails cleanly. */
static void test_r_prefixes(void)
{
    const char *text =
        "layer_gru(model, units = 32L, activation = \"tanh\", reset_after = TRUE, "
        "input_shape = c(NULL, 8), kernel_initializer = initializer_random_normal(mean = 0, "
        "stddev = 0.1, seed = 42), kernel_regularizer = regularizer_l1_l2(l1 = 0.01, "
        "l2 = 1e-3), bias_constraint = constraint_minmaxnorm(0, 1, 1, 0), name = 'g\\'1', "
        "dropout = .2)";
    size_t n = strlen(text);
    char *t = malloc(n + 1);
    int crashes_or_writes = 0, ok = 0;
    for (size_t len = 0; len <= n; len++) {
        memcpy(t, text, len);
        t[len] = '\0';
        gru_config c, before;
        memset(&c, 0x7E, sizeof c);
        before = c;
        int rc = gru_config_parse_r(t, &c);
        if (rc == GRU_OK)
            ok++;
        else if (memcmp(&c, &before, sizeof c) != 0 || !gru_errmsg()[0])
            crashes_or_writes++;
    }
    CHECK(crashes_or_writes == 0);
    CHECK(ok >= 1); /* at least the whole text */
    tu_rng r = {99};
    for (int i = 0; i < 3000; i++) {
        memcpy(t, text, n + 1);
        for (int k = 0; k < 3; k++) {
            size_t pos = (size_t)(tu_next(&r) % n);
            t[pos] = (char)(1 + tu_next(&r) % 127);
        }
        gru_config c;
        (void)gru_config_parse_r(t, &c);
    }
    free(t);
}

static void test_round_trips(void)
{
    static const char *const texts[] = {
        "units = 1",
        "units = 32, reset_after = TRUE, recurrent_activation = 'sigmoid', implementation = 2",
        "units = 7, activation = NULL, recurrent_activation = 'hard_sigmoid_keras3', "
        "use_bias = FALSE, return_sequences = TRUE, return_state = TRUE, go_backwards = TRUE, "
        "unroll = TRUE, stateful = TRUE, batch_input_shape = c(3, 11, 5), dtype = 'float64', "
        "name = 'x y\\x01\\x7f', trainable = FALSE, seed = 123456789, dropout = 0.25, "
        "recurrent_dropout = 0.75",
        "units = 5, kernel_initializer = initializer_random_normal(0.5, 0.25, 1), "
        "recurrent_initializer = initializer_identity(3), bias_initializer = initializer_constant(-0.125)",
        "units = 5, kernel_initializer = initializer_truncated_normal(stddev = 3, seed = 0), "
        "recurrent_initializer = initializer_orthogonal(gain = 0.5, seed = 99), "
        "bias_initializer = initializer_random_uniform(-0.5, 0.25)",
        "units = 5, kernel_initializer = initializer_variance_scaling(2, 'fan_avg', "
        "'untruncated_normal', 5), recurrent_initializer = 'he_uniform', "
        "bias_initializer = initializer_lecun_normal(seed = 1)",
        "units = 5, kernel_initializer = initializer_variance_scaling(0.5, 'fan_out', 'uniform'), "
        "recurrent_initializer = 'glorot_normal', bias_initializer = 'ones'",
        "units = 5, kernel_initializer = initializer_he_normal(7), recurrent_initializer = "
        "initializer_lecun_uniform(), bias_initializer = initializer_glorot_uniform(3)",
        "units = 5, kernel_regularizer = regularizer_l1(0.3), recurrent_regularizer = "
        "regularizer_l2(1e-5), bias_regularizer = regularizer_l1_l2(0, 0.5), "
        "activity_regularizer = regularizer_l1_l2()",
        "units = 5, reset_after = TRUE, kernel_constraint = constraint_maxnorm(3, 1), "
        "recurrent_constraint = constraint_nonneg(), bias_constraint = "
        "constraint_minmaxnorm(0.25, 4, 0.5, 1)",
        "units = 5, kernel_constraint = constraint_unitnorm(1), bias_constraint = constraint_unitnorm()",
        "units = 5, input_shape = c(10, NULL)",
        "units = 5, input_shape = c(NULL, 3), batch_size = 8",
        "units = 5, batch_size = 8",
        "units = 5, bias_initializer = 'orthogonal', reset_after = TRUE",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        gru_config c;
        if (parse_r_ok(texts[i], &c)) {
            char what[32];
            snprintf(what, sizeof what, "round trip %zu", i);
            check_round_trip(&c, what);
        }
    }
    /* the defaults and the TF2 preset, built in C */
    gru_config c;
    gru_config_init(&c, 3);
    check_round_trip(&c, "defaults");
    gru_config_init_preset(&c, 3, GRU_PRESET_TF2);
    check_round_trip(&c, "TF2 preset");
}

/* ---- Keras JSON ------------------------------------------------------------------------- */

#ifdef GRU_HAVE_CJSON
static void test_json_fixtures(void)
{
    gru_config c;
    char *t = read_file("tf_keras_gru.json");
    CHECK(t != NULL);
    if (t && gru_config_parse_json(t, 0, &c) == GRU_OK) {
        /* the values tf_keras wrote (see the fixture) */
        CHECK(strcmp(c.name, "my_gru") == 0 && !c.trainable && c.dtype == GRU_FLOAT64);
        CHECK(c.batch_size == 4 && c.timesteps == 10 && c.input_dim == 8);
        CHECK(c.return_sequences && !c.return_state && c.go_backwards && c.stateful && c.unroll);
        CHECK(c.units == 16 && c.activation == GRU_ACT_RELU);
        CHECK(c.recurrent_activation == GRU_ACT_HARD_SIGMOID); /* Keras 2's function */
        CHECK(c.use_bias && !c.reset_after && c.implementation == 1);
        CHECK(c.kernel_initializer.kind == GRU_INIT_RANDOM_NORMAL &&
              c.kernel_initializer.mean == 0.5 && c.kernel_initializer.stddev == 0.25 &&
              c.kernel_initializer.has_seed && c.kernel_initializer.seed == 42);
        CHECK(c.recurrent_initializer.kind == GRU_INIT_ORTHOGONAL &&
              c.recurrent_initializer.gain == 2.0 && c.recurrent_initializer.seed == 7);
        CHECK(c.bias_initializer.kind == GRU_INIT_CONSTANT && c.bias_initializer.value == 0.125);
        CHECK(c.kernel_regularizer.kind == GRU_REG_L1_L2 &&
              c.kernel_regularizer.l1 == 0.009999999776482582 &&
              c.kernel_regularizer.l2 == 0.019999999552965164);
        CHECK(c.recurrent_regularizer.kind == GRU_REG_L2 && c.recurrent_regularizer.l2 == 0.5);
        CHECK(c.bias_regularizer.kind == GRU_REG_L1 && c.bias_regularizer.l1 == 0.25);
        CHECK(c.activity_regularizer.kind == GRU_REG_L2 && c.activity_regularizer.l2 == 0.125);
        CHECK(c.kernel_constraint.kind == GRU_CONSTRAINT_MAX_NORM &&
              c.kernel_constraint.max_value == 3 && c.kernel_constraint.axis == 0);
        CHECK(c.recurrent_constraint.kind == GRU_CONSTRAINT_UNIT_NORM &&
              c.recurrent_constraint.axis == 1);
        CHECK(c.bias_constraint.kind == GRU_CONSTRAINT_MIN_MAX_NORM &&
              c.bias_constraint.min_value == 0.5 && c.bias_constraint.max_value == 1.5 &&
              c.bias_constraint.rate == 0.75 && c.bias_constraint.axis == 0);
        CHECK(c.dropout == 0.25 && c.recurrent_dropout == 0.5);
        check_round_trip(&c, "tf_keras fixture");
        /* through gru_config_parse too */
        gru_config c2;
        CHECK_OK(gru_config_parse(t, &c2));
        CHECK(cfg_diff(&c, &c2) == NULL);
        /* the bare config (the object under "config") parses the same */
        char *inner = strstr(t, "\"config\": {");
        if (inner) {
            inner += strlen("\"config\": ");
            char *end = strrchr(inner, '}');
            *end = '\0';
            CHECK_OK(gru_config_parse_json(inner, 2, &c2));
            CHECK(cfg_diff(&c, &c2) == NULL);
        }
    } else {
        CHECK_MSG(0, "tf_keras fixture: %s", gru_errmsg());
    }
    free(t);

    t = read_file("tf_keras_model.json");
    if (t) {
        CHECK_OK(gru_config_parse_json(t, 0, &c));
        CHECK(c.units == 4 && c.input_dim == 3 && c.timesteps == 5 && c.batch_size == 0);
        CHECK(c.recurrent_activation == GRU_ACT_SIGMOID && c.reset_after &&
              c.implementation == 2 && strcmp(c.name, "gru") == 0);
    }
    free(t);

    t = read_file("keras3_gru_config.json");
    if (t) {
        CHECK_OK(gru_config_parse_json(t, 0, &c)); /* detected as Keras 3 */
        CHECK(c.units == 6 && c.recurrent_activation == GRU_ACT_HARD_SIGMOID_KERAS3);
        CHECK(c.dtype == GRU_FLOAT64 && c.return_state && c.seed == 11 && c.reset_after);
        CHECK(c.kernel_initializer.kind == GRU_INIT_VARIANCE_SCALING &&
              c.kernel_initializer.scale == 2.0 && c.kernel_initializer.mode == GRU_FAN_OUT &&
              c.kernel_initializer.distribution == GRU_DIST_UNIFORM &&
              c.kernel_initializer.seed == 3);
        CHECK(c.kernel_constraint.kind == GRU_CONSTRAINT_NON_NEG);
        CHECK_OK(gru_config_parse_json(t, 3, &c));
        CHECK(c.recurrent_activation == GRU_ACT_HARD_SIGMOID_KERAS3);
        CHECK_OK(gru_config_parse_json(t, 2, &c)); /* forced Keras 2 reading */
        CHECK(c.recurrent_activation == GRU_ACT_HARD_SIGMOID);
        check_round_trip(&c, "keras 3 fixture");
    }
    free(t);

    t = read_file("keras3_model.json");
    if (t) {
        CHECK_OK(gru_config_parse_json(t, 0, &c));
        CHECK(c.units == 4 && c.stateful && c.batch_size == 2 && c.timesteps == 5 &&
              c.input_dim == 3); /* from the layer's build_config */
        CHECK(c.recurrent_activation == GRU_ACT_SIGMOID && c.reset_after);
    }
    free(t);

    t = read_file("keras224_gru_1.json");
    if (t) {
        CHECK_OK(gru_config_parse_json(t, 0, &c));
        CHECK(c.units == 64 && c.recurrent_activation == GRU_ACT_HARD_SIGMOID && !c.reset_after);
        CHECK(c.return_sequences && c.timesteps == 905 && c.input_dim == 1 && c.batch_size == 0);
        CHECK(c.implementation == 1 && strcmp(c.name, "gru_1") == 0);
        CHECK(c.kernel_initializer.kind == GRU_INIT_VARIANCE_SCALING &&
              c.kernel_initializer.mode == GRU_FAN_AVG &&
              c.kernel_initializer.distribution == GRU_DIST_UNIFORM &&
              c.kernel_initializer.scale == 1.0);
        check_round_trip(&c, "keras 2.2.4 layer");
    }
    free(t);
    t = read_file("keras224_model.json");
    if (t)
        parse_json_err(t, 0, GRU_ERR_ARG, "exactly one GRU layer, found 2 (gru_1, gru_2)");
    free(t);
}

static void test_json_forms(void)
{
    gru_config c;
    CHECK_OK(gru_config_parse_json("{\"units\": 3}", 0, &c));
    gru_config d;
    gru_config_init(&d, 3);
    CHECK(cfg_diff(&c, &d) == NULL);
    CHECK_OK(gru_config_parse_json("{\"units\": 3}", 3, &c));
    gru_config_init_preset(&d, 3, GRU_PRESET_TF2);
    CHECK(cfg_diff(&c, &d) == NULL);
    CHECK_OK(gru_config_parse("  \n{\"class_name\": \"GRU\", \"config\": {\"units\": 3.0}}", &c));
    CHECK(c.units == 3);
    /* Keras 2.2.4 style objects, string forms, and objects without config */
    CHECK_OK(gru_config_parse_json(
        "{\"units\": 2, \"kernel_initializer\": \"lecun_uniform\", \"recurrent_initializer\": "
        "{\"class_name\": \"Identity\", \"config\": {\"gain\": 2}}, \"bias_initializer\": "
        "{\"class_name\": \"Ones\"}, \"kernel_regularizer\": {\"class_name\": \"L1L2\", "
        "\"config\": {\"l1\": 0.0, \"l2\": 0.01}}, \"recurrent_regularizer\": \"l1_l2\", "
        "\"bias_regularizer\": {\"class_name\": \"L1L2\", \"config\": {}}, "
        "\"activity_regularizer\": {\"class_name\": \"L1\"}, \"kernel_constraint\": "
        "{\"class_name\": \"MaxNorm\", \"config\": {\"max_value\": 2, \"axis\": [1]}}, "
        "\"recurrent_constraint\": \"unit_norm\", \"bias_constraint\": {\"class_name\": "
        "\"MinMaxNorm\", \"config\": {\"max_value\": 3}}, \"activation\": null, "
        "\"dtype\": null, \"name\": null, \"batch_input_shape\": null, "
        "\"input_shape\": [null, 7], \"time_major\": false, \"zero_output_for_mask\": false, "
        "\"use_cudnn\": \"auto\", \"seed\": null}", 2, &c));
    CHECK(c.kernel_initializer.kind == GRU_INIT_LECUN_UNIFORM);
    CHECK(c.recurrent_initializer.kind == GRU_INIT_IDENTITY && c.recurrent_initializer.gain == 2);
    CHECK(c.bias_initializer.kind == GRU_INIT_ONES);
    CHECK(c.kernel_regularizer.kind == GRU_REG_L1_L2 && c.kernel_regularizer.l1 == 0 &&
          c.kernel_regularizer.l2 == 0.01);
    CHECK(c.recurrent_regularizer.kind == GRU_REG_L1_L2 && c.recurrent_regularizer.l1 == 0.01 &&
          c.recurrent_regularizer.l2 == 0.01);
    CHECK(c.bias_regularizer.kind == GRU_REG_L1_L2 && c.bias_regularizer.l1 == 0 &&
          c.bias_regularizer.l2 == 0);
    CHECK(c.activity_regularizer.kind == GRU_REG_L1 && c.activity_regularizer.l1 == 0.01);
    CHECK(c.kernel_constraint.kind == GRU_CONSTRAINT_MAX_NORM && c.kernel_constraint.axis == 1);
    CHECK(c.recurrent_constraint.kind == GRU_CONSTRAINT_UNIT_NORM && c.recurrent_constraint.axis == 0);
    CHECK(c.bias_constraint.kind == GRU_CONSTRAINT_MIN_MAX_NORM &&
          c.bias_constraint.max_value == 3 && c.bias_constraint.min_value == 0 &&
          c.bias_constraint.rate == 1);
    CHECK(c.activation == GRU_ACT_LINEAR && c.dtype == GRU_FLOAT32 && c.name[0] == 0);
    CHECK(c.input_dim == 7 && c.timesteps == 0);
    /* Keras 3 spellings */
    CHECK_OK(gru_config_parse_json(
        "{\"units\": 2, \"batch_shape\": [5, 6, 7], \"stateful\": true, \"dtype\": "
        "{\"class_name\": \"FloatDTypePolicy\", \"config\": {\"name\": \"float64\"}}, "
        "\"kernel_initializer\": {\"module\": \"keras.initializers\", \"class_name\": "
        "\"GlorotUniform\", \"config\": {\"seed\": 3, \"input_axes\": null, \"output_axes\": "
        "null}, \"registered_name\": null}, \"recurrent_initializer\": {\"class_name\": "
        "\"OrthogonalInitializer\", \"config\": {\"seed\": null, \"gain\": 1.0}, "
        "\"registered_name\": \"OrthogonalInitializer\"}}", 0, &c));
    CHECK(c.batch_size == 5 && c.timesteps == 6 && c.input_dim == 7 && c.dtype == GRU_FLOAT64);
    CHECK(c.kernel_initializer.kind == GRU_INIT_GLOROT_UNIFORM && c.kernel_initializer.seed == 3);
    CHECK(c.recurrent_initializer.kind == GRU_INIT_ORTHOGONAL);
    /* detection of Keras 3 */
    CHECK_OK(gru_config_parse_json("{\"units\": 2, \"recurrent_activation\": \"hard_sigmoid\", "
                                   "\"seed\": null}", 0, &c));
    CHECK(c.recurrent_activation == GRU_ACT_HARD_SIGMOID_KERAS3);
    CHECK_OK(gru_config_parse_json("{\"units\": 2, \"recurrent_activation\": \"hard_sigmoid\", "
                                   "\"seed\": 5, \"implementation\": 1}", 0, &c));
    CHECK(c.recurrent_activation == GRU_ACT_HARD_SIGMOID && c.seed == 5);
    CHECK_OK(gru_config_parse_json("{\"class_name\": \"Sequential\", \"keras_version\": \"3.1.0\", "
                                   "\"config\": {\"layers\": [{\"class_name\": \"GRU\", \"config\": "
                                   "{\"units\": 2, \"recurrent_activation\": \"hard_sigmoid\"}}]}}",
                                   0, &c));
    CHECK(c.recurrent_activation == GRU_ACT_HARD_SIGMOID_KERAS3);
    CHECK_OK(gru_config_parse_json("{\"class_name\": \"Functional\", \"keras_version\": \"2.15.0\", "
                                   "\"config\": {\"layers\": [{\"class_name\": \"InputLayer\", "
                                   "\"config\": {}}, {\"class_name\": \"GRU\", \"name\": \"g\", "
                                   "\"inbound_nodes\": [], \"config\": {\"units\": 2, "
                                   "\"recurrent_activation\": \"hard_sigmoid\"}}]}}", 0, &c));
    CHECK(c.recurrent_activation == GRU_ACT_HARD_SIGMOID);
}

static void test_json_errors(void)
{
    /* malformed / truncated: GRU_ERR_FORMAT */
    parse_json_err("", 0, GRU_ERR_FORMAT, "JSON");
    parse_json_err("{", 0, GRU_ERR_FORMAT, "JSON: malformed or truncated");
    parse_json_err("{\"units\": 3", 0, GRU_ERR_FORMAT, "truncated");
    parse_json_err("{\"units\": 3,}", 0, GRU_ERR_FORMAT, "malformed");
    parse_json_err("{\"units\": 3} trailing", 0, GRU_ERR_FORMAT, "malformed at offset");
    parse_json_err("{'units': 3}", 0, GRU_ERR_FORMAT, "malformed");
    parse_json_err("{\"units\": 0x10}", 0, GRU_ERR_FORMAT, "malformed");
    parse_json_err("[1, 2]", 0, GRU_ERR_FORMAT, "expected an object");
    parse_json_err("\"GRU\"", 0, GRU_ERR_FORMAT, "expected an object");
    parse_json_err("3", 0, GRU_ERR_FORMAT, "expected an object");
    parse_json_err("null", 0, GRU_ERR_FORMAT, "expected an object");
    {
        /* deep nesting: rejected, no crash */
        static char deep[200000];
        strcpy(deep, "{\"units\": 3, \"name\": ");
        size_t n = strlen(deep);
        for (int i = 0; i < 50000; i++)
            deep[n++] = '[';
        deep[n] = '\0';
        parse_json_err(deep, 0, GRU_ERR_FORMAT, "JSON");
        n = strlen("{\"units\": 3, \"name\": ");
        deep[n] = '\0';
        for (int i = 0; i < 100; i++)
            strcat(deep, "[");
        for (int i = 0; i < 100; i++)
            strcat(deep, "]");
        strcat(deep, "}");
        parse_json_err(deep, 0, GRU_ERR_FORMAT, "nesting deeper than");
    }
    parse_json_err("{\"units\": 3}", 1, GRU_ERR_ARG, "keras_major: expected 0 (detect), 2 or 3");
    /* structure */
    parse_json_err("{\"class_name\": \"LSTM\", \"config\": {\"units\": 3}}", 0, GRU_ERR_ARG,
                   "class_name: expected \"GRU\", got \"LSTM\"");
    parse_json_err("{\"class_name\": \"CuDNNGRU\", \"config\": {\"units\": 3}}", 0, GRU_ERR_ARG,
                   "CuDNNGRU");
    parse_json_err("{\"class_name\": 5, \"config\": {\"units\": 3}}", 0, GRU_ERR_ARG,
                   "class_name: expected a string");
    parse_json_err("{\"class_name\": \"GRU\"}", 0, GRU_ERR_ARG, "config: the GRU layer needs");
    parse_json_err("{\"class_name\": \"GRU\", \"config\": [1]}", 0, GRU_ERR_ARG, "config");
    parse_json_err("{\"class_name\": \"GRU\", \"config\": {\"units\": 3}, \"extra\": 1}", 0,
                   GRU_ERR_ARG, "unknown key \"extra\" next to class_name");
    parse_json_err("{\"class_name\": \"Sequential\", \"config\": {\"layers\": []}}", 0,
                   GRU_ERR_ARG, "exactly one GRU layer, found 0");
    parse_json_err("{\"class_name\": \"Sequential\", \"config\": {}}", 0, GRU_ERR_ARG,
                   "config.layers");
    parse_json_err("{}", 0, GRU_ERR_ARG, "units: required");
    parse_json_err("{\"units\": 3, \"foo\": 1}", 0, GRU_ERR_ARG,
                   "unknown key \"foo\"; accepted: name, trainable, dtype");
    parse_json_err("{\"units\": 3, \"units\": 4}", 0, GRU_ERR_ARG, "units: given more than once");
    parse_json_err("{\"units\": 3, \"object\": 4}", 0, GRU_ERR_ARG, "unknown key \"object\"");
    /* wrong types for each key */
    static const struct { const char *kv; const char *needle; } bad[] = {
        {"\"units\": \"3\"", "units: expected a positive integer, got a string"},
        {"\"units\": 3.5", "units: expected a positive integer"},
        {"\"units\": 1e400", "units: expected a positive integer"},
        {"\"units\": 1e30", "units: expected a positive integer"},
        {"\"units\": -1", "units: expected a positive integer, got -1"},
        {"\"units\": null", "units: expected a positive integer, got NULL"},
        {"\"activation\": 1", "activation: expected an activation name"},
        {"\"activation\": \"softmax\"", "activation: unknown activation \"softmax\""},
        {"\"recurrent_activation\": [\"tanh\"]", "recurrent_activation: expected an activation"},
        {"\"use_bias\": 1", "use_bias: expected TRUE or FALSE"},
        {"\"return_sequences\": \"false\"", "return_sequences: expected TRUE or FALSE"},
        {"\"return_state\": null", "return_state"},
        {"\"go_backwards\": 0", "go_backwards"},
        {"\"stateful\": []", "stateful"},
        {"\"unroll\": {}", "unroll"},
        {"\"reset_after\": \"yes\"", "reset_after"},
        {"\"trainable\": 1", "trainable"},
        {"\"time_major\": true", "time_major: only false is supported"},
        {"\"time_major\": 0", "time_major: expected TRUE or FALSE"},
        {"\"zero_output_for_mask\": 1", "zero_output_for_mask: expected TRUE or FALSE"},
        {"\"use_cudnn\": \"yes\"", "use_cudnn: expected \"auto\", true or false"},
        {"\"kernel_initializer\": null", "kernel_initializer: expected an initializer"},
        {"\"kernel_initializer\": 3", "kernel_initializer: expected an initializer"},
        {"\"kernel_initializer\": {\"config\": {}}", "kernel_initializer: object without \"class_name\""},
        {"\"kernel_initializer\": {\"class_name\": \"Foo\"}", "unknown initializer class \"Foo\""},
        {"\"kernel_initializer\": {\"class_name\": \"Zeros\", \"config\": 3}", "kernel_initializer: config: expected an object"},
        {"\"kernel_initializer\": {\"class_name\": \"Zeros\", \"extra\": 3}", "kernel_initializer: unknown key \"extra\"; accepted: class_name"},
        {"\"kernel_initializer\": {\"class_name\": \"Zeros\", \"module\": 3}", "module: expected a string"},
        {"\"kernel_initializer\": {\"class_name\": \"Zeros\", \"registered_name\": \"my>Init\"}", "custom object"},
        {"\"kernel_initializer\": {\"class_name\": \"Zeros\", \"registered_name\": 1}", "registered_name: expected a string or null"},
        {"\"kernel_initializer\": {\"class_name\": \"GlorotUniform\", \"config\": {\"gain\": 1}}", "unknown key \"gain\" in GlorotUniform; accepted: seed"},
        {"\"kernel_initializer\": {\"class_name\": \"GlorotUniform\", \"config\": {\"input_axes\": [0]}}", "input_axes: only null"},
        {"\"kernel_initializer\": {\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": \"1\"}}", "kernel_initializer: seed: expected NULL or an integer >= 0"},
        {"\"kernel_initializer\": {\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": 1e300}}", "seed"},
        {"\"kernel_initializer\": {\"class_name\": \"RandomNormal\", \"config\": {\"stddev\": \"x\"}}", "kernel_initializer: stddev: expected a number"},
        {"\"kernel_initializer\": {\"class_name\": \"RandomNormal\", \"config\": {\"stddev\": -1}}", "stddev must be a finite number > 0"},
        {"\"kernel_initializer\": {\"class_name\": \"RandomNormal\", \"config\": {\"stddev\": 1e999}}", "stddev must be a finite number > 0"},
        {"\"kernel_initializer\": {\"class_name\": \"Constant\", \"config\": {\"value\": [1, 2]}}", "kernel_initializer: value: expected a number"},
        {"\"kernel_initializer\": {\"class_name\": \"VarianceScaling\", \"config\": {\"mode\": 1}}", "mode: expected"},
        {"\"kernel_initializer\": {\"class_name\": \"VarianceScaling\", \"config\": {\"distribution\": null}}", "distribution: expected"},
        {"\"kernel_initializer\": {\"class_name\": \"Ones\", \"config\": {\"value\": 1}}", "accepted: no keys"},
        {"\"bias_initializer\": {\"class_name\": \"Identity\", \"config\": {}}", "bias_initializer: identity needs a 2-D weight"},
        {"\"kernel_regularizer\": 0.1", "kernel_regularizer: expected a regularizer"},
        {"\"kernel_regularizer\": {\"class_name\": \"L3\"}", "unknown regularizer class \"L3\""},
        {"\"kernel_regularizer\": {\"class_name\": \"L2\", \"config\": {\"l1\": 0.1}}", "unknown key \"l1\" in L2; accepted: l2"},
        {"\"kernel_regularizer\": {\"class_name\": \"L1\", \"config\": {\"l1\": \"0.1\"}}", "kernel_regularizer: l1: expected a number"},
        {"\"kernel_regularizer\": {\"class_name\": \"L1L2\", \"config\": {\"l1\": -1}}", "l1 factor must be a finite number >= 0"},
        {"\"kernel_constraint\": 1", "kernel_constraint: expected a constraint"},
        {"\"kernel_constraint\": \"clip\"", "unknown constraint \"clip\""},
        {"\"kernel_constraint\": {\"class_name\": \"Clip\"}", "unknown constraint class \"Clip\""},
        {"\"kernel_constraint\": {\"class_name\": \"MaxNorm\", \"config\": {\"axis\": [0, 1]}}", "axis: expected 0 or 1"},
        {"\"kernel_constraint\": {\"class_name\": \"MaxNorm\", \"config\": {\"axis\": -1}}", "axis: expected 0 or 1, got -1"},
        {"\"kernel_constraint\": {\"class_name\": \"MaxNorm\", \"config\": {\"rate\": 1}}", "unknown key \"rate\" in MaxNorm"},
        {"\"kernel_constraint\": {\"class_name\": \"NonNeg\", \"config\": {\"axis\": 0}}", "accepted: no keys"},
        {"\"kernel_constraint\": {\"class_name\": \"MinMaxNorm\", \"config\": {\"rate\": 5}}", "rate must be in [0, 1]"},
        {"\"dropout\": \"0.1\"", "dropout: expected a number"},
        {"\"dropout\": 1.1", "dropout: expected a number in [0, 1]"},
        {"\"recurrent_dropout\": null", "recurrent_dropout: expected a number"},
        {"\"batch_input_shape\": [null, 8]", "batch_input_shape: expected [batch_size, timesteps, input_dim]"},
        {"\"batch_input_shape\": \"(4, 5, 6)\"", "batch_input_shape: expected"},
        {"\"batch_input_shape\": [4, 5, 0]", "positive integer or NULL"},
        {"\"batch_input_shape\": [4, 5, 6.5]", "batch_input_shape"},
        {"\"batch_input_shape\": [4, 5, 6], \"batch_shape\": [4, 5, 6]", "given together"},
        {"\"batch_shape\": [4, 5, 6], \"batch_input_shape\": [4, 5, 6]", "given together"},
        {"\"input_shape\": [4, 5, 6]", "input_shape: expected [timesteps, input_dim]"},
        {"\"batch_size\": \"4\"", "batch_size: expected a positive integer or NULL"},
        {"\"batch_size\": 4, \"batch_input_shape\": [3, 5, 6]", "batch_size: 4 conflicts"},
        {"\"input_dim\": 0", "input_dim: expected a positive integer or NULL"},
        {"\"input_length\": -4", "input_length"},
        {"\"dtype\": \"int32\"", "dtype: unsupported dtype \"int32\"; accepted: float32, float64"},
        {"\"dtype\": \"mixed_float16\"", "dtype: unsupported dtype \"mixed_float16\""},
        {"\"dtype\": 32", "dtype: expected \"float32\" or \"float64\""},
        {"\"dtype\": {\"class_name\": \"DTypePolicy\", \"config\": {\"name\": \"mixed_bfloat16\"}}", "unsupported dtype \"mixed_bfloat16\""},
        {"\"dtype\": {\"class_name\": \"QuantizedDTypePolicy\", \"config\": {\"name\": \"int8\"}}", "unsupported dtype policy class"},
        {"\"dtype\": {\"class_name\": \"DTypePolicy\", \"config\": {}}", "config without \"name\""},
        {"\"dtype\": {\"class_name\": \"DTypePolicy\", \"config\": {\"name\": \"float32\", \"x\": 1}}", "unknown key \"x\""},
        {"\"name\": 5", "name: expected a string or NULL"},
        {"\"name\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"", "name: expected at most 127 bytes"},
        {"\"implementation\": 0", "implementation: expected 1 or 2, got 0"},
        {"\"implementation\": \"2\"", "implementation: expected 1 or 2"},
        {"\"seed\": -1", "seed: expected NULL or an integer >= 0"},
        {"\"seed\": 1.5", "seed"},
        {"\"stateful\": true", "stateful: needs a fixed batch size"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char t[1024];
        if (strncmp(bad[i].kv, "\"units\"", 7) == 0)
            snprintf(t, sizeof t, "{\"class_name\": \"GRU\", \"config\": {%s}}", bad[i].kv);
        else
            snprintf(t, sizeof t, "{\"class_name\": \"GRU\", \"config\": {\"units\": 3, %s}}",
                     bad[i].kv);
        parse_json_err(t, 2, GRU_ERR_ARG, bad[i].needle);
    }
}
/* Every prefix of real Keras JSON fails cleanly (never crashes, never writes cfg); a few
 * byte flips do not crash either. */
static void test_json_prefixes(void)
{
    static const char *const files[] = {"tf_keras_gru.json", "keras3_model.json",
                                        "keras224_model.json"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char *t = read_file(files[f]);
        if (!t)
            continue;
        size_t n = strlen(t);
        while (n && (t[n - 1] == '\n' || t[n - 1] == ' '))
            n--;
        int bad = 0;
        for (size_t len = 0; len < n; len++) {
            char save = t[len];
            t[len] = '\0';
            gru_config c, before;
            memset(&c, 0x3C, sizeof c);
            before = c;
            int rc = gru_config_parse(t, &c);
            if (rc == GRU_OK || memcmp(&c, &before, sizeof c) != 0 || !gru_errmsg()[0])
                bad++;
            t[len] = save;
        }
        CHECK_MSG(bad == 0, "%s: %d prefixes did not fail cleanly", files[f], bad);
        tu_rng r = {1234 + f};
        for (int i = 0; i < 2000; i++) {
            size_t pos = (size_t)(tu_next(&r) % n);
            char save = t[pos];
            t[pos] = (char)(tu_next(&r) & 0x7f);
            if (t[pos] == 0)
                t[pos] = '{';
            gru_config c;
            (void)gru_config_parse(t, &c); /* any status; ASan/UBSan watch */
            t[pos] = save;
        }
        free(t);
    }
}

#else
static void test_no_json(void)
{
    gru_config c;
    CHECK_ERR(gru_config_parse_json("{\"units\": 3}", 0, &c), GRU_ERR_UNSUPPORTED, "cJSON");
    CHECK_ERR(gru_config_parse("{\"units\": 3}", &c), GRU_ERR_UNSUPPORTED, "cJSON");
}
#endif

int main(void)
{
    test_defaults();
    test_names();
    test_validate();
    test_r_forms();
    test_r_errors();
    test_print();
    test_r_prefixes();
    test_round_trips();
#ifdef GRU_HAVE_CJSON
    test_json_fixtures();
    test_json_forms();
    test_json_errors();
    test_json_prefixes();
#else
    test_no_json();
#endif
    return tu_finish("test_config");
}
