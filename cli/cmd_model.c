/* gru inspect / gru convert, and the --model loader of gru forward: model files through
 * the library's gru_io.h. */
#include "model_io.h"
#include "cli.h"
#include "gru_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char INSPECT_HELP[] =
    "usage: gru inspect FILE\n"
    "\n"
    "List the GRU layers of a model file: Keras 2 / tf.keras .h5 (full model or weights),\n"
    "Keras 3 .keras and .weights.h5, safetensors (PyTorch nn.GRU state dicts or Keras\n"
    "layout). For each layer: its name, class, configuration, weight shapes and names in\n"
    "the file, parameter count, and any layout conversion applied. Also the file's Keras\n"
    "version and which hard_sigmoid its configurations mean (Keras 2: clip(0.2x + 0.5, 0, 1);\n"
    "Keras 3: clip(x/6 + 0.5, 0, 1)).\n";

static const char CONVERT_HELP[] =
    "usage: gru convert INPUT OUTPUT [--layer NAME ...] [--to FORMAT]\n"
    "       gru convert --from pytorch --weight-ih A.npy --weight-hh B.npy [--bias-ih C.npy\n"
    "                   --bias-hh D.npy] OUTPUT [--to FORMAT]\n"
    "       gru convert --from onnx --W W.npy --R R.npy [--B B.npy] [--direction D]\n"
    "                   [--linear-before-reset 0|1] OUTPUT [--to FORMAT]\n"
    "       gru convert --from cudnn|keras --kernel K.npy --recurrent-kernel RK.npy\n"
    "                   [--bias B.npy] OUTPUT [--to FORMAT]\n"
    "\n"
    "Convert GRU weights between formats and layouts. INPUT is any model file gru inspect\n"
    "reads; --from takes the arrays of one layer as .npy files instead (PyTorch nn.GRU\n"
    "weight_ih (3H, I), weight_hh (3H, H), bias_ih, bias_hh (3H); ONNX GRU W (dirs, 3H, I),\n"
    "R (dirs, 3H, H), B (dirs, 6H), one direction; CuDNNGRU kernel, recurrent kernel and\n"
    "bias (6H), converted to a GRU with reset_after = TRUE; Keras kernel, recurrent kernel,\n"
    "bias). FORMAT (default from OUTPUT's name: .h5 -> keras-h5, .safetensors ->\n"
    "safetensors-pytorch):\n"
    "  keras-h5             Keras 2 / tf.keras weights-only HDF5 (tf_keras load_weights)\n"
    "  safetensors-pytorch  PyTorch nn.GRU names (needs reset_after = TRUE, sigmoid, tanh)\n"
    "  safetensors-keras    <layer>/kernel, <layer>/recurrent_kernel, <layer>/bias\n"
    "  npy-keras            OUTPUT/kernel.npy, recurrent_kernel.npy, bias.npy (one layer)\n"
    "  npy-pytorch          OUTPUT/weight_ih.npy, weight_hh.npy, bias_ih.npy, bias_hh.npy\n"
    "  npy-onnx             OUTPUT/W.npy (1, 3H, I), R.npy (1, 3H, H), B.npy (1, 6H); use\n"
    "                       linear_before_reset = reset_after\n"
    "--layer picks layers (repeatable; default all; the npy formats need exactly one).\n";

/* ---- loading -------------------------------------------------------------------------- */

static int load_model(const char *path, gru_model **m)
{
    if (gru_model_load(path, m) != GRU_OK) {
        gru_cli_error_file("model", path);
        return GRU_CLI_EXIT_ERROR;
    }
    return GRU_CLI_EXIT_OK;
}

