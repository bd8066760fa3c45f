/* Configurations as text: the R argument form of layer_gru() and Keras layer-config
 * JSON, read into a gru_config, and a gru_config printed back in both forms.
 *
 * Both readers first build one small value tree (gv: null, boolean, number, string,
 * list, object), then one interpreter maps its keys onto the configuration:
 *   R:    initializer_random_normal(stddev = 0.1)  ->  {"class_name": "RandomNormal",
 *                                                       "config": {"stddev": 0.1}}
 *         c(NULL, 8)                              ->  [null, 8]
 *   JSON: cJSON's tree, copied (only when built with cJSON: GRU_HAVE_CJSON).
 * The printers need no library. */
#include "gru_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef GRU_HAVE_CJSON
#include <cjson/cJSON.h>
#endif

/* config.c: the accepted activation names, for messages. */
const char *gru__activation_list(void);

#define MAX_DEPTH 64 /* nesting of the value tree (lists in calls in lists ...) */

/* ------------------------------------------------------------------------------ */
/* Arena: every allocation of one parse, freed together                             */
/* ------------------------------------------------------------------------------ */

typedef struct arena_blk {
    struct arena_blk *next;
} arena_blk;

typedef struct arena {
    arena_blk *head;
} arena;

static void *arena_alloc(arena *a, size_t n)
{
    const size_t hdr = sizeof(max_align_t);
    if (n > SIZE_MAX - hdr)
        return NULL;
    arena_blk *b = calloc(1, hdr + n);
    if (!b)
        return NULL;
    b->next = a->head;
    a->head = b;
    return (char *)b + hdr;
}

