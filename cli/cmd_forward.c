/* gru forward: run a GRU layer given as configuration + Keras-layout weights (.npy) on
 * one or more inputs (.npy), writing the outputs (.npy) only when every call succeeded.
 *
 * Three steps, kept apart so that other layer sources (a model file) can plug in:
 *   parse the command line -> gru_cli_build_layer (config + weight arrays -> layer)
 *   -> gru_cli_run_calls (inputs -> calls -> outputs, all or nothing). */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"
#include "gru_internal.h" /* gru__shape_str, checked multiply */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char FORWARD_HELP[] =
    "usage: gru forward --config CONFIG --kernel K.npy --recurrent-kernel RK.npy [--bias B.npy]\n"
    "                   --input X.npy [--input X2.npy ...] [--mask M.npy ...]\n"
    "                   [--initial-state H0.npy ...]\n"
    "                   --output Y.npy [--output Y2.npy ...] [--state-output H.npy ...]\n"
#ifdef GRU_CLI_HAVE_MODEL_IO
    "       gru forward --model FILE [--layer NAME] [--config CONFIG] --input X.npy ... --output Y.npy ...\n"
#endif
    "\n"
    "Run the Keras GRU layer described by CONFIG with the given weights on each input.\n"
    "\n"
    "  --config CONFIG          a file holding Keras layer-config JSON ({\"class_name\": \"GRU\",\n"
    "                           \"config\": {...}} or the bare config) or R arguments, or that\n"
    "                           text itself, e.g. 'units = 32, reset_after = TRUE'.\n"
    "                           input_dim comes from input_shape, else from the kernel.\n"
    "  --kernel K.npy           (I, 3H), gates z | r | h, as Keras get_weights()[0]\n"
    "  --recurrent-kernel RK.npy  (H, 3H)\n"
    "  --bias B.npy             (3H), or (2, 3H) when reset_after = TRUE. Without it a layer\n"
    "                           with use_bias = TRUE uses its bias_initializer (zeros).\n"
    "  --input X.npy            (B, T, I). Repeat for consecutive calls on the same layer: a\n"
    "                           stateful layer carries its state from one call to the next,\n"
    "                           otherwise the calls are independent.\n"
    "  --mask M.npy             (B, T), any bool/int/float dtype, nonzero = keep.\n"
    "  --initial-state H0.npy   (B, H). --mask and --initial-state are given once (used by\n"
    "                           every call) or once per --input (matched by position).\n"
    "  --output Y.npy           one per --input: (B, T, H) with return_sequences, else (B, H)\n"
    "  --state-output H.npy     one per --input when return_state = TRUE: the final state (B, H)\n"
#ifdef GRU_CLI_HAVE_MODEL_IO
    "  --model FILE             take configuration and weights from a model file instead\n"
    "  --layer NAME             which GRU layer of the model (default: the first)\n"
#endif
    "\n"
    "Arrays are NumPy .npy files in C order; inputs, weights and states in the config's dtype\n"
    "(float32 unless dtype = \"float64\"). Outputs are written only when every call succeeded;\n"
    "on any error nothing is written, one line goes to stderr and the exit status is nonzero.\n";

/* ---- building the layer ------------------------------------------------------------- */

static int check_float_dtype(const gru_cli_weight *w, gru_dtype want)
{
    if (w->arr.dtype == want)
        return GRU_CLI_EXIT_OK;
    if (w->arr.dtype == GRU_FLOAT32 || w->arr.dtype == GRU_FLOAT64)
        gru_cli_error("%s %s: dtype %s does not match the config's dtype %s", w->flag, w->path,
                      gru_dtype_name(w->arr.dtype), gru_dtype_name(want));
    else
        gru_cli_error("%s %s: dtype %s; expected %s (the config's dtype)", w->flag, w->path,
                      gru_dtype_name(w->arr.dtype), gru_dtype_name(want));
    return GRU_CLI_EXIT_ERROR;
}

static int check_ndim(const char *flag, const char *path, const gru_npy_array *a, int want)
{
    if (a->ndim == want)
        return GRU_CLI_EXIT_OK;
    char sb[256];
    gru_cli_error("%s %s: expected %d dimension%s, got %d (shape %s)", flag, path, want,
                  want == 1 ? "" : "s", a->ndim, gru__shape_str(sb, sizeof sb, a->ndim, a->shape));
    return GRU_CLI_EXIT_ERROR;
}