int gru_cli_layer_from_model(const char *path, const char *layer_name,
                             const gru_config *cfg_override, gru_layer **out)
{
    gru_model *m;
    *out = NULL;
    int rc = load_model(path, &m);
    if (rc != GRU_CLI_EXIT_OK)
        return rc;
    int idx = 0;
    if (layer_name && gru_model_find_layer(m, layer_name, &idx) != GRU_OK) {
        gru_cli_error("--layer %s: %s", layer_name, gru_errmsg());
        gru_model_destroy(m);
        return GRU_CLI_EXIT_ERROR;
    }
    /* --config replaces the file's configuration (weights must fit it) */
    if (gru_model_layer_create(m, idx, cfg_override, out) != GRU_OK) {
        gru_cli_error("--model %s: layer \"%s\": %s", path, gru_model_layer_at(m, idx)->name,
                      gru_errmsg());
        rc = GRU_CLI_EXIT_ERROR;
    }
    gru_model_destroy(m);
    return rc;
}

/* ---- inspect -------------------------------------------------------------------------- */

static void print_shape(int ndim, int64_t a, int64_t b)
{
    if (ndim == 1)
        printf("(%lld,)", (long long)a);
    else
        printf("(%lld, %lld)", (long long)a, (long long)b);
}

int gru_cli_inspect(int argc, char **argv)
{
    if (gru_cli_wants_help(argc, argv)) {
        fputs(INSPECT_HELP, stdout);
        return GRU_CLI_EXIT_OK;
    }
    if (argc != 2) {
        gru_cli_error("inspect: expected one FILE (see gru inspect --help)");
        return GRU_CLI_EXIT_USAGE;
    }
    gru_model *m;
    int rc = load_model(argv[1], &m);
    if (rc != GRU_CLI_EXIT_OK)
        return rc;
    int major = gru_model_keras_major(m);
    printf("file: %s\n", argv[1]);
    printf("format: %s\n", gru_file_format_name(gru_model_format(m)));
    printf("keras_version: %s\n", gru_model_keras_version(m)[0] ? gru_model_keras_version(m) : "(none)");
    if (major >= 3)
        printf("hard_sigmoid: Keras 3, clip(x/6 + 0.5, 0, 1) (hard_sigmoid_keras3)\n");
    else if (major >= 1)
        printf("hard_sigmoid: Keras 2, clip(0.2x + 0.5, 0, 1)\n");
    else
        printf("hard_sigmoid: not a Keras file (PyTorch / plain tensors: sigmoid)\n");
    printf("gru_layers: %d\n", gru_model_num_layers(m));
    for (int i = 0; i < gru_model_num_layers(m); i++) {
        const gru_model_layer *L = gru_model_layer_at(m, i);
        const gru_config *c = &L->config;
        int64_t I = L->input_dim, H = L->units;
        int64_t params = 3 * (H * (I + H)) + (L->bias ? 3 * H * (c->reset_after ? 2 : 1) : 0);
        printf("\nlayer %d: %s\n", i, L->name);
        printf("  class: %s\n", L->class_name[0] ? L->class_name : "(unknown)");
        printf("  path: %s\n", L->path);
        printf("  input_dim: %lld\n  units: %lld\n", (long long)I, (long long)H);
        printf("  reset_after: %s\n  use_bias: %s\n", c->reset_after ? "TRUE" : "FALSE",
               L->bias ? "TRUE" : "FALSE");
        printf("  activation: %s\n  recurrent_activation: %s\n", gru_activation_name(c->activation),
               gru_activation_name(c->recurrent_activation));
        printf("  kernel: ");
        print_shape(2, I, 3 * H);
        printf("\n  recurrent_kernel: ");
        print_shape(2, H, 3 * H);
        if (L->bias) {
            printf("\n  bias: ");
            print_shape(c->reset_after ? 2 : 1, c->reset_after ? 2 : 3 * H, 3 * H);
        }
        printf("\n  dtype: %s\n  params: %lld\n", gru_dtype_name(L->dtype), (long long)params);
        printf("  weights in file:");
        for (int w = 0; w < L->num_weights && w < 9; w++)
            printf("%s %s", w ? "," : "", L->weight_names[w]);
        printf("\n");
        if (L->conversion[0])
            printf("  conversion: %s\n", L->conversion);
        printf("  config from file: %s\n", L->has_config ? "yes" : "no (inferred from the weights)");
        size_t need = 0;
        gru_config_to_r(c, NULL, 0, &need);
        char *buf = malloc(need + 1);
        if (buf && gru_config_to_r(c, buf, need + 1, NULL) == GRU_OK)
            printf("  config: %s\n", buf);
        free(buf);
    }
    gru_model_destroy(m);
    return GRU_CLI_EXIT_OK;
}