static void arena_free(arena *a)
{
    while (a->head) {
        arena_blk *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

static char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* ------------------------------------------------------------------------------ */
/* The value tree                                                                   */
/* ------------------------------------------------------------------------------ */

typedef enum gv_kind { GV_NULL, GV_BOOL, GV_NUM, GV_STR, GV_ARR, GV_OBJ } gv_kind;

typedef struct gv {
    gv_kind kind;
    bool b;              /* GV_BOOL */
    double num;          /* GV_NUM */
    const char *numtext; /* GV_NUM from R: the literal as written (exact integers) */
    const char *str;     /* GV_STR (NUL-terminated) */
    int n;               /* GV_ARR, GV_OBJ: number of items */
    struct gv **items;   /* (n) */
    const char **keys;   /* (n), GV_OBJ only */
} gv;

static gv *gv_new(arena *a, gv_kind kind)
{
    gv *v = arena_alloc(a, sizeof *v);
    if (v)
        v->kind = kind;
    return v;
}

/* Append (key, item) to an array/object; false on OOM. */
static bool gv_push(arena *a, gv *parent, const char *key, gv *item)
{
    int n = parent->n;
    if ((n & (n - 1)) == 0) { /* grow at 0, 1, 2, 4, 8, ... */
        int cap = n ? 2 * n : 1;
        gv **items = arena_alloc(a, (size_t)cap * sizeof *items);
        const char **keys = arena_alloc(a, (size_t)cap * sizeof *keys);
        if (!items || !keys)
            return false;
        if (n) {
            memcpy(items, parent->items, (size_t)n * sizeof *items);
            memcpy(keys, parent->keys, (size_t)n * sizeof *keys);
        }
        parent->items = items;
        parent->keys = keys;
    }
    parent->items[n] = item;
    parent->keys[n] = key;
    parent->n = n + 1;
    return true;
}

static const gv *gv_get(const gv *obj, const char *key)
{
    if (!obj || obj->kind != GV_OBJ)
        return NULL;
    for (int i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

/* A short description of a value for messages: "a string (\"abc\")". */
static const char *gv_desc(const gv *v, char *buf, size_t cap)
{
    switch (v->kind) {
    case GV_NULL: snprintf(buf, cap, "NULL/null"); break;
    case GV_BOOL: snprintf(buf, cap, "a boolean (%s)", v->b ? "TRUE" : "FALSE"); break;
    case GV_NUM: snprintf(buf, cap, "a number (%g)", v->num); break;
    case GV_STR: snprintf(buf, cap, "a string (\"%.40s\")", v->str); break;
    case GV_ARR: snprintf(buf, cap, "a list of %d values", v->n); break;
    case GV_OBJ: {
        const gv *cn = gv_get(v, "class_name");
        if (cn && cn->kind == GV_STR)
            snprintf(buf, cap, "an object of class \"%.40s\"", cn->str);
        else
            snprintf(buf, cap, "an object");
        break;
    }
    }
    return buf;
}

#define DESC(v) gv_desc((v), descbuf, sizeof descbuf)

/* ------------------------------------------------------------------------------ */
/* Scalar access with messages naming the field                                     */
/* ------------------------------------------------------------------------------ */

static int want_bool(const char *field, const gv *v, bool *out)
{
    char descbuf[96];
    if (v->kind != GV_BOOL)
        return gru__error(GRU_ERR_ARG, "%s: expected TRUE or FALSE, got %s", field, DESC(v));
    *out = v->b;
    return GRU_OK;
}

static int want_num(const char *field, const gv *v, double *out)
{
    char descbuf[96];
    if (v->kind != GV_NUM)
        return gru__error(GRU_ERR_ARG, "%s: expected a number, got %s", field, DESC(v));
    *out = v->num;
    return GRU_OK;
}

/* An integer in [lo, hi]. R literals are read exactly from their text (32, 32L, 1e3);
 * JSON numbers must be integral doubles of magnitude <= 2^53. */
static int want_int(const char *field, const gv *v, int64_t lo, int64_t hi, const char *what,
                    int64_t *out)
{
    char descbuf[96];
    if (v->kind != GV_NUM)
        return gru__error(GRU_ERR_ARG, "%s: expected %s, got %s", field, what, DESC(v));
    double d = v->num;
    int64_t i;
    const char *t = v->numtext;
    bool digits = t && *t;
    for (const char *p = t; digits && *p && *p != 'L'; p++)
        if ((*p < '0' || *p > '9') && !(p == t && (*p == '-' || *p == '+')))
            digits = false;
    if (digits) {
        /* exact: accumulate with overflow checks */
        const char *p = t;
        bool neg = false;
        if (*p == '-' || *p == '+')
            neg = (*p++ == '-');
        uint64_t acc = 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            unsigned dgt = (unsigned)(*p - '0');
            if (acc > (UINT64_MAX - dgt) / 10)
                return gru__error(GRU_ERR_ARG, "%s: expected %s, got %s (too large)", field,
                                  what, t);
            acc = acc * 10 + dgt;
        }
        if (acc > (uint64_t)INT64_MAX)
            return gru__error(GRU_ERR_ARG, "%s: expected %s, got %s (too large)", field, what,
                              t);
        i = neg ? -(int64_t)acc : (int64_t)acc;
    } else {
        if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740992.0)
            return gru__error(GRU_ERR_ARG, "%s: expected %s, got %s", field, what, DESC(v));
        i = (int64_t)d;
    }
    if (i < lo || i > hi)
        return gru__error(GRU_ERR_ARG, "%s: expected %s, got %lld", field, what,
                          (long long)i);
    *out = i;
    return GRU_OK;
}

/* seed: NULL/null (none) or an integer >= 0. */
static int want_seed(const char *field, const gv *v, bool *has, uint64_t *seed)
{
    if (v->kind == GV_NULL) {
        *has = false;
        *seed = 0;
        return GRU_OK;
    }
    int64_t s;
    int rc = want_int(field, v, 0, INT64_MAX, "NULL or an integer >= 0", &s);
    if (rc)
        return rc;
    *has = true;
    *seed = (uint64_t)s;
    return GRU_OK;
}

/* ------------------------------------------------------------------------------ */
/* Name tables                                                                      */
/* ------------------------------------------------------------------------------ */

typedef struct name_map {
    const char *name;
    int value;
} name_map;

/* Initializer names: Keras snake_case names, their aliases and the class names of
 * tf.keras / Keras 3 / Keras 2.2.4 serialization. */
static const name_map init_names[] = {
    {"zeros", GRU_INIT_ZEROS}, {"zero", GRU_INIT_ZEROS}, {"Zeros", GRU_INIT_ZEROS},
    {"ones", GRU_INIT_ONES}, {"one", GRU_INIT_ONES}, {"Ones", GRU_INIT_ONES},
    {"constant", GRU_INIT_CONSTANT}, {"Constant", GRU_INIT_CONSTANT},
    {"random_normal", GRU_INIT_RANDOM_NORMAL}, {"normal", GRU_INIT_RANDOM_NORMAL},
    {"RandomNormal", GRU_INIT_RANDOM_NORMAL},
    {"random_uniform", GRU_INIT_RANDOM_UNIFORM}, {"uniform", GRU_INIT_RANDOM_UNIFORM},
    {"RandomUniform", GRU_INIT_RANDOM_UNIFORM},
    {"truncated_normal", GRU_INIT_TRUNCATED_NORMAL},
    {"TruncatedNormal", GRU_INIT_TRUNCATED_NORMAL},
    {"variance_scaling", GRU_INIT_VARIANCE_SCALING},
    {"VarianceScaling", GRU_INIT_VARIANCE_SCALING},
    {"glorot_uniform", GRU_INIT_GLOROT_UNIFORM}, {"GlorotUniform", GRU_INIT_GLOROT_UNIFORM},
    {"glorot_normal", GRU_INIT_GLOROT_NORMAL}, {"GlorotNormal", GRU_INIT_GLOROT_NORMAL},
    {"he_normal", GRU_INIT_HE_NORMAL}, {"HeNormal", GRU_INIT_HE_NORMAL},
    {"he_uniform", GRU_INIT_HE_UNIFORM}, {"HeUniform", GRU_INIT_HE_UNIFORM},
    {"lecun_normal", GRU_INIT_LECUN_NORMAL}, {"LecunNormal", GRU_INIT_LECUN_NORMAL},
    {"lecun_uniform", GRU_INIT_LECUN_UNIFORM}, {"LecunUniform", GRU_INIT_LECUN_UNIFORM},
    {"identity", GRU_INIT_IDENTITY}, {"Identity", GRU_INIT_IDENTITY},
    {"IdentityInitializer", GRU_INIT_IDENTITY},
    {"orthogonal", GRU_INIT_ORTHOGONAL}, {"Orthogonal", GRU_INIT_ORTHOGONAL},
    {"OrthogonalInitializer", GRU_INIT_ORTHOGONAL},
    {NULL, 0}};

/* tf.keras class names, used by the JSON printer. */
static const char *const init_class[GRU_INIT_COUNT] = {
    [GRU_INIT_ZEROS] = "Zeros",
    [GRU_INIT_ONES] = "Ones",
    [GRU_INIT_CONSTANT] = "Constant",
    [GRU_INIT_RANDOM_NORMAL] = "RandomNormal",
    [GRU_INIT_RANDOM_UNIFORM] = "RandomUniform",
    [GRU_INIT_TRUNCATED_NORMAL] = "TruncatedNormal",
    [GRU_INIT_VARIANCE_SCALING] = "VarianceScaling",
    [GRU_INIT_GLOROT_UNIFORM] = "GlorotUniform",
    [GRU_INIT_GLOROT_NORMAL] = "GlorotNormal",
    [GRU_INIT_HE_NORMAL] = "HeNormal",
    [GRU_INIT_HE_UNIFORM] = "HeUniform",
    [GRU_INIT_LECUN_NORMAL] = "LecunNormal",
    [GRU_INIT_LECUN_UNIFORM] = "LecunUniform",
    [GRU_INIT_IDENTITY] = "Identity",
    [GRU_INIT_ORTHOGONAL] = "Orthogonal",
};

static const name_map reg_names[] = {
    {"l1", GRU_REG_L1}, {"L1", GRU_REG_L1},
    {"l2", GRU_REG_L2}, {"L2", GRU_REG_L2},
    {"l1_l2", GRU_REG_L1_L2}, {"L1L2", GRU_REG_L1_L2}, {"L1_L2", GRU_REG_L1_L2},
    {NULL, 0}};

static const name_map constraint_names[] = {
    {"max_norm", GRU_CONSTRAINT_MAX_NORM}, {"maxnorm", GRU_CONSTRAINT_MAX_NORM},
    {"MaxNorm", GRU_CONSTRAINT_MAX_NORM},
    {"non_neg", GRU_CONSTRAINT_NON_NEG}, {"nonneg", GRU_CONSTRAINT_NON_NEG},
    {"NonNeg", GRU_CONSTRAINT_NON_NEG},
    {"unit_norm", GRU_CONSTRAINT_UNIT_NORM}, {"unitnorm", GRU_CONSTRAINT_UNIT_NORM},
    {"UnitNorm", GRU_CONSTRAINT_UNIT_NORM},
    {"min_max_norm", GRU_CONSTRAINT_MIN_MAX_NORM},
    {"minmaxnorm", GRU_CONSTRAINT_MIN_MAX_NORM},
    {"MinMaxNorm", GRU_CONSTRAINT_MIN_MAX_NORM},
    {NULL, 0}};

static bool lookup(const name_map *m, const char *name, int *out)
{
    for (; m->name; m++) {
        if (strcmp(m->name, name) == 0) {
            *out = m->value;
            return true;
        }
    }
    return false;
}

#define INIT_ACCEPTED                                                                  \
    "zeros, ones, constant, random_normal, random_uniform, truncated_normal, "         \
    "variance_scaling, glorot_uniform, glorot_normal, he_normal, he_uniform, "         \
    "lecun_normal, lecun_uniform, identity, orthogonal (or their Keras class names, "  \
    "e.g. GlorotUniform, or the R initializer_*() functions)"
#define REG_ACCEPTED "NULL, l1, l2, l1_l2 (regularizer_l1(), regularizer_l2(), "         \
                     "regularizer_l1_l2(); classes L1, L2, L1L2)"
#define CONSTRAINT_ACCEPTED                                                            \
    "NULL, max_norm, non_neg, unit_norm, min_max_norm (constraint_maxnorm(), "          \
    "constraint_nonneg(), constraint_unitnorm(), constraint_minmaxnorm(); classes "     \
    "MaxNorm, NonNeg, UnitNorm, MinMaxNorm)"

/* ------------------------------------------------------------------------------ */
/* Keras serialized objects: {"class_name": ..., "config": {...}, "module": ...}    */
/* ------------------------------------------------------------------------------ */

/* Split a serialized object into its class name and config (NULL when absent); the
 * wrapper keys Keras writes besides them are checked. */
static int object_parts(const char *field, const gv *v, const char **cls, const gv **config)
{
    char descbuf[96];
    *cls = NULL;
    *config = NULL;
    for (int i = 0; i < v->n; i++) {
        const char *k = v->keys[i];
        const gv *item = v->items[i];
        if (strcmp(k, "class_name") == 0) {
            if (item->kind != GV_STR)
                return gru__error(GRU_ERR_ARG, "%s: class_name: expected a string, got %s",
                                  field, DESC(item));
            *cls = item->str;
        } else if (strcmp(k, "config") == 0) {
            if (item->kind != GV_OBJ && item->kind != GV_NULL)
                return gru__error(GRU_ERR_ARG, "%s: config: expected an object, got %s",
                                  field, DESC(item));
            if (item->kind == GV_OBJ)
                *config = item;
        } else if (strcmp(k, "module") == 0) {
            if (item->kind != GV_STR && item->kind != GV_NULL)
                return gru__error(GRU_ERR_ARG, "%s: module: expected a string, got %s",
                                  field, DESC(item));
        } else if (strcmp(k, "registered_name") == 0) {
            /* Keras writes null for its built-in objects; another name is a custom one */
            const gv *cn = gv_get(v, "class_name");
            if (item->kind != GV_STR && item->kind != GV_NULL)
                return gru__error(GRU_ERR_ARG,
                                  "%s: registered_name: expected a string or null, got %s",
                                  field, DESC(item));
            if (item->kind == GV_STR &&
                !(cn && cn->kind == GV_STR && strcmp(cn->str, item->str) == 0))
                return gru__error(GRU_ERR_ARG,
                                  "%s: registered_name \"%.60s\" is a custom object; only "
                                  "Keras's built-in objects are supported", field, item->str);
        } else if (strcmp(k, "shared_object_id") == 0) {
            /* tf.keras marks objects shared between layers; nothing to do */
        } else {
            return gru__error(GRU_ERR_ARG,
                              "%s: unknown key \"%.60s\"; accepted: class_name, config, "
                              "module, registered_name", field, k);
        }
    }
    if (!*cls)
        return gru__error(GRU_ERR_ARG, "%s: object without \"class_name\"", field);
    return GRU_OK;
}

/* Check that every key of config is in the NULL-terminated list `allowed`. Keys in
 * `null_only` are accepted when their value is null (Keras 3's input_axes/output_axes). */
static int check_keys(const char *field, const char *cls, const gv *config,
                      const char *const *allowed, const char *accepted_text)
{
    static const char *const null_only[] = {"input_axes", "output_axes", NULL};
    if (!config)
        return GRU_OK;
    for (int i = 0; i < config->n; i++) {
        const char *k = config->keys[i];
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, k) == 0;
        for (const char *const *a = null_only; *a && !ok; a++)
            if (strcmp(*a, k) == 0) {
                if (config->items[i]->kind != GV_NULL)
                    return gru__error(GRU_ERR_ARG,
                                      "%s: %s %s: only null (the default) is supported",
                                      field, cls, k);
                ok = true;
            }
        if (!ok)
            return gru__error(GRU_ERR_ARG, "%s: unknown key \"%.60s\" in %s; accepted: %s",
                              field, k, cls, accepted_text);
    }
    return GRU_OK;
}

/* Optional number `key` of config into *out (left as is when absent). */
static int opt_num(const char *field, const gv *config, const char *key, double *out)
{
    const gv *v = gv_get(config, key);
    if (!v)
        return GRU_OK;
    char sub[96];
    snprintf(sub, sizeof sub, "%s: %s", field, key);
    return want_num(sub, v, out);
}

static int opt_axis(const char *field, const gv *config, int *axis)
{
    const gv *v = gv_get(config, "axis");
    if (!v)
        return GRU_OK;
    char sub[96];
    snprintf(sub, sizeof sub, "%s: axis", field);
    if (v->kind == GV_ARR && v->n == 1) /* Keras also takes a list of axes */
        v = v->items[0];
    int64_t a;
    int rc = want_int(sub, v, 0, 1, "0 or 1", &a);
    if (rc)
        return rc;
    *axis = (int)a;
    return GRU_OK;
}

static int parse_initializer(const char *field, const gv *v, gru_initializer *out)
{
    char descbuf[96];
    int kind;
    if (v->kind == GV_STR) {
        if (!lookup(init_names, v->str, &kind))
            return gru__error(GRU_ERR_ARG, "%s: unknown initializer \"%.60s\"; accepted: %s",
                              field, v->str, INIT_ACCEPTED);
        *out = gru_initializer_default((gru_init_kind)kind);
        return GRU_OK;
    }
    if (v->kind != GV_OBJ)
        return gru__error(GRU_ERR_ARG, "%s: expected an initializer (%s), got %s", field,
                          INIT_ACCEPTED, DESC(v));
    const char *cls;
    const gv *config;
    int rc = object_parts(field, v, &cls, &config);
    if (rc)
        return rc;
    if (!lookup(init_names, cls, &kind))
        return gru__error(GRU_ERR_ARG, "%s: unknown initializer class \"%.60s\"; accepted: %s",
                          field, cls, INIT_ACCEPTED);
    gru_initializer in = gru_initializer_default((gru_init_kind)kind);
    static const char *const k_none[] = {NULL};
    static const char *const k_const[] = {"value", NULL};
    static const char *const k_normal[] = {"mean", "stddev", "seed", NULL};
    static const char *const k_uniform[] = {"minval", "maxval", "seed", NULL};
    static const char *const k_vs[] = {"scale", "mode", "distribution", "seed", NULL};
    static const char *const k_seed[] = {"seed", NULL};
    static const char *const k_ident[] = {"gain", NULL};
    static const char *const k_orth[] = {"gain", "seed", NULL};
    const char *const *allowed;
    const char *text;
    switch (in.kind) {
    case GRU_INIT_ZEROS:
    case GRU_INIT_ONES: allowed = k_none, text = "no keys"; break;
    case GRU_INIT_CONSTANT: allowed = k_const, text = "value"; break;
    case GRU_INIT_RANDOM_NORMAL:
    case GRU_INIT_TRUNCATED_NORMAL: allowed = k_normal, text = "mean, stddev, seed"; break;
    case GRU_INIT_RANDOM_UNIFORM: allowed = k_uniform, text = "minval, maxval, seed"; break;
    case GRU_INIT_VARIANCE_SCALING:
        allowed = k_vs, text = "scale, mode, distribution, seed";
        break;
    case GRU_INIT_IDENTITY: allowed = k_ident, text = "gain"; break;
    case GRU_INIT_ORTHOGONAL: allowed = k_orth, text = "gain, seed"; break;
    default: allowed = k_seed, text = "seed"; break;
    }
    if ((rc = check_keys(field, cls, config, allowed, text)))
        return rc;
    if ((rc = opt_num(field, config, "value", &in.value)) ||
        (rc = opt_num(field, config, "mean", &in.mean)) ||
        (rc = opt_num(field, config, "stddev", &in.stddev)) ||
        (rc = opt_num(field, config, "minval", &in.minval)) ||
        (rc = opt_num(field, config, "maxval", &in.maxval)) ||
        (rc = opt_num(field, config, "gain", &in.gain)) ||
        (rc = opt_num(field, config, "scale", &in.scale)))
        return rc;
    const gv *s = gv_get(config, "seed");
    if (s) {
        char sub[96];
        snprintf(sub, sizeof sub, "%s: seed", field);
        if ((rc = want_seed(sub, s, &in.has_seed, &in.seed)))
            return rc;
    }
    const gv *m = gv_get(config, "mode");
    if (m) {
        if (m->kind != GV_STR)
            return gru__error(GRU_ERR_ARG,
                              "%s: mode: expected \"fan_in\", \"fan_out\" or \"fan_avg\", got %s",
                              field, DESC(m));
        if (strcmp(m->str, "fan_in") == 0)
            in.mode = GRU_FAN_IN;
        else if (strcmp(m->str, "fan_out") == 0)
            in.mode = GRU_FAN_OUT;
        else if (strcmp(m->str, "fan_avg") == 0)
            in.mode = GRU_FAN_AVG;
        else
            return gru__error(GRU_ERR_ARG,
                              "%s: mode: expected \"fan_in\", \"fan_out\" or \"fan_avg\", got "
                              "\"%.40s\"", field, m->str);
    }
    const gv *d = gv_get(config, "distribution");
    if (d) {
        const char *acc = "\"truncated_normal\", \"untruncated_normal\", \"uniform\" or "
                          "\"normal\" (= truncated_normal)";
        if (d->kind != GV_STR)
            return gru__error(GRU_ERR_ARG, "%s: distribution: expected %s, got %s", field,
                              acc, DESC(d));
        if (strcmp(d->str, "truncated_normal") == 0 || strcmp(d->str, "normal") == 0)
            in.distribution = GRU_DIST_TRUNCATED_NORMAL;
        else if (strcmp(d->str, "untruncated_normal") == 0)
            in.distribution = GRU_DIST_UNTRUNCATED_NORMAL;
        else if (strcmp(d->str, "uniform") == 0)
            in.distribution = GRU_DIST_UNIFORM;
        else
            return gru__error(GRU_ERR_ARG, "%s: distribution: expected %s, got \"%.40s\"",
                              field, acc, d->str);
    }
    *out = in;
    return GRU_OK;
}

static int parse_regularizer(const char *field, const gv *v, gru_regularizer *out)
{
    char descbuf[96];
    int kind;
    gru_regularizer r = {GRU_REG_NONE, 0.0, 0.0};
    if (v->kind == GV_NULL) {
        *out = r;
        return GRU_OK;
    }
    if (v->kind == GV_STR) {
        if (!lookup(reg_names, v->str, &kind))
            return gru__error(GRU_ERR_ARG, "%s: unknown regularizer \"%.60s\"; accepted: %s",
                              field, v->str, REG_ACCEPTED);
        r.kind = (gru_regularizer_kind)kind; /* Keras's string forms: factors 0.01 */
        r.l1 = kind != GRU_REG_L2 ? 0.01 : 0.0;
        r.l2 = kind != GRU_REG_L1 ? 0.01 : 0.0;
        *out = r;
        return GRU_OK;
    }
    if (v->kind != GV_OBJ)
        return gru__error(GRU_ERR_ARG, "%s: expected a regularizer (%s), got %s", field,
                          REG_ACCEPTED, DESC(v));
    const char *cls;
    const gv *config;
    int rc = object_parts(field, v, &cls, &config);
    if (rc)
        return rc;
    if (!lookup(reg_names, cls, &kind))
        return gru__error(GRU_ERR_ARG, "%s: unknown regularizer class \"%.60s\"; accepted: %s",
                          field, cls, REG_ACCEPTED);
    static const char *const k_l1[] = {"l1", NULL};
    static const char *const k_l2[] = {"l2", NULL};
    static const char *const k_l1l2[] = {"l1", "l2", NULL};
    r.kind = (gru_regularizer_kind)kind;
    if (kind == GRU_REG_L1) {
        r.l1 = 0.01;
        rc = check_keys(field, cls, config, k_l1, "l1");
    } else if (kind == GRU_REG_L2) {
        r.l2 = 0.01;
        rc = check_keys(field, cls, config, k_l2, "l2");
    } else { /* L1L2's class defaults are 0 */
        rc = check_keys(field, cls, config, k_l1l2, "l1, l2");
    }
    if (rc || (rc = opt_num(field, config, "l1", &r.l1)) ||
        (rc = opt_num(field, config, "l2", &r.l2)))
        return rc;
    *out = r;
    return GRU_OK;
}

static int parse_constraint(const char *field, const gv *v, gru_constraint *out)
{
    char descbuf[96];
    int kind;
    gru_constraint c;
    memset(&c, 0, sizeof c);
    const char *cls = NULL;
    const gv *config = NULL;
    if (v->kind == GV_NULL) {
        *out = c;
        return GRU_OK;
    }
    if (v->kind == GV_STR) {
        cls = v->str;
        if (!lookup(constraint_names, cls, &kind))
            return gru__error(GRU_ERR_ARG, "%s: unknown constraint \"%.60s\"; accepted: %s",
                              field, cls, CONSTRAINT_ACCEPTED);
    } else if (v->kind == GV_OBJ) {
        int rc = object_parts(field, v, &cls, &config);
        if (rc)
            return rc;
        if (!lookup(constraint_names, cls, &kind))
            return gru__error(GRU_ERR_ARG,
                              "%s: unknown constraint class \"%.60s\"; accepted: %s", field,
                              cls, CONSTRAINT_ACCEPTED);
    } else {
        return gru__error(GRU_ERR_ARG, "%s: expected a constraint (%s), got %s", field,
                          CONSTRAINT_ACCEPTED, DESC(v));
    }
    static const char *const k_none[] = {NULL};
    static const char *const k_max[] = {"max_value", "axis", NULL};
    static const char *const k_unit[] = {"axis", NULL};
    static const char *const k_minmax[] = {"min_value", "max_value", "rate", "axis", NULL};
    int rc;
    c.kind = (gru_constraint_kind)kind;
    switch (c.kind) {
    case GRU_CONSTRAINT_MAX_NORM:
        c.max_value = 2.0;
        rc = check_keys(field, cls, config, k_max, "max_value, axis");
        break;
    case GRU_CONSTRAINT_UNIT_NORM:
        rc = check_keys(field, cls, config, k_unit, "axis");
        break;
    case GRU_CONSTRAINT_MIN_MAX_NORM:
        c.min_value = 0.0, c.max_value = 1.0, c.rate = 1.0;
        rc = check_keys(field, cls, config, k_minmax, "min_value, max_value, rate, axis");
        break;
    default:
        rc = check_keys(field, cls, config, k_none, "no keys");
        break;
    }
    if (rc || (rc = opt_num(field, config, "max_value", &c.max_value)) ||
        (rc = opt_num(field, config, "min_value", &c.min_value)) ||
        (rc = opt_num(field, config, "rate", &c.rate)) || (rc = opt_axis(field, config, &c.axis)))
        return rc;
    *out = c;
    return GRU_OK;
}

/* ------------------------------------------------------------------------------ */
/* The layer's keys                                                                 */
/* ------------------------------------------------------------------------------ */

/* X(id, name, where): where = 1 R only, 2 JSON only, 3 both */
#define KEY_MAP(X)                                                                     \
    X(OBJECT, "object", 1)                                                             \
    X(UNITS, "units", 3)                                                               \
    X(ACTIVATION, "activation", 3)                                                     \
    X(RECURRENT_ACTIVATION, "recurrent_activation", 3)                                 \
    X(USE_BIAS, "use_bias", 3)                                                         \
    X(RETURN_SEQUENCES, "return_sequences", 3)                                         \
    X(RETURN_STATE, "return_state", 3)                                                 \
    X(GO_BACKWARDS, "go_backwards", 3)                                                 \
    X(STATEFUL, "stateful", 3)                                                         \
    X(UNROLL, "unroll", 3)                                                             \
    X(RESET_AFTER, "reset_after", 3)                                                   \
    X(KERNEL_INITIALIZER, "kernel_initializer", 3)                                     \
    X(RECURRENT_INITIALIZER, "recurrent_initializer", 3)                               \
    X(BIAS_INITIALIZER, "bias_initializer", 3)                                         \
    X(KERNEL_REGULARIZER, "kernel_regularizer", 3)                                     \
    X(RECURRENT_REGULARIZER, "recurrent_regularizer", 3)                               \
    X(BIAS_REGULARIZER, "bias_regularizer", 3)                                         \
    X(ACTIVITY_REGULARIZER, "activity_regularizer", 3)                                 \
    X(KERNEL_CONSTRAINT, "kernel_constraint", 3)                                       \
    X(RECURRENT_CONSTRAINT, "recurrent_constraint", 3)                                 \
    X(BIAS_CONSTRAINT, "bias_constraint", 3)                                           \
    X(DROPOUT, "dropout", 3)                                                           \
    X(RECURRENT_DROPOUT, "recurrent_dropout", 3)                                       \
    X(INPUT_SHAPE, "input_shape", 3)                                                   \
    X(BATCH_INPUT_SHAPE, "batch_input_shape", 3)                                       \
    X(BATCH_SIZE, "batch_size", 3)                                                     \
    X(DTYPE, "dtype", 3)                                                               \
    X(NAME, "name", 3)                                                                 \
    X(TRAINABLE, "trainable", 3)                                                       \
    X(WEIGHTS, "weights", 1)                                                           \
    X(SEED, "seed", 3)                                                                 \
    X(IMPLEMENTATION, "implementation", 3)                                             \
    X(INPUT_DIM, "input_dim", 3)                                                       \
    X(INPUT_LENGTH, "input_length", 3)                                                 \
    X(BATCH_SHAPE, "batch_shape", 2)                                                   \
    X(TIME_MAJOR, "time_major", 2)                                                     \
    X(ZERO_OUTPUT_FOR_MASK, "zero_output_for_mask", 3)                                 \
    X(USE_CUDNN, "use_cudnn", 2)

enum key_id {
#define KEY_ENUM(id, name, where) K_##id,
    KEY_MAP(KEY_ENUM)
#undef KEY_ENUM
    K_COUNT
};

static const char *const key_names[K_COUNT] = {
#define KEY_NAME(id, name, where) name,
    KEY_MAP(KEY_NAME)
#undef KEY_NAME
};

static const int key_where[K_COUNT] = {
#define KEY_WHERE(id, name, where) where,
    KEY_MAP(KEY_WHERE)
#undef KEY_WHERE
};

enum { FORM_R = 1, FORM_JSON = 2 };

static int key_lookup(const char *name, int form)
{
    for (int i = 0; i < K_COUNT; i++)
        if ((key_where[i] & form) && strcmp(key_names[i], name) == 0)
            return i;
    return -1;
}

/* The accepted keys, compactly, for messages (gru_errmsg() holds 512 bytes). */
static const char *key_list(int form)
{
    if (form == FORM_R)
        return "object, units, activation, recurrent_activation, use_bias, "
               "return_sequences, return_state, go_backwards, stateful, unroll, reset_after, "
               "{kernel,recurrent,bias}_initializer, "
               "{kernel,recurrent,bias,activity}_regularizer, "
               "{kernel,recurrent,bias}_constraint, dropout, recurrent_dropout, input_shape, "
               "batch_input_shape, batch_size, dtype, name, trainable, weights, seed, "
               "implementation, input_dim, input_length, zero_output_for_mask";
    return "name, trainable, dtype, batch_input_shape, batch_shape, input_shape, batch_size, "
           "input_dim, input_length, return_sequences, return_state, go_backwards, "
           "stateful, unroll, time_major, zero_output_for_mask, units, activation, "
           "recurrent_activation, use_bias, {kernel,recurrent,bias}_initializer, "
           "{kernel,recurrent,bias,activity}_regularizer, "
           "{kernel,recurrent,bias}_constraint, dropout, recurrent_dropout, implementation, "
           "reset_after, seed, use_cudnn";
}

/* A configuration being read. */
typedef struct work {
    gru_config cfg;
    int form;        /* FORM_R or FORM_JSON */
    int keras_major; /* 2 or 3 (JSON: "hard_sigmoid" is Keras 3's function under 3) */
    bool seen[K_COUNT];
    int64_t batch_input_shape[3]; /* (B, T, I), 0 = NULL */
    int64_t input_shape[2];       /* (T, I) */
    int64_t batch_size, input_dim, input_length;
    int64_t build_shape[3];       /* JSON: the wrapper's build_config input_shape */
    bool has_build_shape;
} work;

static int want_activation(work *w, const char *field, const gv *v, gru_activation *out)
{
    char descbuf[96];
    if (v->kind == GV_NULL) {
        *out = GRU_ACT_LINEAR;
        return GRU_OK;
    }
    if (v->kind != GV_STR)
        return gru__error(GRU_ERR_ARG, "%s: expected an activation name (%s), got %s", field,
                          gru__activation_list(), DESC(v));
    if (w->keras_major == 3 && strcmp(v->str, "hard_sigmoid") == 0) {
        *out = GRU_ACT_HARD_SIGMOID_KERAS3; /* Keras 3 redefined the name */
        return GRU_OK;
    }
    if (gru_activation_from_name(v->str, out) != GRU_OK)
        return gru__error(GRU_ERR_ARG, "%s: unknown activation \"%.60s\"; accepted: %s", field,
                          v->str, gru__activation_list());
    return GRU_OK;
}

/* A shape of n entries, each a positive integer or NULL (-> 0). */
static int want_shape(const char *field, const gv *v, int n, const char *form_text,
                      int64_t *out)
{
    char descbuf[96];
    if (v->kind != GV_ARR || v->n != n)
        return gru__error(GRU_ERR_ARG, "%s: expected %s, got %s", field, form_text, DESC(v));
    for (int i = 0; i < n; i++) {
        const gv *e = v->items[i];
        if (e->kind == GV_NULL) {
            out[i] = 0;
            continue;
        }
        int rc = want_int(field, e, 1, INT64_MAX, "a positive integer or NULL in each entry",
                          &out[i]);
        if (rc)
            return rc;
    }
    return GRU_OK;
}

/* An optional dimension: NULL (-> 0) or a positive integer. */
static int want_dim(const char *field, const gv *v, int64_t *out)
{
    if (v->kind == GV_NULL) {
        *out = 0;
        return GRU_OK;
    }
    return want_int(field, v, 1, INT64_MAX, "a positive integer or NULL", out);
}

static int want_dtype(const char *field, const gv *v, gru_dtype *out)
{
    char descbuf[96];
    const gv *name = v;
    if (v->kind == GV_NULL) {
        *out = GRU_FLOAT32;
        return GRU_OK;
    }
    if (v->kind == GV_OBJ) { /* a dtype policy: Keras 3 DTypePolicy, tf.keras Policy */
        const char *cls;
        const gv *config;
        int rc = object_parts(field, v, &cls, &config);
        if (rc)
            return rc;
        if (strcmp(cls, "DTypePolicy") != 0 && strcmp(cls, "FloatDTypePolicy") != 0 &&
            strcmp(cls, "Policy") != 0)
            return gru__error(GRU_ERR_ARG,
                              "%s: unsupported dtype policy class \"%.60s\"; accepted: "
                              "DTypePolicy, FloatDTypePolicy, Policy", field, cls);
        static const char *const k_name[] = {"name", NULL};
        if ((rc = check_keys(field, cls, config, k_name, "name")))
            return rc;
        name = gv_get(config, "name");
        if (!name)
            return gru__error(GRU_ERR_ARG, "%s: %s config without \"name\"", field, cls);
    }
    if (name->kind != GV_STR)
        return gru__error(GRU_ERR_ARG, "%s: expected \"float32\" or \"float64\", got %s", field,
                          DESC(name));
    if (strcmp(name->str, "float32") == 0)
        *out = GRU_FLOAT32;
    else if (strcmp(name->str, "float64") == 0 || strcmp(name->str, "double") == 0)
        *out = GRU_FLOAT64;
    else
        return gru__error(GRU_ERR_ARG, "%s: unsupported dtype \"%.60s\"; accepted: float32, "
                          "float64", field, name->str);
    return GRU_OK;
}

static int apply_key(work *w, int key, const gv *v)
{
    char descbuf[96];
    const char *field = key_names[key];
    gru_config *c = &w->cfg;
    int rc = GRU_OK;
    int64_t i;
    const char *shape2 = w->form == FORM_R ? "c(timesteps, input_dim), e.g. c(NULL, 8)"
                                           : "[timesteps, input_dim], e.g. [null, 8]";
    const char *shape3 = w->form == FORM_R
                             ? "c(batch_size, timesteps, input_dim), e.g. c(4, NULL, 8)"
                             : "[batch_size, timesteps, input_dim], e.g. [null, 10, 8]";
    switch ((enum key_id)key) {
    case K_OBJECT: break; /* the model the layer is added to: not part of the layer */
    case K_UNITS:
        rc = want_int(field, v, 1, INT64_MAX, "a positive integer", &c->units);
        break;
    case K_ACTIVATION: rc = want_activation(w, field, v, &c->activation); break;
    case K_RECURRENT_ACTIVATION:
        rc = want_activation(w, field, v, &c->recurrent_activation);
        break;
    case K_USE_BIAS: rc = want_bool(field, v, &c->use_bias); break;
    case K_RETURN_SEQUENCES: rc = want_bool(field, v, &c->return_sequences); break;
    case K_RETURN_STATE: rc = want_bool(field, v, &c->return_state); break;
    case K_GO_BACKWARDS: rc = want_bool(field, v, &c->go_backwards); break;
    case K_STATEFUL: rc = want_bool(field, v, &c->stateful); break;
    case K_UNROLL: rc = want_bool(field, v, &c->unroll); break;
    case K_RESET_AFTER: rc = want_bool(field, v, &c->reset_after); break;
    case K_KERNEL_INITIALIZER: rc = parse_initializer(field, v, &c->kernel_initializer); break;
    case K_RECURRENT_INITIALIZER:
        rc = parse_initializer(field, v, &c->recurrent_initializer);
        break;
    case K_BIAS_INITIALIZER: rc = parse_initializer(field, v, &c->bias_initializer); break;
    case K_KERNEL_REGULARIZER: rc = parse_regularizer(field, v, &c->kernel_regularizer); break;
    case K_RECURRENT_REGULARIZER:
        rc = parse_regularizer(field, v, &c->recurrent_regularizer);
        break;
    case K_BIAS_REGULARIZER: rc = parse_regularizer(field, v, &c->bias_regularizer); break;
    case K_ACTIVITY_REGULARIZER:
        rc = parse_regularizer(field, v, &c->activity_regularizer);
        break;
    case K_KERNEL_CONSTRAINT: rc = parse_constraint(field, v, &c->kernel_constraint); break;
    case K_RECURRENT_CONSTRAINT:
        rc = parse_constraint(field, v, &c->recurrent_constraint);
        break;
    case K_BIAS_CONSTRAINT: rc = parse_constraint(field, v, &c->bias_constraint); break;
    case K_DROPOUT: rc = want_num(field, v, &c->dropout); break;
    case K_RECURRENT_DROPOUT: rc = want_num(field, v, &c->recurrent_dropout); break;
    case K_INPUT_SHAPE:
        if (v->kind == GV_NULL)
            w->seen[key] = false; /* NULL = not given */
        else
            rc = want_shape(field, v, 2, shape2, w->input_shape);
        break;
    case K_BATCH_INPUT_SHAPE:
    case K_BATCH_SHAPE:
        if (w->seen[K_BATCH_INPUT_SHAPE] && w->seen[K_BATCH_SHAPE])
            return gru__error(GRU_ERR_ARG, "%s: given together with %s; give one", field,
                              key == K_BATCH_SHAPE ? "batch_input_shape" : "batch_shape");
        if (v->kind == GV_NULL)
            w->seen[key] = false;
        else
            rc = want_shape(field, v, 3, shape3, w->batch_input_shape);
        break;
    case K_BATCH_SIZE: rc = want_dim(field, v, &w->batch_size); break;
    case K_INPUT_DIM: rc = want_dim(field, v, &w->input_dim); break;
    case K_INPUT_LENGTH: rc = want_dim(field, v, &w->input_length); break;
    case K_DTYPE: rc = want_dtype(field, v, &c->dtype); break;
    case K_NAME:
        if (v->kind == GV_NULL) {
            c->name[0] = '\0';
        } else if (v->kind != GV_STR) {
            rc = gru__error(GRU_ERR_ARG, "name: expected a string or NULL, got %s", DESC(v));
        } else if (strlen(v->str) >= GRU_NAME_MAX) {
            rc = gru__error(GRU_ERR_ARG, "name: expected at most %d bytes, got %zu",
                            GRU_NAME_MAX - 1, strlen(v->str));
        } else {
            memcpy(c->name, v->str, strlen(v->str) + 1);
        }
        break;
    case K_TRAINABLE:
        if (v->kind == GV_NULL)
            c->trainable = true;
        else
            rc = want_bool(field, v, &c->trainable);
        break;
    case K_WEIGHTS:
        if (v->kind != GV_NULL)
            rc = gru__error(GRU_ERR_ARG,
                            "weights: initial weights cannot be given as text (only NULL); "
                            "set them with gru_layer_set_weights() or the CLI's --kernel, "
                            "--recurrent-kernel and --bias");
        break;
    case K_SEED: {
        bool has;
        rc = want_seed(field, v, &has, &c->seed);
        break;
    }
    case K_IMPLEMENTATION:
        rc = want_int(field, v, 1, 2, "1 or 2", &i);
        if (!rc)
            c->implementation = (int)i;
        break;
    case K_ZERO_OUTPUT_FOR_MASK:
        rc = want_bool(field, v, &c->zero_output_for_mask);
        break;
    case K_TIME_MAJOR: {
        bool b = false;
        rc = want_bool(field, v, &b);
        if (!rc && b)
            rc = gru__error(GRU_ERR_ARG, "%s: only false is supported (libgru follows the "
                            "Keras defaults here)", field);
        break;
    }
    case K_USE_CUDNN: /* Keras 3: "auto", true or false; the same numbers either way */
        if (v->kind != GV_BOOL && !(v->kind == GV_STR && strcmp(v->str, "auto") == 0))
            rc = gru__error(GRU_ERR_ARG, "use_cudnn: expected \"auto\", true or false, got %s",
                            DESC(v));
        break;
    case K_COUNT: break;
    }
    return rc;
}

static int add_key(work *w, const char *name, const gv *v)
{
    int key = key_lookup(name, w->form);
    if (key < 0)
        return gru__error(GRU_ERR_ARG, "unknown %s \"%.40s\"; accepted: %s",
                          w->form == FORM_R ? "argument" : "key", name, key_list(w->form));
    if (w->seen[key])
        return gru__error(GRU_ERR_ARG, "%s: given more than once", name);
    w->seen[key] = true;
    return apply_key(w, key, v);
}

static int work_init(work *w, int form, int keras_major)
{
    memset(w, 0, sizeof *w);
    w->form = form;
    w->keras_major = keras_major == 3 ? 3 : 2;
    /* Keras 3 configs leave out what Keras 3 does not have: its defaults fill in. */
    return gru_config_init_preset(&w->cfg, 0, keras_major == 3 ? GRU_PRESET_TF2
                                                               : GRU_PRESET_KERAS2);
}

/* Resolve the shape arguments as Keras does (batch_input_shape over input_shape /
 * batch_size over input_dim / input_length), with conflicts as errors, validate and
 * copy out. */
static int work_finish(work *w, gru_config *out)
{
    gru_config *c = &w->cfg;
    if (!w->seen[K_UNITS])
        return gru__error(GRU_ERR_ARG, "units: required (a positive integer)");
    int64_t B = 0, T = 0, I = 0;
    bool bis = w->seen[K_BATCH_INPUT_SHAPE] || w->seen[K_BATCH_SHAPE];
    const char *bis_name = w->seen[K_BATCH_SHAPE] ? "batch_shape" : "batch_input_shape";
    if (bis) {
        B = w->batch_input_shape[0], T = w->batch_input_shape[1], I = w->batch_input_shape[2];
    } else if (w->seen[K_INPUT_SHAPE]) {
        T = w->input_shape[0], I = w->input_shape[1];
    } else if (w->has_build_shape) {
        B = w->build_shape[0], T = w->build_shape[1], I = w->build_shape[2];
    }
    if (bis && w->seen[K_INPUT_SHAPE] &&
        (w->input_shape[0] != T || w->input_shape[1] != I))
        return gru__error(GRU_ERR_ARG, "input_shape: conflicts with %s; give one", bis_name);
    if (w->seen[K_BATCH_SIZE] && w->batch_size != 0) {
        if (bis && B != w->batch_size)
            return gru__error(GRU_ERR_ARG, "batch_size: %lld conflicts with %s (batch %lld)",
                              (long long)w->batch_size, bis_name, (long long)B);
        B = w->batch_size;
    }
    if (w->seen[K_INPUT_DIM] && w->input_dim != 0) {
        if (I != 0 && I != w->input_dim)
            return gru__error(GRU_ERR_ARG, "input_dim: %lld conflicts with the input shape's "
                              "input_dim %lld", (long long)w->input_dim, (long long)I);
        I = w->input_dim;
    }
    if (w->seen[K_INPUT_LENGTH] && w->input_length != 0) {
        if (T != 0 && T != w->input_length)
            return gru__error(GRU_ERR_ARG, "input_length: %lld conflicts with the input "
                              "shape's timesteps %lld", (long long)w->input_length,
                              (long long)T);
        T = w->input_length;
    }
    c->batch_size = B, c->timesteps = T, c->input_dim = I;
    int rc = gru_config_validate(c);
    if (rc)
        return rc;
    *out = *c;
    return GRU_OK;
}

/* ------------------------------------------------------------------------------ */
/* The R argument form                                                              */
/* ------------------------------------------------------------------------------ */

typedef struct rparser {
    const char *s;   /* the text */
    size_t pos;
    arena *a;
} rparser;

static bool r_is_ident_start(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '.' || ch == '_';
}

static bool r_is_ident_char(char ch)
{
    return r_is_ident_start(ch) || (ch >= '0' && ch <= '9');
}

static void r_skip_ws(rparser *p)
{
    for (;;) {
        char ch = p->s[p->pos];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v') {
            p->pos++;
        } else if (ch == '#') { /* comment to the end of the line */
            while (p->s[p->pos] && p->s[p->pos] != '\n')
                p->pos++;
        } else {
            return;
        }
    }
}