static bool same_shape(const gru_npy_array *a, int ndim, const int64_t *shape)
{
    if (a->ndim != ndim)
        return false;
    for (int i = 0; i < ndim; i++)
        if (a->shape[i] != shape[i])
            return false;
    return true;
}

int gru_cli_build_layer(gru_config *cfg, const char *config_label, const gru_cli_weight *kernel,
                        const gru_cli_weight *recurrent_kernel, const gru_cli_weight *bias,
                        gru_layer **out)
{
    char sa[256], sb[256];
    const int64_t H = cfg->units;
    int64_t H3;
    *out = NULL;
    if (!gru__mul_i64(H, 3, &H3)) {
        gru_cli_error("%s: units = %lld is too large", config_label, (long long)H);
        return GRU_CLI_EXIT_ERROR;
    }
    /* kernel (I, 3H): dtype, rank, input_dim agreement, 3H */
    if (check_float_dtype(kernel, cfg->dtype) || check_ndim(kernel->flag, kernel->path, &kernel->arr, 2))
        return GRU_CLI_EXIT_ERROR;
    const int64_t I = kernel->arr.shape[0];
    gru__shape_str(sa, sizeof sa, 2, kernel->arr.shape);
    if (cfg->input_dim > 0 && cfg->input_dim != I) {
        gru_cli_error("%s %s: shape %s gives input_dim %lld, but %s gives input_dim %lld", kernel->flag,
                      kernel->path, sa, (long long)I, config_label, (long long)cfg->input_dim);
        return GRU_CLI_EXIT_ERROR;
    }
    if (I <= 0 || kernel->arr.shape[1] != H3) {
        int64_t want[2] = {I > 0 ? I : cfg->input_dim, H3};
        gru_cli_error("%s %s: expected shape %s = (input_dim, 3 * units) for units = %lld, got %s",
                      kernel->flag, kernel->path, gru__shape_str(sb, sizeof sb, 2, want),
                      (long long)H, sa);
        return GRU_CLI_EXIT_ERROR;
    }
    cfg->input_dim = I;
    /* recurrent_kernel (H, 3H) */
    int64_t rk_shape[2] = {H, H3};
    if (check_float_dtype(recurrent_kernel, cfg->dtype) ||
        check_ndim(recurrent_kernel->flag, recurrent_kernel->path, &recurrent_kernel->arr, 2))
        return GRU_CLI_EXIT_ERROR;
    if (!same_shape(&recurrent_kernel->arr, 2, rk_shape)) {
        gru_cli_error("%s %s: expected shape %s = (units, 3 * units), got %s", recurrent_kernel->flag,
                      recurrent_kernel->path, gru__shape_str(sa, sizeof sa, 2, rk_shape),
                      gru__shape_str(sb, sizeof sb, recurrent_kernel->arr.ndim, recurrent_kernel->arr.shape));
        return GRU_CLI_EXIT_ERROR;
    }
    /* bias (3H) or (2, 3H) */
    void *bias_data = NULL, *bias_owned = NULL;
    int64_t b_shape[2] = {2, H3};
    int b_ndim = cfg->reset_after ? 2 : 1;
    const int64_t *b_want = cfg->reset_after ? b_shape : b_shape + 1;
    if (bias) {
        if (!cfg->use_bias) {
            gru_cli_error("%s %s: %s has use_bias = FALSE; drop --bias or set use_bias = TRUE",
                          bias->flag, bias->path, config_label);
            return GRU_CLI_EXIT_ERROR;
        }
        if (check_float_dtype(bias, cfg->dtype))
            return GRU_CLI_EXIT_ERROR;
        if (!same_shape(&bias->arr, b_ndim, b_want)) {
            gru_cli_error("%s %s: expected shape %s (reset_after = %s), got %s", bias->flag, bias->path,
                          gru__shape_str(sa, sizeof sa, b_ndim, b_want),
                          cfg->reset_after ? "TRUE" : "FALSE",
                          gru__shape_str(sb, sizeof sb, bias->arr.ndim, bias->arr.shape));
            return GRU_CLI_EXIT_ERROR;
        }
        bias_data = bias->arr.data;
    } else if (cfg->use_bias) {
        size_t n = (size_t)(cfg->reset_after ? 2 * H3 : H3) * gru_dtype_size(cfg->dtype);
        bias_owned = calloc(1, n ? n : 1);
        if (!bias_owned) {
            gru_cli_error("out of memory");
            return GRU_CLI_EXIT_ERROR;
        }
        if (gru_initializer_fill(&cfg->bias_initializer, cfg->dtype, b_ndim, b_want, cfg->seed,
                                 bias_owned) != GRU_OK) {
            gru_cli_error("%s: bias_initializer: %s", config_label, gru_errmsg());
            free(bias_owned);
            return GRU_CLI_EXIT_ERROR;
        }
        bias_data = bias_owned;
    }
    cfg->weights[0] = kernel->arr.data;
    cfg->weights[1] = recurrent_kernel->arr.data;
    cfg->weights[2] = bias_data;
    int st = gru_layer_create(cfg, out);
    cfg->weights[0] = cfg->weights[1] = cfg->weights[2] = NULL;
    free(bias_owned);
    if (st != GRU_OK) {
        gru_cli_error("%s: %s", config_label, gru_errmsg());
        *out = NULL;
        return GRU_CLI_EXIT_ERROR;
    }
    return GRU_CLI_EXIT_OK;
}