/* ---- convert -------------------------------------------------------------------------- */

typedef enum out_format {
    OUT_NONE, OUT_KERAS_H5, OUT_ST_PYTORCH, OUT_ST_KERAS, OUT_NPY_KERAS, OUT_NPY_PYTORCH, OUT_NPY_ONNX
} out_format;

static out_format parse_format(const char *s)
{
    static const struct { const char *n; out_format f; } t[] = {
        {"keras-h5", OUT_KERAS_H5}, {"safetensors-pytorch", OUT_ST_PYTORCH},
        {"safetensors-keras", OUT_ST_KERAS}, {"npy-keras", OUT_NPY_KERAS},
        {"npy-pytorch", OUT_NPY_PYTORCH}, {"npy-onnx", OUT_NPY_ONNX}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(s, t[i].n) == 0)
            return t[i].f;
    return OUT_NONE;
}

static bool ends_with(const char *s, const char *sfx)
{
    size_t a = strlen(s), b = strlen(sfx);
    return a >= b && strcmp(s + a - b, sfx) == 0;
}

/* A layer from Keras-layout arrays with an inferred configuration. */
static int layer_from_arrays(const gru_tensor *k, const gru_tensor *r, const gru_tensor *b,
                             gru_layer **out)
{
    gru_config cfg;
    bool ra = b && b->ndim == 2;
    gru_config_init_preset(&cfg, r->shape[0], ra ? GRU_PRESET_TF2 : GRU_PRESET_KERAS2);
    cfg.input_dim = k->shape[0];
    cfg.use_bias = b != NULL;
    cfg.reset_after = ra;
    cfg.return_sequences = true;
    cfg.dtype = k->dtype;
    if (gru_layer_create(&cfg, out) != GRU_OK || gru_layer_set_weights(*out, k, r, b) != GRU_OK) {
        gru_cli_error("convert: %s", gru_errmsg());
        gru_layer_destroy(*out);
        *out = NULL;
        return GRU_CLI_EXIT_ERROR;
    }
    return GRU_CLI_EXIT_OK;
}

static int as_tensor(const char *flag, const char *path, gru_npy_array *a, gru_tensor *t)
{
    int rc = gru_cli_load_npy(flag, path, a);
    if (rc != GRU_CLI_EXIT_OK)
        return rc;
    if (a->dtype != GRU_FLOAT32 && a->dtype != GRU_FLOAT64) {
        gru_cli_error("%s %s: expected float32 or float64, got %s", flag, path, gru_dtype_name(a->dtype));
        return GRU_CLI_EXIT_ERROR;
    }
    if (gru_npy_as_tensor(a, t) != GRU_OK) {
        gru_cli_error("%s %s: %s", flag, path, gru_errmsg());
        return GRU_CLI_EXIT_ERROR;
    }
    return GRU_CLI_EXIT_OK;
}