static int r_syntax(const rparser *p, const char *what)
{
    char near[24];
    size_t n = 0;
    while (n < sizeof near - 1 && p->s[p->pos + n] && p->s[p->pos + n] != '\n')
        n++;
    memcpy(near, p->s + p->pos, n);
    near[n] = '\0';
    if (!p->s[p->pos])
        return gru__error(GRU_ERR_FORMAT, "R arguments: %s at the end of the text", what);
    return gru__error(GRU_ERR_FORMAT, "R arguments: %s at offset %zu (near \"%s\")", what,
                      p->pos, near);
}

/* Identifier at p->pos (no advance when none); returns its length. */
static size_t r_ident_len(const rparser *p)
{
    size_t n = 0;
    const char *s = p->s + p->pos;
    if (!r_is_ident_start(s[0]) || (s[0] == '.' && s[1] >= '0' && s[1] <= '9'))
        return 0;
    while (r_is_ident_char(s[n]))
        n++;
    return n;
}

static int r_value(rparser *p, int depth, gv **out);

/* R function name -> Keras class and the R formals in order, mapped to Keras's config
 * keys. */
typedef struct r_fn {
    const char *r_name;
    const char *cls;      /* class_name */
    const char *formals[5]; /* R argument names, in order */
    const char *keys[5];    /* the Keras config key of each */
} r_fn;