/* ---- running the calls -------------------------------------------------------------- */

/* The i-th of n per-call files given 0, 1 or n_inputs times. */
static const char *nth(const char **list, int n, int i)
{
    return n == 0 ? NULL : n == 1 ? list[0] : list[i];
}

static int check_count(const char *flag, int n, int n_inputs)
{
    if (n == 0 || n == 1 || n == n_inputs)
        return GRU_CLI_EXIT_OK;
    gru_cli_error("%s given %d times for %d --input; give it once (used by every call) or once per --input",
                  flag, n, n_inputs);
    return GRU_CLI_EXIT_USAGE;
}

/* Output destinations must be distinct and writable places: fail before computing. */
static int preflight_outputs(int n, const char *const *flags, const char *const *paths)
{
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++)
            if (strcmp(paths[i], paths[j]) == 0) {
                gru_cli_error("%s %s: the same file is also given to %s", flags[i], paths[i], flags[j]);
                return GRU_CLI_EXIT_USAGE;
            }
        struct stat st;
        if (paths[i][0] == '\0') {
            gru_cli_error("%s: empty file name", flags[i]);
            return GRU_CLI_EXIT_USAGE;
        }
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            gru_cli_error("%s %s: is a directory", flags[i], paths[i]);
            return GRU_CLI_EXIT_ERROR;
        }
        const char *slash = strrchr(paths[i], '/');
        if (slash) {
            char dir[4096];
            size_t dl = slash == paths[i] ? 1 : (size_t)(slash - paths[i]);
            if (dl < sizeof dir) {
                memcpy(dir, paths[i], dl);
                dir[dl] = '\0';
                if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
                    gru_cli_error("%s %s: cannot write: directory %s does not exist", flags[i], paths[i], dir);
                    return GRU_CLI_EXIT_ERROR;
                }
            }
        }
    }
    return GRU_CLI_EXIT_OK;
}

/* Load a per-call array, checking dtype (GRU_DTYPE_INVALID: any) and rank. */
static int load_checked(const char *flag, const char *path, gru_dtype dtype, int ndim,
                        gru_npy_array *a)
{
    int rc = gru_cli_load_npy(flag, path, a);
    if (rc)
        return rc;
    if (dtype != GRU_DTYPE_INVALID && a->dtype != dtype) {
        if (a->dtype == GRU_FLOAT32 || a->dtype == GRU_FLOAT64)
            gru_cli_error("%s %s: dtype %s does not match the config's dtype %s", flag, path,
                          gru_dtype_name(a->dtype), gru_dtype_name(dtype));
        else
            gru_cli_error("%s %s: dtype %s; expected %s (the config's dtype)", flag, path,
                          gru_dtype_name(a->dtype), gru_dtype_name(dtype));
        return GRU_CLI_EXIT_ERROR;
    }
    return check_ndim(flag, path, a, ndim);
}