/* Build the one layer described by --from arrays. */
static int layer_from_npy(const char *from, const char **opt, int direction, int lbr, gru_layer **out)
{
    /* opt: 0 weight-ih/W/kernel, 1 weight-hh/R/recurrent-kernel, 2 bias-ih/B/bias, 3 bias-hh */
    static const char *const flags[3][4] = {{"--weight-ih", "--weight-hh", "--bias-ih", "--bias-hh"},
                                            {"--W", "--R", "--B", NULL},
                                            {"--kernel", "--recurrent-kernel", "--bias", NULL}};
    int kind = strcmp(from, "pytorch") == 0 ? 0 : strcmp(from, "onnx") == 0 ? 1 : 2;
    gru_npy_array a[4];
    gru_tensor t[4];
    memset(a, 0, sizeof a);
    int rc = GRU_CLI_EXIT_OK;
    for (int i = 0; i < 4 && rc == GRU_CLI_EXIT_OK; i++) {
        if (!opt[i])
            continue;
        rc = as_tensor(flags[kind][i] ? flags[kind][i] : "--bias", opt[i], &a[i], &t[i]);
    }
    if (rc != GRU_CLI_EXIT_OK)
        goto out;
    if (!opt[0] || !opt[1]) {
        gru_cli_error("convert: --from %s needs %s and %s", from, flags[kind][0], flags[kind][1]);
        rc = GRU_CLI_EXIT_USAGE;
        goto out;
    }
    gru_dtype dt = t[0].dtype;
    void *buf[3] = {NULL, NULL, NULL};
    gru_tensor k, r, b;
    bool has_b = opt[2] != NULL, cudnn = strcmp(from, "cudnn") == 0;
    int st = GRU_OK;
    if (kind == 0 && (opt[2] == NULL) != (opt[3] == NULL)) {
        gru_cli_error("convert: give both --bias-ih and --bias-hh, or neither");
        rc = GRU_CLI_EXIT_USAGE;
        goto out;
    }
    if (cudnn && !opt[2]) {
        gru_cli_error("convert: --from cudnn needs --bias (6H)");
        rc = GRU_CLI_EXIT_USAGE;
        goto out;
    }
    if (kind == 2 && !cudnn) {
        k = t[0];
        r = t[1];
        if (has_b)
            b = t[2];
    } else {
        /* I and H from the last axis of PyTorch (3H, I), (3H, H) and ONNX (dirs, 3H, I),
         * (dirs, 3H, H) arrays, the first of CuDNNGRU's (I, 3H), (H, 3H); the conversion
         * checks the shapes */
        int nd = kind == 1 ? 3 : 2, ax = cudnn ? 0 : nd - 1;
        int64_t H = t[1].ndim == nd ? t[1].shape[ax] : 1, I = t[0].ndim == nd ? t[0].shape[ax] : 1;
        buf[0] = calloc((size_t)(I * 3 * H), gru_dtype_size(dt));
        buf[1] = calloc((size_t)(H * 3 * H), gru_dtype_size(dt));
        buf[2] = calloc((size_t)(6 * H), gru_dtype_size(dt));
        k = gru_tensor_2d(dt, I, 3 * H, buf[0]);
        r = gru_tensor_2d(dt, H, 3 * H, buf[1]);
        b = kind == 1 && !lbr ? gru_tensor_1d(dt, 3 * H, buf[2])
                              : gru_tensor_2d(dt, 2, 3 * H, buf[2]);
        if (kind == 0)
            st = gru_pytorch_to_keras(&t[0], &t[1], has_b ? &t[2] : NULL, has_b ? &t[3] : NULL, &k,
                                      &r, has_b ? &b : NULL);
        else if (kind == 1)
            st = gru_onnx_to_keras(&t[0], &t[1], has_b ? &t[2] : NULL, direction, lbr != 0, &k, &r,
                                   has_b ? &b : NULL);
        else
            st = gru_cudnn_to_keras(&t[0], &t[1], &t[2], true, &k, &r, &b);
    }
    if (st == GRU_OK && !buf[0] && kind != 2)
        st = GRU_ERR_NOMEM;
    if (st != GRU_OK) {
        gru_cli_error("convert: --from %s: %s", from, gru_errmsg());
        rc = GRU_CLI_EXIT_ERROR;
    } else {
        rc = layer_from_arrays(&k, &r, has_b ? &b : NULL, out);
    }
    for (int i = 0; i < 3; i++)
        free(buf[i]);
out:
    for (int i = 0; i < 4; i++)
        gru_npy_free(&a[i]);
    return rc;
}