static const r_fn r_fns[] = {
    {"initializer_zeros", "Zeros", {NULL}, {NULL}},
    {"initializer_ones", "Ones", {NULL}, {NULL}},
    {"initializer_constant", "Constant", {"value"}, {"value"}},
    {"initializer_random_normal", "RandomNormal", {"mean", "stddev", "seed"},
     {"mean", "stddev", "seed"}},
    {"initializer_random_uniform", "RandomUniform", {"minval", "maxval", "seed"},
     {"minval", "maxval", "seed"}},
    {"initializer_truncated_normal", "TruncatedNormal", {"mean", "stddev", "seed"},
     {"mean", "stddev", "seed"}},
    {"initializer_variance_scaling", "VarianceScaling",
     {"scale", "mode", "distribution", "seed"}, {"scale", "mode", "distribution", "seed"}},
    {"initializer_glorot_uniform", "GlorotUniform", {"seed"}, {"seed"}},
    {"initializer_glorot_normal", "GlorotNormal", {"seed"}, {"seed"}},
    {"initializer_he_normal", "HeNormal", {"seed"}, {"seed"}},
    {"initializer_he_uniform", "HeUniform", {"seed"}, {"seed"}},
    {"initializer_lecun_normal", "LecunNormal", {"seed"}, {"seed"}},
    {"initializer_lecun_uniform", "LecunUniform", {"seed"}, {"seed"}},
    {"initializer_identity", "Identity", {"gain"}, {"gain"}},
    {"initializer_orthogonal", "Orthogonal", {"gain", "seed"}, {"gain", "seed"}},
    {"regularizer_l1", "L1", {"l"}, {"l1"}},
    {"regularizer_l2", "L2", {"l"}, {"l2"}},
    {"regularizer_l1_l2", "L1L2", {"l1", "l2"}, {"l1", "l2"}},
    {"constraint_maxnorm", "MaxNorm", {"max_value", "axis"}, {"max_value", "axis"}},
    {"constraint_nonneg", "NonNeg", {NULL}, {NULL}},
    {"constraint_unitnorm", "UnitNorm", {"axis"}, {"axis"}},
    {"constraint_minmaxnorm", "MinMaxNorm", {"min_value", "max_value", "rate", "axis"},
     {"min_value", "max_value", "rate", "axis"}},
    {NULL, NULL, {NULL}, {NULL}}};