int gru_cli_run_calls(gru_layer *layer, const gru_cli_calls *c)
{
    const gru_config *cfg = gru_layer_config(layer);
    const int n = c->n_inputs;
    const int64_t H = cfg->units, I = cfg->input_dim;
    const gru_dtype dt = cfg->dtype;
    const size_t es = gru_dtype_size(dt);
    char sa[256], sb[256];

    if (n == 0) {
        gru_cli_error("forward: --input is required");
        return GRU_CLI_EXIT_USAGE;
    }
    if (c->n_outputs != n) {
        gru_cli_error("--output given %d times for %d --input; each --input needs its own --output",
                      c->n_outputs, n);
        return GRU_CLI_EXIT_USAGE;
    }
    if (cfg->return_state && c->n_state_outputs != n) {
        gru_cli_error("--state-output given %d times for %d --input; with return_state = TRUE each "
                      "--input needs its own --state-output", c->n_state_outputs, n);
        return GRU_CLI_EXIT_USAGE;
    }
    if (!cfg->return_state && c->n_state_outputs > 0) {
        gru_cli_error("--state-output given but the config has return_state = FALSE; set "
                      "return_state = TRUE to get the final state");
        return GRU_CLI_EXIT_USAGE;
    }
    if (check_count("--mask", c->n_masks, n) || check_count("--initial-state", c->n_initial_states, n))
        return GRU_CLI_EXIT_USAGE;

    /* Outputs in write order: y0, h0, y1, h1, ... */
    const int n_files = n + c->n_state_outputs;
    const char **flags = calloc((size_t)n_files, sizeof *flags);
    const char **paths = calloc((size_t)n_files, sizeof *paths);
    gru_tensor *results = calloc((size_t)n_files, sizeof *results);
    int rc = GRU_CLI_EXIT_OK;
    if (!flags || !paths || !results) {
        gru_cli_error("out of memory");
        rc = GRU_CLI_EXIT_ERROR;
        goto out_free_lists;
    }
    for (int i = 0, k = 0; i < n; i++) {
        flags[k] = "--output";
        paths[k++] = c->outputs[i];
        if (c->n_state_outputs) {
            flags[k] = "--state-output";
            paths[k++] = c->state_outputs[i];
        }
    }
    if ((rc = preflight_outputs(n_files, flags, paths)) != GRU_CLI_EXIT_OK)
        goto out_free_lists;

    gru_npy_array x = {0}, mask = {0}, h0 = {0};
    for (int i = 0; i < n && rc == GRU_CLI_EXIT_OK; i++) {
        const char *xp = c->inputs[i], *mp = nth(c->masks, c->n_masks, i),
                   *hp = nth(c->initial_states, c->n_initial_states, i);
        gru_npy_free(&x);
        if ((rc = load_checked("--input", xp, dt, 3, &x)) != GRU_CLI_EXIT_OK)
            break;
        const int64_t B = x.shape[0], T = x.shape[1];
        if (x.shape[2] != I || B < 1 || T < 1) {
            int64_t want[3] = {B, T, I};
            gru_cli_error("%s %s: expected shape %s = (batch, timesteps, input_dim) with batch, "
                          "timesteps >= 1, got %s", "--input", xp, gru__shape_str(sa, sizeof sa, 3, want),
                          gru__shape_str(sb, sizeof sb, 3, x.shape));
            rc = GRU_CLI_EXIT_ERROR;
            break;
        }
        /* mask and initial state: loaded once when shared, else per call */
        if (mp && (i == 0 || c->n_masks > 1)) {
            gru_npy_free(&mask);
            if ((rc = load_checked("--mask", mp, GRU_DTYPE_INVALID, 2, &mask)) != GRU_CLI_EXIT_OK)
                break;
        }
        if (mp && (mask.shape[0] != B || mask.shape[1] != T)) {
            int64_t want[2] = {B, T};
            gru_cli_error("--mask %s: expected shape %s = (batch, timesteps) of --input %s, got %s", mp,
                          gru__shape_str(sa, sizeof sa, 2, want), xp,
                          gru__shape_str(sb, sizeof sb, 2, mask.shape));
            rc = GRU_CLI_EXIT_ERROR;
            break;
        }
        if (hp && (i == 0 || c->n_initial_states > 1)) {
            gru_npy_free(&h0);
            if ((rc = load_checked("--initial-state", hp, dt, 2, &h0)) != GRU_CLI_EXIT_OK)
                break;
        }
        if (hp && (h0.shape[0] != B || h0.shape[1] != H)) {
            int64_t want[2] = {B, H};
            gru_cli_error("--initial-state %s: expected shape %s = (batch, units), got %s", hp,
                          gru__shape_str(sa, sizeof sa, 2, want),
                          gru__shape_str(sb, sizeof sb, 2, h0.shape));
            rc = GRU_CLI_EXIT_ERROR;
            break;
        }
        /* result buffers */
        const int ky = c->n_state_outputs ? 2 * i : i;
        gru_tensor *y = &results[ky];
        *y = cfg->return_sequences ? gru_tensor_3d(dt, B, T, H, NULL) : gru_tensor_2d(dt, B, H, NULL);
        size_t ny, nh;
        size_t bh;
        if (!gru__mul_size((size_t)B, (size_t)H, &bh) || !gru__mul_size(bh, es, &nh) ||
            !gru__mul_size(nh, cfg->return_sequences ? (size_t)T : 1, &ny) ||
            !(y->data = calloc(1, ny ? ny : 1))) {
            gru_cli_error("--input %s: out of memory for the output", xp);
            rc = GRU_CLI_EXIT_ERROR;
            break;
        }
        gru_tensor *h = NULL;
        if (c->n_state_outputs) {
            h = &results[ky + 1];
            *h = gru_tensor_2d(dt, B, H, NULL);
            if (!(h->data = calloc(1, nh ? nh : 1))) {
                gru_cli_error("--input %s: out of memory for the state", xp);
                rc = GRU_CLI_EXIT_ERROR;
                break;
            }
        }
        gru_tensor tx, tm, th;
        gru_npy_as_tensor(&x, &tx);
        if (mp)
            gru_npy_as_tensor(&mask, &tm);
        if (hp)
            gru_npy_as_tensor(&h0, &th);
        if (gru_forward(layer, &tx, mp ? &tm : NULL, hp ? &th : NULL, y, h) != GRU_OK) {
            if (n > 1)
                gru_cli_error("--input %s (call %d of %d): %s", xp, i + 1, n, gru_errmsg());
            else
                gru_cli_error("--input %s: %s", xp, gru_errmsg());
            rc = GRU_CLI_EXIT_ERROR;
            break;
        }
    }
    gru_npy_free(&x);
    gru_npy_free(&mask);
    gru_npy_free(&h0);
    if (rc == GRU_CLI_EXIT_OK)
        rc = gru_cli_write_all(n_files, flags, paths, results);
    for (int k = 0; k < n_files; k++)
        free(results[k].data);
out_free_lists:
    free(results);
    free(paths);
    free(flags);
    return rc;
}