static int write_npy(out_format f, const char *dir, const gru_layer *L)
{
    const gru_config *c = gru_layer_config(L);
    int64_t I = c->input_dim, H = c->units;
    gru_dtype dt = c->dtype == GRU_FLOAT64 ? GRU_FLOAT64 : GRU_FLOAT32;
    size_t es = gru_dtype_size(dt);
    void *k = calloc((size_t)(I * 3 * H), es), *r = calloc((size_t)(H * 3 * H), es),
         *b = calloc((size_t)(6 * H), es);
    void *o0 = calloc((size_t)(I * 3 * H), es), *o1 = calloc((size_t)(H * 3 * H), es),
         *o2 = calloc((size_t)(6 * H), es);
    int rc = GRU_CLI_EXIT_OK;
    if (!k || !r || !b || !o0 || !o1 || !o2) {
        gru_cli_error("convert: out of memory");
        rc = GRU_CLI_EXIT_ERROR;
        goto out;
    }
    mkdir(dir, 0777);
    gru_tensor tk = gru_tensor_2d(dt, I, 3 * H, k), tr = gru_tensor_2d(dt, H, 3 * H, r);
    gru_tensor tb = c->reset_after ? gru_tensor_2d(dt, 2, 3 * H, b) : gru_tensor_1d(dt, 3 * H, b);
    if (gru_layer_get_weights(L, &tk, &tr, c->use_bias ? &tb : NULL) != GRU_OK) {
        gru_cli_error("convert: %s", gru_errmsg());
        rc = GRU_CLI_EXIT_ERROR;
        goto out;
    }
    char p[4][4096];
    const char *paths[4] = {p[0], p[1], p[2], p[3]};
    const char *flags[4] = {"OUTPUT", "OUTPUT", "OUTPUT", "OUTPUT"};
    gru_tensor arrs[4];
    int n = 0, st = GRU_OK;
    if (f == OUT_NPY_KERAS) {
        const char *nm[3] = {"kernel", "recurrent_kernel", "bias"};
        arrs[0] = tk;
        arrs[1] = tr;
        arrs[2] = tb;
        n = c->use_bias ? 3 : 2;
        for (int i = 0; i < n; i++)
            snprintf(p[i], sizeof p[i], "%s/%s.npy", dir, nm[i]);
    } else if (f == OUT_NPY_PYTORCH) {
        arrs[0] = gru_tensor_2d(dt, 3 * H, I, o0);
        arrs[1] = gru_tensor_2d(dt, 3 * H, H, o1);
        arrs[2] = gru_tensor_1d(dt, 3 * H, o2);
        arrs[3] = gru_tensor_1d(dt, 3 * H, (char *)o2 + (size_t)(3 * H) * es);
        st = gru_keras_to_pytorch(&tk, &tr, c->use_bias ? &tb : NULL, &arrs[0], &arrs[1],
                                  c->use_bias ? &arrs[2] : NULL, c->use_bias ? &arrs[3] : NULL);
        const char *nm[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
        n = c->use_bias ? 4 : 2;
        for (int i = 0; i < n; i++)
            snprintf(p[i], sizeof p[i], "%s/%s.npy", dir, nm[i]);
    } else {
        arrs[0] = (gru_tensor){dt, 3, {1, 3 * H, I}, o0};
        arrs[1] = (gru_tensor){dt, 3, {1, 3 * H, H}, o1};
        arrs[2] = (gru_tensor){dt, 2, {1, 6 * H}, o2};
        st = gru_keras_to_onnx(&tk, &tr, c->use_bias ? &tb : NULL, 0, &arrs[0], &arrs[1], &arrs[2]);
        n = 3;
        snprintf(p[0], sizeof p[0], "%s/W.npy", dir);
        snprintf(p[1], sizeof p[1], "%s/R.npy", dir);
        snprintf(p[2], sizeof p[2], "%s/B.npy", dir);
    }
    if (st != GRU_OK) {
        gru_cli_error("convert: layer \"%s\": %s", c->name, gru_errmsg());
        rc = GRU_CLI_EXIT_ERROR;
        goto out;
    }
    rc = gru_cli_write_all(n, flags, paths, arrs);
    if (rc == GRU_CLI_EXIT_OK && f == OUT_NPY_ONNX)
        printf("linear_before_reset: %d\n", c->reset_after ? 1 : 0);
out:
    free(k);
    free(r);
    free(b);
    free(o0);
    free(o1);
    free(o2);
    return rc;
}

int gru_cli_convert(int argc, char **argv)
{
    if (gru_cli_wants_help(argc, argv)) {
        fputs(CONVERT_HELP, stdout);
        return GRU_CLI_EXIT_OK;
    }
    const char *pos[2] = {NULL, NULL}, *to = NULL, *from = NULL, *opt[4] = {NULL, NULL, NULL, NULL};
    const char *layers[64], *dir_s = NULL, *lbr_s = NULL;
    /* the options with one value (the last one given counts); opt[] as in layer_from_npy */
    const struct { const char *name; const char **value; } vopts[] = {
        {"--to", &to}, {"--from", &from}, {"--direction", &dir_s},
        {"--linear-before-reset", &lbr_s}, {"--weight-ih", &opt[0]}, {"--W", &opt[0]},
        {"--kernel", &opt[0]}, {"--weight-hh", &opt[1]}, {"--R", &opt[1]},
        {"--recurrent-kernel", &opt[1]}, {"--bias-ih", &opt[2]}, {"--B", &opt[2]},
        {"--bias", &opt[2]}, {"--bias-hh", &opt[3]}};
    int npos = 0, nl = 0, rc = GRU_CLI_EXIT_OK;
    for (int i = 1; i < argc;) {
        const char *v;
        int r = 0;
        for (size_t o = 0; o < sizeof vopts / sizeof vopts[0] && r == 0; o++)
            r = gru_cli_opt_value(argc, argv, &i, vopts[o].name, vopts[o].value);
        if (r < 0)
            return GRU_CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        if ((r = gru_cli_opt_value(argc, argv, &i, "--layer", &v)) != 0) {
            if (r < 0)
                return GRU_CLI_EXIT_USAGE;
            if (nl >= 64) {
                gru_cli_error("convert: at most 64 --layer");
                return GRU_CLI_EXIT_USAGE;
            }
            layers[nl++] = v;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            gru_cli_error("convert: unknown option '%s' (see gru convert --help)", argv[i]);
            return GRU_CLI_EXIT_USAGE;
        }
        if (npos >= 2) {
            gru_cli_error("convert: unexpected argument '%s' (see gru convert --help)", argv[i]);
            return GRU_CLI_EXIT_USAGE;
        }
        pos[npos++] = argv[i++];
    }
    const char *output = from ? pos[0] : pos[1];
    if ((from && npos != 1) || (!from && npos != 2)) {
        gru_cli_error(from ? "convert: expected one OUTPUT with --from" : "convert: expected INPUT and OUTPUT");
        return GRU_CLI_EXIT_USAGE;
    }
    out_format f = OUT_NONE;
    if (to) {
        f = parse_format(to);
        if (f == OUT_NONE) {
            gru_cli_error("--to: unknown format '%s'; accepted: keras-h5, safetensors-pytorch, "
                          "safetensors-keras, npy-keras, npy-pytorch, npy-onnx", to);
            return GRU_CLI_EXIT_USAGE;
        }
    } else if (ends_with(output, ".h5")) {
        f = OUT_KERAS_H5;
    } else if (ends_with(output, ".safetensors")) {
        f = OUT_ST_PYTORCH;
    } else {
        gru_cli_error("convert: cannot tell the output format from '%s'; give --to", output);
        return GRU_CLI_EXIT_USAGE;
    }
    if (from && strcmp(from, "pytorch") && strcmp(from, "onnx") && strcmp(from, "cudnn") &&
        strcmp(from, "keras")) {
        gru_cli_error("--from: unknown layout '%s'; accepted: pytorch, onnx, cudnn, keras", from);
        return GRU_CLI_EXIT_USAGE;
    }
    int direction = dir_s ? atoi(dir_s) : 0, lbr = lbr_s ? atoi(lbr_s) : 1;

    gru_layer *made[64];
    const char *names[64];
    int n = 0;
    gru_model *m = NULL;
    if (from) {
        rc = layer_from_npy(from, opt, direction, lbr, &made[0]);
        if (rc != GRU_CLI_EXIT_OK)
            return rc;
        names[0] = f == OUT_ST_PYTORCH ? "l0" : "gru";
        n = 1;
    } else {
        rc = load_model(pos[0], &m);
        if (rc != GRU_CLI_EXIT_OK)
            return rc;
        int idx[64];
        if (nl == 0) {
            for (int i = 0; i < gru_model_num_layers(m) && i < 64; i++)
                idx[n++] = i;
        } else {
            for (int i = 0; i < nl; i++) {
                if (gru_model_find_layer(m, layers[i], &idx[n]) != GRU_OK) {
                    gru_cli_error("--layer %s: %s", layers[i], gru_errmsg());
                    gru_model_destroy(m);
                    return GRU_CLI_EXIT_ERROR;
                }
                n++;
            }
        }
        for (int i = 0; i < n; i++) {
            if (gru_model_layer_create(m, idx[i], NULL, &made[i]) != GRU_OK) {
                gru_cli_error("%s: layer \"%s\": %s", pos[0], gru_model_layer_at(m, idx[i])->name,
                              gru_errmsg());
                for (int q = 0; q < i; q++)
                    gru_layer_destroy(made[q]);
                gru_model_destroy(m);
                return GRU_CLI_EXIT_ERROR;
            }
            names[i] = gru_model_layer_at(m, idx[i])->name;
        }
    }
    /* names usable by each format */
    static char fixed[64][GRU_IO_NAME_MAX];
    bool from_keras = m && gru_model_format(m) != GRU_FORMAT_SAFETENSORS;
    for (int i = 0, k = -1; i < n; i++) {
        if (f == OUT_KERAS_H5) {
            snprintf(fixed[i], sizeof fixed[i], "%s", names[i]);
            for (char *c = fixed[i]; *c; c++)
                if (*c == '/')
                    *c = '_';
            names[i] = fixed[i];
        } else if (f == OUT_ST_PYTORCH && from_keras) {
            /* Keras layers become l0, l1, ...; a Bidirectional's backward half l<k>_reverse */
            const char *last = strrchr(names[i], '/');
            last = last ? last + 1 : names[i];
            const char *dot = strrchr(last, '.');
            const char *sfx = dot ? dot + 1 : last;
            size_t sl = strlen(sfx);
            if (sfx[0] == 'l' && sfx[1] >= '0' && sfx[1] <= '9' &&
                strspn(sfx + 1, "0123456789") == (sl > 9 && strcmp(sfx + sl - 8, "_reverse") == 0
                                                      ? sl - 9 : sl - 1))
                continue; /* already PyTorch-style: "[prefix.]l<k>[_reverse]" */
            bool rev = strncmp(last, "backward_", 9) == 0;
            if (!rev || k < 0)
                k++;
            snprintf(fixed[i], sizeof fixed[i], "l%d%s", k, rev ? "_reverse" : "");
            names[i] = fixed[i];
        }
    }
    if (f == OUT_KERAS_H5 || f == OUT_ST_PYTORCH || f == OUT_ST_KERAS) {
        int st = f == OUT_KERAS_H5
                     ? gru_save_keras_h5(output, n, (const gru_layer *const *)made, names)
                     : gru_save_safetensors(output, n, (const gru_layer *const *)made, names,
                                            f == OUT_ST_PYTORCH ? GRU_LAYOUT_PYTORCH : GRU_LAYOUT_KERAS);
        if (st != GRU_OK) {
            gru_cli_error("convert: %s", gru_errmsg());
            rc = GRU_CLI_EXIT_ERROR;
        }
    } else if (n != 1) {
        gru_cli_error("convert: %s writes one layer; pick it with --layer (the file has %d)",
                      to ? to : "this format", n);
        rc = GRU_CLI_EXIT_USAGE;
    } else {
        rc = write_npy(f, output, made[0]);
    }
    for (int i = 0; i < n; i++)
        gru_layer_destroy(made[i]);
    gru_model_destroy(m);
    return rc;
}