#define R_FN_ACCEPTED                                                                  \
    "c(), list(), initializer_zeros(), initializer_ones(), initializer_constant(), "    \
    "initializer_random_normal(), initializer_random_uniform(), "                       \
    "initializer_truncated_normal(), initializer_variance_scaling(), "                  \
    "initializer_glorot_uniform(), initializer_glorot_normal(), initializer_he_normal(), " \
    "initializer_he_uniform(), initializer_lecun_normal(), initializer_lecun_uniform(), " \
    "initializer_identity(), initializer_orthogonal(), regularizer_l1(), regularizer_l2(), " \
    "regularizer_l1_l2(), constraint_maxnorm(), constraint_nonneg(), "                   \
    "constraint_unitnorm(), constraint_minmaxnorm()"

/* One argument, `name = value`, `\`name\` = value` or a positional `value`, appended to
 * args (key NULL when positional). */
static int r_arg(rparser *p, int depth, gv *args)
{
    r_skip_ws(p);
    const char *name = NULL;
    size_t n = r_ident_len(p);
    if (n) {
        size_t save = p->pos;
        p->pos += n;
        r_skip_ws(p);
        if (p->s[p->pos] == '=' && p->s[p->pos + 1] != '=') {
            name = arena_strndup(p->a, p->s + save, n);
            if (!name)
                return gru__error(GRU_ERR_NOMEM, "R arguments: out of memory");
            p->pos++;
        } else {
            p->pos = save;
        }
    } else if (p->s[p->pos] == '`') {
        size_t start = p->pos + 1, end = start;
        while (p->s[end] && p->s[end] != '`')
            end++;
        if (!p->s[end])
            return r_syntax(p, "unterminated `name`");
        name = arena_strndup(p->a, p->s + start, end - start);
        if (!name)
            return gru__error(GRU_ERR_NOMEM, "R arguments: out of memory");
        p->pos = end + 1;
        r_skip_ws(p);
        if (p->s[p->pos] != '=')
            return r_syntax(p, "expected '=' after a `name`");
        p->pos++;
    }
    gv *v = NULL;
    int rc = r_value(p, depth + 1, &v);
    if (rc)
        return rc;
    if (!gv_push(p->a, args, name, v))
        return gru__error(GRU_ERR_NOMEM, "R arguments: out of memory");
    return GRU_OK;
}

/* Arguments of a call: '(' already consumed; reads up to and including ')'. */
static int r_args(rparser *p, int depth, gv *args)
{
    r_skip_ws(p);
    if (p->s[p->pos] == ')') {
        p->pos++;
        return GRU_OK;
    }
    for (;;) {
        int rc = r_arg(p, depth, args);
        if (rc)
            return rc;
        r_skip_ws(p);
        if (p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->s[p->pos] == ')') {
            p->pos++;
            return GRU_OK;
        }
        return r_syntax(p, "expected ',' or ')'");
    }
}

/* A call f(args) -> a Keras object, or c()/list() -> a list. */
static int r_call(rparser *p, const char *fname, int depth, gv **out)
{
    gv *args = gv_new(p->a, GV_OBJ);
    if (!args)
        return gru__error(GRU_ERR_NOMEM, "R arguments: out of memory");
    int rc = r_args(p, depth, args);
    if (rc)
        return rc;
    if (strcmp(fname, "c") == 0 || strcmp(fname, "list") == 0) {
        for (int i = 0; i < args->n; i++)
            if (args->keys[i])
                return gru__error(GRU_ERR_ARG, "%s(): named entries (%.40s = ...) are not "
                                  "supported here", fname, args->keys[i]);
        args->kind = GV_ARR;
        *out = args;
        return GRU_OK;
    }
    const r_fn *f = r_fns;
    while (f->r_name && strcmp(f->r_name, fname) != 0)
        f++;
    if (!f->r_name)
        return gru__error(GRU_ERR_ARG, "unknown function %.60s(); accepted: %s", fname,
                          R_FN_ACCEPTED);
    int nformals = 0;
    while (nformals < 5 && f->formals[nformals])
        nformals++;
    const gv *matched[5] = {NULL};
    /* R's matching: named arguments first, then positional ones in formal order */
    for (int i = 0; i < args->n; i++) {
        if (!args->keys[i])
            continue;
        int j = 0;
        while (j < nformals && strcmp(f->formals[j], args->keys[i]) != 0)
            j++;
        if (j == nformals) {
            char acc[128] = "";
            for (int k = 0; k < nformals; k++)
                snprintf(acc + strlen(acc), sizeof acc - strlen(acc), "%s%s", k ? ", " : "",
                         f->formals[k]);
            return gru__error(GRU_ERR_ARG, "%s(): unknown argument \"%.40s\"; accepted: %s",
                              fname, args->keys[i], nformals ? acc : "none");
        }
        if (matched[j])
            return gru__error(GRU_ERR_ARG, "%s(): argument %s given more than once", fname,
                              f->formals[j]);
        matched[j] = args->items[i];
    }
    int next = 0;
    for (int i = 0; i < args->n; i++) {
        if (args->keys[i])
            continue;
        while (next < nformals && matched[next])
            next++;
        if (next == nformals)
            return gru__error(GRU_ERR_ARG, "%s(): too many arguments (it takes %d)", fname,
                              nformals);
        matched[next] = args->items[i];
    }
    gv *obj = gv_new(p->a, GV_OBJ);
    gv *cls = gv_new(p->a, GV_STR);
    gv *config = gv_new(p->a, GV_OBJ);
    if (!obj || !cls || !config)
        return gru__error(GRU_ERR_NOMEM, "R arguments: out of memory");
    cls->str = f->cls;
    for (int j = 0; j < nformals; j++) {
        const gv *m = matched[j];
        if (!m && strcmp(fname, "regularizer_l1_l2") == 0) { /* R's defaults 0.01 */
            gv *d = gv_new(p->a, GV_NUM);
            if (!d)
                return gru__error(GRU_ERR_NOMEM, "R arguments: out of memory");
            d->num = 0.01;
            m = d;
        }
        if (m && !gv_push(p->a, config, f->keys[j], (gv *)m))
            return gru__error(GRU_ERR_NOMEM, "R arguments: out of memory");
    }
    if (!gv_push(p->a, obj, "class_name", cls) || !gv_push(p->a, obj, "config", config))
        return gru__error(GRU_ERR_NOMEM, "R arguments: out of memory");
    *out = obj;
    return GRU_OK;
}

static int r_string(rparser *p, gv **out)
{
    char quote = p->s[p->pos++];
    size_t start = p->pos;
    /* first pass: find the end */
    while (p->s[p->pos] && p->s[p->pos] != quote) {
        if (p->s[p->pos] == '\\' && p->s[p->pos + 1])
            p->pos++;
        p->pos++;
    }
    if (!p->s[p->pos]) {
        p->pos = start - 1;
        return r_syntax(p, "unterminated string");
    }
    char *str = arena_alloc(p->a, p->pos - start + 1);
    gv *v = gv_new(p->a, GV_STR);
    if (!str || !v)
        return gru__error(GRU_ERR_NOMEM, "R arguments: out of memory");
    size_t o = 0;
    for (size_t i = start; i < p->pos; i++) {
        char ch = p->s[i];
        if (ch == '\\') {
            char e = p->s[++i];
            switch (e) {
            case 'n': ch = '\n'; break;
            case 't': ch = '\t'; break;
            case 'r': ch = '\r'; break;
            case '0': ch = '\0'; break;
            case 'x': { /* \xHH, one or two hex digits */
                int val = 0, nd = 0;
                while (nd < 2 && i + 1 < p->pos) {
                    char h = p->s[i + 1];
                    int d = h >= '0' && h <= '9' ? h - '0'
                            : h >= 'a' && h <= 'f' ? h - 'a' + 10
                            : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                    if (d < 0)
                        break;
                    val = val * 16 + d;
                    nd++;
                    i++;
                }
                if (nd == 0)
                    return gru__error(GRU_ERR_FORMAT, "R arguments: \\x needs hex digits");
                ch = (char)val;
                break;
            }
            default: ch = e; break; /* \\ \" \' and the rest: the character itself */
            }
            if (ch == '\0')
                return gru__error(GRU_ERR_ARG, "R arguments: a string may not contain \\0");
        }
        str[o++] = ch;
    }
    str[o] = '\0';
    p->pos++; /* closing quote */
    v->str = str;
    *out = v;
    return GRU_OK;
}