/* ---- the command line --------------------------------------------------------------- */

int gru_cli_forward(int argc, char **argv)
{
    if (gru_cli_wants_help(argc, argv)) {
        fputs(FORWARD_HELP, stdout);
        return GRU_CLI_EXIT_OK;
    }
    const char *config = NULL, *kernel = NULL, *rkernel = NULL, *bias = NULL;
    const char *model = NULL, *layer_name = NULL;
    const char **lists = calloc((size_t)argc * 5 + 5, sizeof *lists);
    if (!lists) {
        gru_cli_error("out of memory");
        return GRU_CLI_EXIT_ERROR;
    }
    gru_cli_calls calls = {0};
    calls.inputs = lists;
    calls.outputs = lists + argc + 1;
    calls.state_outputs = lists + 2 * (argc + 1);
    calls.masks = lists + 3 * (argc + 1);
    calls.initial_states = lists + 4 * (argc + 1);

    struct { const char *name; const char **single; const char **list; int *count; } opts[] = {
        {"--config", &config, NULL, NULL},
        {"--kernel", &kernel, NULL, NULL},
        {"--recurrent-kernel", &rkernel, NULL, NULL},
        {"--bias", &bias, NULL, NULL},
        {"--model", &model, NULL, NULL},
        {"--layer", &layer_name, NULL, NULL},
        {"--input", NULL, calls.inputs, &calls.n_inputs},
        {"--output", NULL, calls.outputs, &calls.n_outputs},
        {"--state-output", NULL, calls.state_outputs, &calls.n_state_outputs},
        {"--mask", NULL, calls.masks, &calls.n_masks},
        {"--initial-state", NULL, calls.initial_states, &calls.n_initial_states},
    };
    const int n_opts = (int)(sizeof opts / sizeof opts[0]);
    int rc = GRU_CLI_EXIT_OK;
    for (int i = 1; i < argc && rc == GRU_CLI_EXIT_OK;) {
        int matched = 0;
        for (int o = 0; o < n_opts && !matched; o++) {
            const char *v;
            int m = gru_cli_opt_value(argc, argv, &i, opts[o].name, &v);
            if (m < 0) {
                rc = GRU_CLI_EXIT_USAGE;
                matched = 1;
            } else if (m > 0) {
                matched = 1;
                if (opts[o].single) {
                    if (*opts[o].single) {
                        gru_cli_error("%s given more than once", opts[o].name);
                        rc = GRU_CLI_EXIT_USAGE;
                    }
                    *opts[o].single = v;
                } else {
                    opts[o].list[(*opts[o].count)++] = v;
                }
            }
        }
        if (!matched) {
            if (strncmp(argv[i], "-", 1) == 0 && argv[i][1] != '\0')
                gru_cli_error("forward: unknown option '%s' (see gru forward --help)", argv[i]);
            else
                gru_cli_error("forward: unexpected argument '%s' (see gru forward --help)", argv[i]);
            rc = GRU_CLI_EXIT_USAGE;
        }
    }
    if (rc != GRU_CLI_EXIT_OK)
        goto out_free_lists;

    gru_layer *layer = NULL;
    if (model || layer_name) {
#ifdef GRU_CLI_HAVE_MODEL_IO
        if (!model) {
            gru_cli_error("--layer needs --model");
            rc = GRU_CLI_EXIT_USAGE;
            goto out_free_lists;
        }
        if (kernel || rkernel || bias) {
            gru_cli_error("--model cannot be combined with --kernel, --recurrent-kernel or --bias");
            rc = GRU_CLI_EXIT_USAGE;
            goto out_free_lists;
        }
        gru_config override;
        if (config && (rc = gru_cli_load_config("--config", config, &override)) != GRU_CLI_EXIT_OK)
            goto out_free_lists;
        if ((rc = gru_cli_layer_from_model(model, layer_name, config ? &override : NULL, &layer)) !=
            GRU_CLI_EXIT_OK)
            goto out_free_lists;
#else
        gru_cli_error("%s: model files are not supported by this build of gru; give --config, "
                      "--kernel, --recurrent-kernel and --bias", model ? "--model" : "--layer");
        rc = GRU_CLI_EXIT_USAGE;
        goto out_free_lists;
#endif
    } else {
        const char *missing = !config ? "--config" : !kernel ? "--kernel" : !rkernel ? "--recurrent-kernel"
                              : calls.n_inputs == 0 ? "--input" : calls.n_outputs == 0 ? "--output" : NULL;
        if (missing) {
            gru_cli_error("forward: %s is required (see gru forward --help)", missing);
            rc = GRU_CLI_EXIT_USAGE;
            goto out_free_lists;
        }
        gru_config cfg;
        if ((rc = gru_cli_load_config("--config", config, &cfg)) != GRU_CLI_EXIT_OK)
            goto out_free_lists;
        char label[4200];
        struct stat st;
        if (stat(config, &st) == 0)
            snprintf(label, sizeof label, "--config %s", config);
        else
            snprintf(label, sizeof label, "--config");
        gru_cli_weight wk = {"--kernel", kernel, {0}}, wr = {"--recurrent-kernel", rkernel, {0}},
                       wb = {"--bias", bias, {0}};
        if ((rc = gru_cli_load_npy(wk.flag, wk.path, &wk.arr)) == GRU_CLI_EXIT_OK &&
            (rc = gru_cli_load_npy(wr.flag, wr.path, &wr.arr)) == GRU_CLI_EXIT_OK &&
            (!bias || (rc = gru_cli_load_npy(wb.flag, wb.path, &wb.arr)) == GRU_CLI_EXIT_OK))
            rc = gru_cli_build_layer(&cfg, label, &wk, &wr, bias ? &wb : NULL, &layer);
        gru_npy_free(&wk.arr);
        gru_npy_free(&wr.arr);
        gru_npy_free(&wb.arr);
        if (rc != GRU_CLI_EXIT_OK)
            goto out_free_lists;
    }
    rc = gru_cli_run_calls(layer, &calls);
    gru_layer_destroy(layer);
out_free_lists:
    free(lists);
    return rc;
}