static int r_number(rparser *p, gv **out)
{
    const char *s = p->s;
    size_t start = p->pos, i = p->pos;
    if (s[i] == '-' || s[i] == '+')
        i++;
    size_t mant = i;
    while (s[i] >= '0' && s[i] <= '9')
        i++;
    if (s[i] == '.') {
        i++;
        while (s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i == mant || (i == mant + 1 && s[mant] == '.'))
        return r_syntax(p, "expected a value");
    if (s[i] == 'e' || s[i] == 'E') {
        size_t e = i + 1;
        if (s[e] == '+' || s[e] == '-')
            e++;
        if (s[e] < '0' || s[e] > '9')
            return r_syntax(p, "malformed number");
        while (s[e] >= '0' && s[e] <= '9')
            e++;
        i = e;
    }
    size_t end = i;
    if (s[i] == 'L')
        i++;
    if (r_is_ident_char(s[i]))
        return r_syntax(p, "malformed number");
    char *text = arena_strndup(p->a, s + start, end - start);
    gv *v = gv_new(p->a, GV_NUM);
    if (!text || !v)
        return gru__error(GRU_ERR_NOMEM, "R arguments: out of memory");
    v->num = strtod(text, NULL);
    v->numtext = text;
    p->pos = i;
    *out = v;
    return GRU_OK;
}

static int r_value(rparser *p, int depth, gv **out)
{
    if (depth > MAX_DEPTH)
        return r_syntax(p, "nesting too deep");
    r_skip_ws(p);
    char ch = p->s[p->pos];
    if (ch == '"' || ch == '\'')
        return r_string(p, out);
    if ((ch >= '0' && ch <= '9') || ch == '-' || ch == '+' ||
        (ch == '.' && p->s[p->pos + 1] >= '0' && p->s[p->pos + 1] <= '9'))
        return r_number(p, out);
    size_t n = r_ident_len(p);
    if (!n)
        return r_syntax(p, "expected a value");
    const char *id = p->s + p->pos;
    p->pos += n;
    gv *v;
#define IS(word) (n == strlen(word) && strncmp(id, word, n) == 0)
    if (IS("TRUE") || IS("T") || IS("FALSE") || IS("F")) {
        if (!(v = gv_new(p->a, GV_BOOL)))
            return gru__error(GRU_ERR_NOMEM, "R arguments: out of memory");
        v->b = id[0] == 'T';
        *out = v;
        return GRU_OK;
    }
    if (IS("NULL")) {
        if (!(v = gv_new(p->a, GV_NULL)))
            return gru__error(GRU_ERR_NOMEM, "R arguments: out of memory");
        *out = v;
        return GRU_OK;
    }
#undef IS
    char *name = arena_strndup(p->a, id, n);
    if (!name)
        return gru__error(GRU_ERR_NOMEM, "R arguments: out of memory");
    r_skip_ws(p);
    if (p->s[p->pos] == '(') {
        p->pos++;
        return r_call(p, name, depth, out);
    }
    /* a bare name (a variable): only meaningful as `object`, at the top level */
    if (depth > 1) {
        p->pos -= n;
        return r_syntax(p, "expected a value (quote strings), got a variable name");
    }
    if (!(v = gv_new(p->a, GV_STR)))
        return gru__error(GRU_ERR_NOMEM, "R arguments: out of memory");
    v->str = name;
    v->numtext = "ident"; /* marks a bare name, not a string literal */
    *out = v;
    return GRU_OK;
}

static bool is_bare_name(const gv *v)
{
    return v->kind == GV_STR && v->numtext != NULL;
}

/* The layer_gru() formals in R's order (object first), for positional arguments. */
static const int r_formals[] = {
    K_OBJECT, K_UNITS, K_ACTIVATION, K_RECURRENT_ACTIVATION, K_USE_BIAS,
    K_RETURN_SEQUENCES, K_RETURN_STATE, K_GO_BACKWARDS, K_STATEFUL, K_UNROLL,
    K_RESET_AFTER, K_KERNEL_INITIALIZER, K_RECURRENT_INITIALIZER, K_BIAS_INITIALIZER,
    K_KERNEL_REGULARIZER, K_RECURRENT_REGULARIZER, K_BIAS_REGULARIZER,
    K_ACTIVITY_REGULARIZER, K_KERNEL_CONSTRAINT, K_RECURRENT_CONSTRAINT, K_BIAS_CONSTRAINT,
    K_DROPOUT, K_RECURRENT_DROPOUT, K_INPUT_SHAPE, K_BATCH_INPUT_SHAPE, K_BATCH_SIZE,
    K_DTYPE, K_NAME, K_TRAINABLE, K_WEIGHTS};
#define N_R_FORMALS ((int)(sizeof r_formals / sizeof r_formals[0]))

static int r_parse_text(const char *text, arena *a, gv **args_out)
{
    rparser p = {text, 0, a};
    gv *args = gv_new(a, GV_OBJ);
    if (!args)
        return gru__error(GRU_ERR_NOMEM, "R arguments: out of memory");
    r_skip_ws(&p);
    /* optional wrapper: layer_gru( ... ) */
    size_t n = r_ident_len(&p);
    if (n == 9 && strncmp(text + p.pos, "layer_gru", 9) == 0) {
        size_t save = p.pos;
        p.pos += n;
        r_skip_ws(&p);
        if (p.s[p.pos] == '(') {
            p.pos++;
            int rc = r_args(&p, 0, args);
            if (rc)
                return rc;
            r_skip_ws(&p);
            if (p.s[p.pos])
                return r_syntax(&p, "unexpected text after layer_gru(...)");
            *args_out = args;
            return GRU_OK;
        }
        p.pos = save;
    }
    if (!p.s[p.pos]) {
        *args_out = args;
        return GRU_OK;
    }
    /* the bare argument list: as if it were inside parentheses */
    for (;;) {
        int rc = r_arg(&p, 0, args);
        if (rc)
            return rc;
        r_skip_ws(&p);
        if (p.s[p.pos] == ',') {
            p.pos++;
            continue;
        }
        if (!p.s[p.pos])
            break;
        return r_syntax(&p, "expected ',' between arguments");
    }
    *args_out = args;
    return GRU_OK;
}

int gru_config_parse_r(const char *text, gru_config *cfg)
{
    if (!text)
        return gru__error(GRU_ERR_NULL, "text: expected a string, got NULL");
    if (!cfg)
        return gru__error(GRU_ERR_NULL, "cfg: expected a pointer, got NULL");
    arena a = {NULL};
    work *w = malloc(sizeof *w);
    if (!w)
        return gru__error(GRU_ERR_NOMEM, "R arguments: out of memory");
    int rc = work_init(w, FORM_R, 2);
    gv *args = NULL;
    if (!rc)
        rc = r_parse_text(text, &a, &args);
    if (rc)
        goto out_free;
    /* named arguments first (R's matching), then positional ones */
    for (int i = 0; i < args->n && !rc; i++) {
        if (!args->keys[i])
            continue;
        const gv *v = args->items[i];
        if (is_bare_name(v) && strcmp(args->keys[i], "object") != 0) {
            rc = gru__error(GRU_ERR_ARG, "%.60s: expected a value, got the variable name "
                            "\"%.40s\" (quote strings)", args->keys[i], v->str);
            break;
        }
        rc = add_key(w, args->keys[i], v);
    }
    int next = 0;
    for (int i = 0; i < args->n && !rc; i++) {
        if (args->keys[i])
            continue;
        const gv *v = args->items[i];
        /* a bare name first is the model (`object`); a value first is `units` */
        if (next == 0 && !(is_bare_name(v) && !w->seen[K_OBJECT]))
            next = 1;
        while (next < N_R_FORMALS && w->seen[r_formals[next]])
            next++;
        if (next >= N_R_FORMALS) {
            rc = gru__error(GRU_ERR_ARG, "too many positional arguments");
            break;
        }
        if (is_bare_name(v) && r_formals[next] != K_OBJECT) {
            rc = gru__error(GRU_ERR_ARG, "%s: expected a value, got the variable name "
                            "\"%.40s\" (quote strings)", key_names[r_formals[next]], v->str);
            break;
        }
        rc = add_key(w, key_names[r_formals[next]], v);
        next++;
    }
    if (!rc)
        rc = work_finish(w, cfg);
out_free:
    arena_free(&a);
    free(w);
    return rc;
}

/* ------------------------------------------------------------------------------ */
/* Keras JSON                                                                       */
/* ------------------------------------------------------------------------------ */

#ifdef GRU_HAVE_CJSON

static int gv_from_cjson(arena *a, const cJSON *j, int depth, gv **out)
{
    gv *v;
    if (depth > MAX_DEPTH)
        return gru__error(GRU_ERR_FORMAT, "JSON: nesting deeper than %d levels", MAX_DEPTH);
    if (cJSON_IsNull(j)) {
        v = gv_new(a, GV_NULL);
    } else if (cJSON_IsBool(j)) {
        if ((v = gv_new(a, GV_BOOL)))
            v->b = cJSON_IsTrue(j);
    } else if (cJSON_IsNumber(j)) {
        if ((v = gv_new(a, GV_NUM)))
            v->num = j->valuedouble;
    } else if (cJSON_IsString(j)) {
        const char *js = j->valuestring ? j->valuestring : "";
        if ((v = gv_new(a, GV_STR)) && !(v->str = arena_strndup(a, js, strlen(js))))
            v = NULL;
    } else if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
        bool obj = cJSON_IsObject(j);
        if ((v = gv_new(a, obj ? GV_OBJ : GV_ARR))) {
            for (const cJSON *c = j->child; c; c = c->next) {
                gv *item;
                int rc = gv_from_cjson(a, c, depth + 1, &item);
                if (rc)
                    return rc;
                const char *key = NULL;
                if (obj && !(key = arena_strndup(a, c->string ? c->string : "",
                                                 c->string ? strlen(c->string) : 0)))
                    return gru__error(GRU_ERR_NOMEM, "JSON: out of memory");
                if (!gv_push(a, v, key, item))
                    return gru__error(GRU_ERR_NOMEM, "JSON: out of memory");
            }
        }
    } else {
        return gru__error(GRU_ERR_FORMAT, "JSON: unsupported value");
    }
    if (!v)
        return gru__error(GRU_ERR_NOMEM, "JSON: out of memory");
    *out = v;
    return GRU_OK;
}

static bool is_model_class(const char *cls)
{
    return strcmp(cls, "Sequential") == 0 || strcmp(cls, "Functional") == 0 ||
           strcmp(cls, "Model") == 0;
}

/* Find the GRU layer: the document itself, its "config", or the single GRU of a model.
 * *wrapper gets the {"class_name": "GRU", ...} object when there is one. */
static int find_gru(const gv *root, const gv **config, const gv **wrapper)
{
    char descbuf[96];
    *wrapper = NULL;
    const gv *cls = gv_get(root, "class_name");
    if (!cls) {
        *config = root; /* a bare config */
        return GRU_OK;
    }
    if (cls->kind != GV_STR)
        return gru__error(GRU_ERR_ARG, "class_name: expected a string, got %s", DESC(cls));
    if (is_model_class(cls->str)) {
        const gv *mc = gv_get(root, "config");
        const gv *layers = gv_get(mc, "layers");
        if (!layers || layers->kind != GV_ARR)
            return gru__error(GRU_ERR_ARG, "%s: expected config.layers, a list of layers",
                              cls->str);
        const gv *found = NULL;
        int count = 0;
        char names[160] = "";
        for (int i = 0; i < layers->n; i++) {
            const gv *lc = gv_get(layers->items[i], "class_name");
            if (!lc || lc->kind != GV_STR || strcmp(lc->str, "GRU") != 0)
                continue;
            const gv *nm = gv_get(gv_get(layers->items[i], "config"), "name");
            size_t len = strlen(names);
            snprintf(names + len, sizeof names - len, "%s%s", count ? ", " : "",
                     nm && nm->kind == GV_STR ? nm->str : "?");
            found = layers->items[i];
            count++;
        }
        if (count != 1)
            return gru__error(GRU_ERR_ARG,
                              "%s: expected a model with exactly one GRU layer, found %d%s%s%s; "
                              "pass that layer's config", cls->str, count,
                              count ? " (" : "", names, count ? ")" : "");
        root = found;
        cls = gv_get(root, "class_name");
    }
    if (strcmp(cls->str, "GRU") != 0) {
        if (strcmp(cls->str, "CuDNNGRU") == 0)
            return gru__error(GRU_ERR_ARG,
                              "class_name: \"CuDNNGRU\" is a different layer (bias (6H)); "
                              "convert it to GRU(reset_after = TRUE, recurrent_activation = "
                              "\"sigmoid\") with the CuDNNGRU import instead");
        return gru__error(GRU_ERR_ARG, "class_name: expected \"GRU\", got \"%.60s\"; libgru "
                          "reads GRU layers only", cls->str);
    }
    static const char *const wrapper_keys[] = {"class_name", "config", "module",
                                               "registered_name", "build_config", "name",
                                               "inbound_nodes", "shared_object_id", NULL};
    for (int i = 0; i < root->n; i++) {
        bool ok = false;
        for (const char *const *k = wrapper_keys; *k && !ok; k++)
            ok = strcmp(*k, root->keys[i]) == 0;
        if (!ok)
            return gru__error(GRU_ERR_ARG, "unknown key \"%.60s\" next to class_name \"GRU\"; "
                              "accepted: class_name, config, module, registered_name, "
                              "build_config, name, inbound_nodes", root->keys[i]);
    }
    const gv *c = gv_get(root, "config");
    if (!c || c->kind != GV_OBJ)
        return gru__error(GRU_ERR_ARG, "config: the GRU layer needs a \"config\" object");
    *config = c;
    *wrapper = root;
    return GRU_OK;
}

/* Keras 3 or Keras 2? Keras 3 writes a "seed" key and no "implementation"/"time_major",
 * a DTypePolicy object as dtype, and "keras_version": "3..." in model JSON. */
static int detect_keras_major(const gv *root, const gv *config)
{
    const gv *kv = gv_get(root, "keras_version");
    if (kv && kv->kind == GV_STR)
        return kv->str[0] == '3' ? 3 : 2;
    const gv *dt = gv_get(config, "dtype");
    if (dt && dt->kind == GV_OBJ) {
        const gv *cls = gv_get(dt, "class_name");
        if (cls && cls->kind == GV_STR &&
            (strcmp(cls->str, "DTypePolicy") == 0 || strcmp(cls->str, "FloatDTypePolicy") == 0))
            return 3;
    }
    if (gv_get(config, "seed") && !gv_get(config, "implementation") &&
        !gv_get(config, "time_major"))
        return 3;
    return 2;
}

static int json_interpret(const gv *root, int keras_major, gru_config *cfg)
{
    char descbuf[96];
    if (root->kind != GV_OBJ)
        return gru__error(GRU_ERR_FORMAT, "JSON: expected an object ({\"class_name\": \"GRU\", "
                          "\"config\": {...}} or a GRU config), got %s", DESC(root));
    const gv *config = NULL, *wrapper = NULL;
    int rc = find_gru(root, &config, &wrapper);
    if (rc)
        return rc;
    if (keras_major == 0)
        keras_major = detect_keras_major(root, config);
    work *w = malloc(sizeof *w);
    if (!w)
        return gru__error(GRU_ERR_NOMEM, "JSON: out of memory");
    rc = work_init(w, FORM_JSON, keras_major);
    /* Keras 3 keeps the input shape in the wrapper's build_config */
    const gv *bc = gv_get(gv_get(wrapper, "build_config"), "input_shape");
    if (!rc && bc && bc->kind == GV_ARR && bc->n == 3) {
        rc = want_shape("build_config.input_shape", bc, 3, "[batch, timesteps, input_dim]",
                        w->build_shape);
        w->has_build_shape = true;
    }
    for (int i = 0; i < config->n && !rc; i++)
        rc = add_key(w, config->keys[i], config->items[i]);
    if (!rc)
        rc = work_finish(w, cfg);
    free(w);
    return rc;
}

int gru_config_parse_json(const char *json, int keras_major, gru_config *cfg)
{
    if (!json)
        return gru__error(GRU_ERR_NULL, "json: expected a string, got NULL");
    if (!cfg)
        return gru__error(GRU_ERR_NULL, "cfg: expected a pointer, got NULL");
    if (keras_major != 0 && keras_major != 2 && keras_major != 3)
        return gru__error(GRU_ERR_ARG, "keras_major: expected 0 (detect), 2 or 3, got %d",
                          keras_major);
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithOpts(json, &end, 1);
    if (!doc) {
        size_t off = end ? (size_t)(end - json) : 0;
        char near[24];
        size_t n = 0;
        while (end && n < sizeof near - 1 && end[n] && end[n] != '\n')
            n++;
        if (end)
            memcpy(near, end, n);
        near[n] = '\0';
        if (end && !*end)
            return gru__error(GRU_ERR_FORMAT, "JSON: malformed or truncated: unexpected end "
                              "of text at offset %zu", off);
        return gru__error(GRU_ERR_FORMAT, "JSON: malformed at offset %zu (near \"%s\")", off,
                          near);
    }
    arena a = {NULL};
    gv *root = NULL;
    int rc = gv_from_cjson(&a, doc, 0, &root);
    cJSON_Delete(doc);
    if (!rc)
        rc = json_interpret(root, keras_major, cfg);
    arena_free(&a);
    return rc;
}

#else /* !GRU_HAVE_CJSON */

int gru_config_parse_json(const char *json, int keras_major, gru_config *cfg)
{
    (void)keras_major;
    if (!json)
        return gru__error(GRU_ERR_NULL, "json: expected a string, got NULL");
    if (!cfg)
        return gru__error(GRU_ERR_NULL, "cfg: expected a pointer, got NULL");
    return gru__error(GRU_ERR_UNSUPPORTED,
                      "JSON configuration: this build has no JSON support (rebuild with "
                      "cJSON: Debian package libcjson-dev, CMake option GRU_WITH_CJSON)");
}

#endif

int gru_config_parse(const char *text, gru_config *cfg)
{
    if (!text)
        return gru__error(GRU_ERR_NULL, "text: expected a string, got NULL");
    if (!cfg)
        return gru__error(GRU_ERR_NULL, "cfg: expected a pointer, got NULL");
    const char *p = text;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (*p == '{')
        return gru_config_parse_json(text, 0, cfg);
    return gru_config_parse_r(text, cfg);
}

/* ------------------------------------------------------------------------------ */
/* Printing                                                                         */
/* ------------------------------------------------------------------------------ */

typedef struct sbuf {
    char *buf;
    size_t cap, len;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->len + n < b->cap) /* room for the text and the final NUL */
        memcpy(b->buf + b->len, s, n);
    b->len += n;
}

static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_printf(sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        sb_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* The shortest decimal that reads back as exactly v. JSON: integral values get ".0"
 * (as Python writes floats). */
static void sb_num(sbuf *b, double v, bool json)
{
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    sb_str(b, tmp);
    if (json && !strpbrk(tmp, ".eEn"))
        sb_str(b, ".0");
}

/* A string in double quotes with backslash escapes (JSON and R alike). */
static void sb_quoted(sbuf *b, const char *s, bool json)
{
    sb_str(b, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        switch (ch) {
        case '"': sb_str(b, "\\\""); break;
        case '\\': sb_str(b, "\\\\"); break;
        case '\n': sb_str(b, "\\n"); break;
        case '\t': sb_str(b, "\\t"); break;
        case '\r': sb_str(b, "\\r"); break;
        default:
            if (ch < 0x20) {
                if (json)
                    sb_printf(b, "\\u%04x", ch);
                else
                    sb_printf(b, "\\x%02x", ch);
            } else {
                sb_put(b, (const char *)&ch, 1);
            }
        }
    }
    sb_str(b, "\"");
}

static int sb_finish(sbuf *b, size_t *needed)
{
    if (needed)
        *needed = b->len;
    if (b->len + 1 > b->cap) {
        if (b->cap > 0)
            b->buf[0] = '\0';
        return gru__error(GRU_ERR_BUFFER, "buf: needs %zu bytes (text and NUL), cap is %zu",
                          b->len + 1, b->cap);
    }
    b->buf[b->len] = '\0';
    return GRU_OK;
}

static int print_begin(const gru_config *cfg, char *buf, size_t cap)
{
    if (!cfg)
        return gru__error(GRU_ERR_NULL, "cfg: expected a pointer, got NULL");
    if (!buf && cap > 0)
        return gru__error(GRU_ERR_NULL, "buf: expected a buffer of cap %zu bytes, got NULL",
                          cap);
    if (buf && cap > 0)
        buf[0] = '\0';
    return gru_config_validate(cfg);
}

static const char *dist_name(gru_distribution d)
{
    return d == GRU_DIST_UNIFORM ? "uniform"
           : d == GRU_DIST_UNTRUNCATED_NORMAL ? "untruncated_normal"
                                              : "truncated_normal";
}

static const char *mode_name(gru_fan_mode m)
{
    return m == GRU_FAN_OUT ? "fan_out" : m == GRU_FAN_AVG ? "fan_avg" : "fan_in";
}

static bool init_is_default(const gru_initializer *in)
{
    gru_initializer d = gru_initializer_default(in->kind);
    return !in->has_seed && in->value == d.value && in->mean == d.mean &&
           in->stddev == d.stddev && in->minval == d.minval && in->maxval == d.maxval &&
           in->gain == d.gain && in->scale == d.scale && in->mode == d.mode &&
           in->distribution == d.distribution;
}

/* ---- R --------------------------------------------------------------------------- */

static void r_seed(sbuf *b, const gru_initializer *in)
{
    if (in->has_seed)
        sb_printf(b, "seed = %llu", (unsigned long long)in->seed);
    else
        sb_str(b, "seed = NULL");
}

static void r_initializer(sbuf *b, const char *field, const gru_initializer *in)
{
    sb_printf(b, ", %s = ", field);
    if (init_is_default(in)) {
        sb_quoted(b, gru_initializer_name(in->kind), false);
        return;
    }
    sb_printf(b, "initializer_%s(", gru_initializer_name(in->kind));
    switch (in->kind) {
    case GRU_INIT_CONSTANT:
        sb_str(b, "value = ");
        sb_num(b, in->value, false);
        break;
    case GRU_INIT_RANDOM_NORMAL:
    case GRU_INIT_TRUNCATED_NORMAL:
        sb_str(b, "mean = ");
        sb_num(b, in->mean, false);
        sb_str(b, ", stddev = ");
        sb_num(b, in->stddev, false);
        sb_str(b, ", ");
        r_seed(b, in);
        break;
    case GRU_INIT_RANDOM_UNIFORM:
        sb_str(b, "minval = ");
        sb_num(b, in->minval, false);
        sb_str(b, ", maxval = ");
        sb_num(b, in->maxval, false);
        sb_str(b, ", ");
        r_seed(b, in);
        break;
    case GRU_INIT_VARIANCE_SCALING:
        sb_str(b, "scale = ");
        sb_num(b, in->scale, false);
        sb_printf(b, ", mode = \"%s\", distribution = \"%s\", ", mode_name(in->mode),
                  dist_name(in->distribution));
        r_seed(b, in);
        break;
    case GRU_INIT_IDENTITY:
        sb_str(b, "gain = ");
        sb_num(b, in->gain, false);
        break;
    case GRU_INIT_ORTHOGONAL:
        sb_str(b, "gain = ");
        sb_num(b, in->gain, false);
        sb_str(b, ", ");
        r_seed(b, in);
        break;
    case GRU_INIT_ZEROS:
    case GRU_INIT_ONES:
        break;
    default:
        r_seed(b, in);
        break;
    }
    sb_str(b, ")");
}

static void r_regularizer(sbuf *b, const char *field, const gru_regularizer *r)
{
    sb_printf(b, ", %s = ", field);
    switch (r->kind) {
    case GRU_REG_L1:
        sb_str(b, "regularizer_l1(l = ");
        sb_num(b, r->l1, false);
        sb_str(b, ")");
        break;
    case GRU_REG_L2:
        sb_str(b, "regularizer_l2(l = ");
        sb_num(b, r->l2, false);
        sb_str(b, ")");
        break;
    case GRU_REG_L1_L2:
        sb_str(b, "regularizer_l1_l2(l1 = ");
        sb_num(b, r->l1, false);
        sb_str(b, ", l2 = ");
        sb_num(b, r->l2, false);
        sb_str(b, ")");
        break;
    default: sb_str(b, "NULL"); break;
    }
}

static void r_constraint(sbuf *b, const char *field, const gru_constraint *c)
{
    sb_printf(b, ", %s = ", field);
    switch (c->kind) {
    case GRU_CONSTRAINT_MAX_NORM:
        sb_str(b, "constraint_maxnorm(max_value = ");
        sb_num(b, c->max_value, false);
        sb_printf(b, ", axis = %d)", c->axis);
        break;
    case GRU_CONSTRAINT_NON_NEG: sb_str(b, "constraint_nonneg()"); break;
    case GRU_CONSTRAINT_UNIT_NORM: sb_printf(b, "constraint_unitnorm(axis = %d)", c->axis); break;
    case GRU_CONSTRAINT_MIN_MAX_NORM:
        sb_str(b, "constraint_minmaxnorm(min_value = ");
        sb_num(b, c->min_value, false);
        sb_str(b, ", max_value = ");
        sb_num(b, c->max_value, false);
        sb_str(b, ", rate = ");
        sb_num(b, c->rate, false);
        sb_printf(b, ", axis = %d)", c->axis);
        break;
    default: sb_str(b, "NULL"); break;
    }
}

static void r_dim(sbuf *b, int64_t d)
{
    if (d > 0)
        sb_printf(b, "%lld", (long long)d);
    else
        sb_str(b, "NULL");
}

static const char *tf(bool v) { return v ? "TRUE" : "FALSE"; }

int gru_config_to_r(const gru_config *cfg, char *buf, size_t cap, size_t *needed)
{
    if (needed)
        *needed = 0;
    int rc = print_begin(cfg, buf, cap);
    if (rc)
        return rc;
    sbuf b = {buf, cap, 0};
    sb_printf(&b, "units = %lld, activation = ", (long long)cfg->units);
    sb_quoted(&b, gru_activation_name(cfg->activation), false);
    sb_str(&b, ", recurrent_activation = ");
    sb_quoted(&b, gru_activation_name(cfg->recurrent_activation), false);
    sb_printf(&b,
              ", use_bias = %s, return_sequences = %s, return_state = %s, go_backwards = %s, "
              "stateful = %s, unroll = %s, reset_after = %s",
              tf(cfg->use_bias), tf(cfg->return_sequences), tf(cfg->return_state),
              tf(cfg->go_backwards), tf(cfg->stateful), tf(cfg->unroll), tf(cfg->reset_after));
    r_initializer(&b, "kernel_initializer", &cfg->kernel_initializer);
    r_initializer(&b, "recurrent_initializer", &cfg->recurrent_initializer);
    r_initializer(&b, "bias_initializer", &cfg->bias_initializer);
    r_regularizer(&b, "kernel_regularizer", &cfg->kernel_regularizer);
    r_regularizer(&b, "recurrent_regularizer", &cfg->recurrent_regularizer);
    r_regularizer(&b, "bias_regularizer", &cfg->bias_regularizer);
    r_regularizer(&b, "activity_regularizer", &cfg->activity_regularizer);
    r_constraint(&b, "kernel_constraint", &cfg->kernel_constraint);
    r_constraint(&b, "recurrent_constraint", &cfg->recurrent_constraint);
    r_constraint(&b, "bias_constraint", &cfg->bias_constraint);
    sb_str(&b, ", dropout = ");
    sb_num(&b, cfg->dropout, false);
    sb_str(&b, ", recurrent_dropout = ");
    sb_num(&b, cfg->recurrent_dropout, false);
    sb_str(&b, ", input_shape = ");
    if (cfg->timesteps == 0 && cfg->input_dim == 0) {
        sb_str(&b, "NULL");
    } else {
        sb_str(&b, "c(");
        r_dim(&b, cfg->timesteps);
        sb_str(&b, ", ");
        r_dim(&b, cfg->input_dim);
        sb_str(&b, ")");
    }
    sb_str(&b, ", batch_size = ");
    r_dim(&b, cfg->batch_size);
    sb_printf(&b, ", dtype = \"%s\", name = ", gru_dtype_name(cfg->dtype));
    if (cfg->name[0])
        sb_quoted(&b, cfg->name, false);
    else
        sb_str(&b, "NULL");
    sb_printf(&b, ", trainable = %s, implementation = %d, seed = %llu", tf(cfg->trainable),
              cfg->implementation, (unsigned long long)cfg->seed);
    if (cfg->zero_output_for_mask)
        sb_str(&b, ", zero_output_for_mask = TRUE");
    return sb_finish(&b, needed);
}

/* ---- JSON --------------------------------------------------------------------------- */

static void j_bool(sbuf *b, const char *key, bool v)
{
    sb_printf(b, ", \"%s\": %s", key, v ? "true" : "false");
}

static void j_numkey(sbuf *b, const char *key, double v)
{
    sb_printf(b, "\"%s\": ", key);
    sb_num(b, v, true);
}

static void j_seed(sbuf *b, const gru_initializer *in)
{
    if (in->has_seed)
        sb_printf(b, "\"seed\": %llu", (unsigned long long)in->seed);
    else
        sb_str(b, "\"seed\": null");
}

static void j_object_begin(sbuf *b, const char *key, const char *module, const char *cls)
{
    sb_printf(b, ", \"%s\": {\"module\": \"%s\", \"class_name\": \"%s\", \"config\": {", key,
              module, cls);
}

static void j_object_end(sbuf *b) { sb_str(b, "}, \"registered_name\": null}"); }

static void j_initializer(sbuf *b, const char *field, const gru_initializer *in)
{
    j_object_begin(b, field, "keras.initializers", init_class[in->kind]);
    switch (in->kind) {
    case GRU_INIT_CONSTANT: j_numkey(b, "value", in->value); break;
    case GRU_INIT_RANDOM_NORMAL:
    case GRU_INIT_TRUNCATED_NORMAL:
        j_numkey(b, "mean", in->mean);
        sb_str(b, ", ");
        j_numkey(b, "stddev", in->stddev);
        sb_str(b, ", ");
        j_seed(b, in);
        break;
    case GRU_INIT_RANDOM_UNIFORM:
        j_numkey(b, "minval", in->minval);
        sb_str(b, ", ");
        j_numkey(b, "maxval", in->maxval);
        sb_str(b, ", ");
        j_seed(b, in);
        break;
    case GRU_INIT_VARIANCE_SCALING:
        j_numkey(b, "scale", in->scale);
        sb_printf(b, ", \"mode\": \"%s\", \"distribution\": \"%s\", ", mode_name(in->mode),
                  dist_name(in->distribution));
        j_seed(b, in);
        break;
    case GRU_INIT_IDENTITY: j_numkey(b, "gain", in->gain); break;
    case GRU_INIT_ORTHOGONAL:
        j_numkey(b, "gain", in->gain);
        sb_str(b, ", ");
        j_seed(b, in);
        break;
    case GRU_INIT_ZEROS:
    case GRU_INIT_ONES: break;
    default: j_seed(b, in); break;
    }
    j_object_end(b);
}

static void j_regularizer(sbuf *b, const char *field, const gru_regularizer *r)
{
    if (r->kind == GRU_REG_NONE) {
        sb_printf(b, ", \"%s\": null", field);
        return;
    }
    if (r->kind == GRU_REG_L1) {
        j_object_begin(b, field, "keras.regularizers", "L1");
        j_numkey(b, "l1", r->l1);
    } else if (r->kind == GRU_REG_L2) {
        j_object_begin(b, field, "keras.regularizers", "L2");
        j_numkey(b, "l2", r->l2);
    } else {
        j_object_begin(b, field, "keras.regularizers", "L1L2");
        j_numkey(b, "l1", r->l1);
        sb_str(b, ", ");
        j_numkey(b, "l2", r->l2);
    }
    j_object_end(b);
}

static void j_constraint(sbuf *b, const char *field, const gru_constraint *c)
{
    switch (c->kind) {
    case GRU_CONSTRAINT_MAX_NORM:
        j_object_begin(b, field, "keras.constraints", "MaxNorm");
        j_numkey(b, "max_value", c->max_value);
        sb_printf(b, ", \"axis\": %d", c->axis);
        break;
    case GRU_CONSTRAINT_NON_NEG: j_object_begin(b, field, "keras.constraints", "NonNeg"); break;
    case GRU_CONSTRAINT_UNIT_NORM:
        j_object_begin(b, field, "keras.constraints", "UnitNorm");
        sb_printf(b, "\"axis\": %d", c->axis);
        break;
    case GRU_CONSTRAINT_MIN_MAX_NORM:
        j_object_begin(b, field, "keras.constraints", "MinMaxNorm");
        j_numkey(b, "min_value", c->min_value);
        sb_str(b, ", ");
        j_numkey(b, "max_value", c->max_value);
        sb_str(b, ", ");
        j_numkey(b, "rate", c->rate);
        sb_printf(b, ", \"axis\": %d", c->axis);
        break;
    default: sb_printf(b, ", \"%s\": null", field); return;
    }
    j_object_end(b);
}

static void j_dim(sbuf *b, int64_t d)
{
    if (d > 0)
        sb_printf(b, "%lld", (long long)d);
    else
        sb_str(b, "null");
}

int gru_config_to_json(const gru_config *cfg, char *buf, size_t cap, size_t *needed)
{
    if (needed)
        *needed = 0;
    int rc = print_begin(cfg, buf, cap);
    if (rc)
        return rc;
    sbuf b = {buf, cap, 0};
    sb_str(&b, "{\"class_name\": \"GRU\", \"config\": {\"name\": ");
    sb_quoted(&b, cfg->name[0] ? cfg->name : "gru", true);
    j_bool(&b, "trainable", cfg->trainable);
    sb_printf(&b, ", \"dtype\": \"%s\"", gru_dtype_name(cfg->dtype));
    if (cfg->batch_size > 0 || cfg->timesteps > 0 || cfg->input_dim > 0) {
        sb_str(&b, ", \"batch_input_shape\": [");
        j_dim(&b, cfg->batch_size);
        sb_str(&b, ", ");
        j_dim(&b, cfg->timesteps);
        sb_str(&b, ", ");
        j_dim(&b, cfg->input_dim);
        sb_str(&b, "]");
    }
    j_bool(&b, "return_sequences", cfg->return_sequences);
    j_bool(&b, "return_state", cfg->return_state);
    if (cfg->zero_output_for_mask) /* tf_keras writes it only when true */
        j_bool(&b, "zero_output_for_mask", true);
    j_bool(&b, "go_backwards", cfg->go_backwards);
    j_bool(&b, "stateful", cfg->stateful);
    j_bool(&b, "unroll", cfg->unroll);
    j_bool(&b, "time_major", false);
    sb_printf(&b, ", \"units\": %lld, \"activation\": \"%s\", \"recurrent_activation\": \"%s\"",
              (long long)cfg->units, gru_activation_name(cfg->activation),
              gru_activation_name(cfg->recurrent_activation));
    j_bool(&b, "use_bias", cfg->use_bias);
    j_initializer(&b, "kernel_initializer", &cfg->kernel_initializer);
    j_initializer(&b, "recurrent_initializer", &cfg->recurrent_initializer);
    j_initializer(&b, "bias_initializer", &cfg->bias_initializer);
    j_regularizer(&b, "kernel_regularizer", &cfg->kernel_regularizer);
    j_regularizer(&b, "recurrent_regularizer", &cfg->recurrent_regularizer);
    j_regularizer(&b, "bias_regularizer", &cfg->bias_regularizer);
    j_regularizer(&b, "activity_regularizer", &cfg->activity_regularizer);
    j_constraint(&b, "kernel_constraint", &cfg->kernel_constraint);
    j_constraint(&b, "recurrent_constraint", &cfg->recurrent_constraint);
    j_constraint(&b, "bias_constraint", &cfg->bias_constraint);
    sb_str(&b, ", ");
    j_numkey(&b, "dropout", cfg->dropout);
    sb_str(&b, ", ");
    j_numkey(&b, "recurrent_dropout", cfg->recurrent_dropout);
    sb_printf(&b, ", \"implementation\": %d", cfg->implementation);
    j_bool(&b, "reset_after", cfg->reset_after);
    if (cfg->seed != 0) /* libgru's layer seed; tf.keras has no such key */
        sb_printf(&b, ", \"seed\": %llu", (unsigned long long)cfg->seed);
    sb_str(&b, "}}");
    return sb_finish(&b, needed);
}
