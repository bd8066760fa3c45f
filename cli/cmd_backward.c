/* gru backward: gradients of one call of a GRU layer (configuration + Keras-layout
 * weights, as `gru forward`) given the gradient of the loss with respect to the layer's
 * outputs. One training forward (without dropout) then gru_backward(); every requested
 * gradient is written as .npy in the inputs' dtype, all files or none. */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"
#include "gru_internal.h" /* gru__shape_str, checked multiply */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


static const char BACKWARD_HELP[] =
    "usage: gru backward --config CONFIG --kernel K.npy --recurrent-kernel RK.npy [--bias B.npy]\n"
    "                    --input X.npy [--mask M.npy] [--initial-state H0.npy]\n"
    "                    --grad-output DY.npy [--grad-state DH.npy]\n"
    "                    [--grad-input DX.npy] [--grad-initial-state DH0.npy]\n"
    "                    [--grad-kernel DK.npy] [--grad-recurrent-kernel DRK.npy]\n"
    "                    [--grad-bias DB.npy] [--output Y.npy] [--state-output H.npy]\n"
#ifdef GRU_CLI_HAVE_MODEL_IO
    "       gru backward --model FILE [--layer NAME] [--config CONFIG] --input X.npy ...\n"
#endif
    "\n"
    "Backpropagation through time for one call of the Keras GRU layer described by CONFIG\n"
    "(layer arguments as in 'gru forward'; one --input; dropout is not applied).\n"
    "\n"
    "  --grad-output DY.npy     gradient of the loss w.r.t. the layer's first output, shaped\n"
    "                           like it: (B, T, H) with return_sequences, else (B, H)\n"
    "  --grad-state DH.npy      with return_state = TRUE: gradient w.r.t. the final state (B, H)\n"
    "                           (at least one of the two is needed; a missing one is zeros)\n"
    "  --grad-input DX.npy      writes dLoss/dx (B, T, I)\n"
    "  --grad-initial-state DH0.npy  writes dLoss/d(initial state) (B, H) (the zeros, or the\n"
    "                           --initial-state, that the call started from)\n"
    "  --grad-kernel DK.npy     writes dLoss/dkernel (I, 3H)\n"
    "  --grad-recurrent-kernel DRK.npy  writes dLoss/drecurrent_kernel (H, 3H)\n"
    "  --grad-bias DB.npy       writes dLoss/dbias (3H), or (2, 3H) when reset_after = TRUE\n"
    "  --output Y.npy, --state-output H.npy  also write the forward outputs\n"
    "\n"
    "Weight gradients need trainable = TRUE (a layer with trainable = FALSE has none: asking\n"
    "for them is an error). Outputs are written only when everything succeeded.\n";

static int load_float(const char *flag, const char *path, gru_dtype dt, int ndim,
                      const int64_t *shape, gru_npy_array *a)
{
    char sa[128], sb[128];
    int rc = gru_cli_load_npy(flag, path, a);
    if (rc)
        return rc;
    if (a->dtype != dt) {
        gru_cli_error("%s %s: dtype %s does not match the config's dtype %s", flag, path,
                      gru_dtype_name(a->dtype), gru_dtype_name(dt));
        return GRU_CLI_EXIT_ERROR;
    }
    bool ok = a->ndim == ndim;
    for (int i = 0; ok && i < ndim; i++)
        ok = shape[i] < 0 || a->shape[i] == shape[i];
    if (!ok) {
        gru_cli_error("%s %s: expected shape %s, got %s", flag, path,
                      gru__shape_str(sa, sizeof sa, ndim, shape),
                      gru__shape_str(sb, sizeof sb, a->ndim, a->shape));
        return GRU_CLI_EXIT_ERROR;
    }
    return GRU_CLI_EXIT_OK;
}

/* A zero-filled result tensor of the given shape. */
static int alloc_result(gru_tensor *t, gru_dtype dt, int ndim, const int64_t *shape)
{
    size_t n = gru_dtype_size(dt);
    memset(t, 0, sizeof *t);
    t->dtype = dt;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++) {
        t->shape[i] = shape[i];
        if (!gru__mul_size(n, (size_t)shape[i], &n))
            return GRU_CLI_EXIT_ERROR;
    }
    t->data = calloc(1, n ? n : 1);
    if (!t->data) {
        gru_cli_error("out of memory");
        return GRU_CLI_EXIT_ERROR;
    }
    return GRU_CLI_EXIT_OK;
}

enum { O_CONFIG, O_KERNEL, O_RKERNEL, O_BIAS, O_MODEL, O_LAYER, O_INPUT, O_MASK, O_H0,
       O_DY, O_DH, O_DX, O_DH0, O_DK, O_DRK, O_DB, O_Y, O_H, O_COUNT };

static const char *const OPT_NAMES[O_COUNT] = {
    "--config", "--kernel", "--recurrent-kernel", "--bias", "--model", "--layer", "--input",
    "--mask", "--initial-state", "--grad-output", "--grad-state", "--grad-input",
    "--grad-initial-state", "--grad-kernel", "--grad-recurrent-kernel", "--grad-bias",
    "--output", "--state-output"};

static int make_layer(const char **opt, gru_layer **layer)
{
    int rc;
    *layer = NULL;
    if (opt[O_MODEL] || opt[O_LAYER]) {
#ifdef GRU_CLI_HAVE_MODEL_IO
        if (!opt[O_MODEL]) {
            gru_cli_error("--layer needs --model");
            return GRU_CLI_EXIT_USAGE;
        }
        if (opt[O_KERNEL] || opt[O_RKERNEL] || opt[O_BIAS]) {
            gru_cli_error("--model cannot be combined with --kernel, --recurrent-kernel or --bias");
            return GRU_CLI_EXIT_USAGE;
        }
        gru_config override;
        if (opt[O_CONFIG] &&
            (rc = gru_cli_load_config("--config", opt[O_CONFIG], &override)) != GRU_CLI_EXIT_OK)
            return rc;
        return gru_cli_layer_from_model(opt[O_MODEL], opt[O_LAYER],
                                        opt[O_CONFIG] ? &override : NULL, layer);
#else
        gru_cli_error("%s: model files are not supported by this build of gru; give --config, "
                      "--kernel, --recurrent-kernel and --bias",
                      opt[O_MODEL] ? "--model" : "--layer");
        return GRU_CLI_EXIT_USAGE;
#endif
    }
    const char *missing = !opt[O_CONFIG] ? "--config" : !opt[O_KERNEL] ? "--kernel"
                          : !opt[O_RKERNEL] ? "--recurrent-kernel" : NULL;
    if (missing) {
        gru_cli_error("backward: %s is required (see gru backward --help)", missing);
        return GRU_CLI_EXIT_USAGE;
    }
    gru_config cfg;
    if ((rc = gru_cli_load_config("--config", opt[O_CONFIG], &cfg)) != GRU_CLI_EXIT_OK)
        return rc;
    char label[4200];
    struct stat st;
    if (stat(opt[O_CONFIG], &st) == 0)
        snprintf(label, sizeof label, "--config %s", opt[O_CONFIG]);
    else
        snprintf(label, sizeof label, "--config");
    gru_cli_weight wk = {"--kernel", opt[O_KERNEL], {0}},
                   wr = {"--recurrent-kernel", opt[O_RKERNEL], {0}},
                   wb = {"--bias", opt[O_BIAS], {0}};
    if ((rc = gru_cli_load_npy(wk.flag, wk.path, &wk.arr)) == GRU_CLI_EXIT_OK &&
        (rc = gru_cli_load_npy(wr.flag, wr.path, &wr.arr)) == GRU_CLI_EXIT_OK &&
        (!opt[O_BIAS] || (rc = gru_cli_load_npy(wb.flag, wb.path, &wb.arr)) == GRU_CLI_EXIT_OK))
        rc = gru_cli_build_layer(&cfg, label, &wk, &wr, opt[O_BIAS] ? &wb : NULL, layer);
    gru_npy_free(&wk.arr);
    gru_npy_free(&wr.arr);
    gru_npy_free(&wb.arr);
    return rc;
}

/* Everything after the layer exists: load, run, write. */
static int run(gru_layer *layer, const char **opt)
{
    const gru_config *cfg = gru_layer_config(layer);
    const gru_dtype dt = cfg->dtype;
    const int64_t H = cfg->units, I = cfg->input_dim;
    int rc;

    if (!opt[O_INPUT]) {
        gru_cli_error("backward: --input is required (see gru backward --help)");
        return GRU_CLI_EXIT_USAGE;
    }
    if (!opt[O_DY] && !opt[O_DH]) {
        gru_cli_error("backward: --grad-output is required (see gru backward --help)");
        return GRU_CLI_EXIT_USAGE;
    }
    if (!cfg->return_state && (opt[O_DH] || opt[O_H])) {
        gru_cli_error("%s given but the config has return_state = FALSE: the layer has no state "
                      "output", opt[O_DH] ? "--grad-state" : "--state-output");
        return GRU_CLI_EXIT_USAGE;
    }
    if (!cfg->trainable) {
        for (int o = O_DK; o <= O_DB; o++)
            if (opt[o]) {
                gru_cli_error("%s: the layer has trainable = FALSE, so it has no weight "
                              "gradients (input and state gradients still flow)",
                              OPT_NAMES[o]);
                return GRU_CLI_EXIT_USAGE;
            }
    }
    if (opt[O_DB] && !cfg->use_bias) {
        gru_cli_error("--grad-bias: the config has use_bias = FALSE: there is no bias");
        return GRU_CLI_EXIT_USAGE;
    }
    /* distinct output files */
    for (int o = O_DX; o < O_COUNT; o++)
        for (int p = O_DX; p < o; p++)
            if (opt[o] && opt[p] && strcmp(opt[o], opt[p]) == 0) {
                gru_cli_error("%s %s: the same file is also given to %s", OPT_NAMES[o], opt[o],
                              OPT_NAMES[p]);
                return GRU_CLI_EXIT_USAGE;
            }

    gru_npy_array ax = {0}, am = {0}, ah0 = {0}, ady = {0}, adh = {0};
    gru_tensor res[O_COUNT];
    memset(res, 0, sizeof res);
    void *ws = NULL;
    int64_t xs[3] = {-1, -1, I};
    if ((rc = load_float("--input", opt[O_INPUT], dt, 3, xs, &ax)))
        goto out_free;
    const int64_t B = ax.shape[0], T = ax.shape[1];
    if (B < 1 || T < 1) {
        gru_cli_error("--input %s: batch and timesteps must be >= 1", opt[O_INPUT]);
        rc = GRU_CLI_EXIT_ERROR;
        goto out_free;
    }
    int64_t bt[2] = {B, T}, bh[2] = {B, H}, bth[3] = {B, T, H}, bti[3] = {B, T, I};
    if (opt[O_MASK]) {
        char sa[128], sb[128];
        if ((rc = gru_cli_load_npy("--mask", opt[O_MASK], &am)))
            goto out_free;
        if (am.ndim != 2 || am.shape[0] != B || am.shape[1] != T) {
            gru_cli_error("--mask %s: expected shape %s = (batch, timesteps) of --input, got %s",
                          opt[O_MASK], gru__shape_str(sa, sizeof sa, 2, bt),
                          gru__shape_str(sb, sizeof sb, am.ndim, am.shape));
            rc = GRU_CLI_EXIT_ERROR;
            goto out_free;
        }
    }
    if (opt[O_H0] && (rc = load_float("--initial-state", opt[O_H0], dt, 2, bh, &ah0)))
        goto out_free;
    const int yd = cfg->return_sequences ? 3 : 2;
    const int64_t *ys = cfg->return_sequences ? bth : bh;
    if (opt[O_DY] && (rc = load_float("--grad-output", opt[O_DY], dt, yd, ys, &ady)))
        goto out_free;
    if (opt[O_DH] && (rc = load_float("--grad-state", opt[O_DH], dt, 2, bh, &adh)))
        goto out_free;

    /* results (all allocated, written only when requested) */
    int64_t ks[2] = {I, 3 * H}, rs[2] = {H, 3 * H}, bs[2] = {2, 3 * H};
    if ((rc = alloc_result(&res[O_Y], dt, yd, ys)) ||
        (rc = alloc_result(&res[O_H], dt, 2, bh)) ||
        (rc = alloc_result(&res[O_DX], dt, 3, bti)) ||
        (rc = alloc_result(&res[O_DH0], dt, 2, bh)) ||
        (rc = alloc_result(&res[O_DK], dt, 2, ks)) ||
        (rc = alloc_result(&res[O_DRK], dt, 2, rs)) ||
        (rc = alloc_result(&res[O_DB], dt, cfg->reset_after ? 2 : 1,
                           cfg->reset_after ? bs : bs + 1)))
        goto out_free;

    size_t ws_bytes;
    if (gru_train_workspace_size(layer, B, T, &ws_bytes) != GRU_OK) {
        gru_cli_error("--input %s: %s", opt[O_INPUT], gru_errmsg());
        rc = GRU_CLI_EXIT_ERROR;
        goto out_free;
    }
    ws = gru__alloc(ws_bytes);
    if (!ws) {
        gru_cli_error("--input %s: out of memory for the training workspace (%zu bytes)",
                      opt[O_INPUT], ws_bytes);
        rc = GRU_CLI_EXIT_ERROR;
        goto out_free;
    }
    gru_tensor tx, tm, th0, tdy, tdh;
    gru_npy_as_tensor(&ax, &tx);
    if (opt[O_MASK])
        gru_npy_as_tensor(&am, &tm);
    if (opt[O_H0])
        gru_npy_as_tensor(&ah0, &th0);
    if (opt[O_DY])
        gru_npy_as_tensor(&ady, &tdy);
    if (opt[O_DH])
        gru_npy_as_tensor(&adh, &tdh);
    const gru_dropout_masks no_dropout = {NULL, NULL};
    if (gru_forward_train(layer, &tx, opt[O_MASK] ? &tm : NULL, opt[O_H0] ? &th0 : NULL,
                          &res[O_Y], cfg->return_state ? &res[O_H] : NULL, ws, ws_bytes,
                          &no_dropout) != GRU_OK) {
        gru_cli_error("--input %s: %s", opt[O_INPUT], gru_errmsg());
        rc = GRU_CLI_EXIT_ERROR;
        goto out_free;
    }
    gru_grads g = {&res[O_DK], &res[O_DRK], cfg->use_bias ? &res[O_DB] : NULL};
    if (gru_backward(layer, ws, ws_bytes, opt[O_DY] ? &tdy : NULL, opt[O_DH] ? &tdh : NULL,
                     &res[O_DX], &res[O_DH0], cfg->trainable ? &g : NULL,
                     GRU_GRAD_OVERWRITE) != GRU_OK) {
        gru_cli_error("backward: %s", gru_errmsg());
        rc = GRU_CLI_EXIT_ERROR;
        goto out_free;
    }

    const char *flags[O_COUNT], *paths[O_COUNT];
    gru_tensor outs[O_COUNT];
    int n = 0;
    for (int o = O_DX; o < O_COUNT; o++) {
        if (!opt[o])
            continue;
        flags[n] = OPT_NAMES[o];
        paths[n] = opt[o];
        outs[n++] = res[o];
    }
    rc = n ? gru_cli_write_all(n, flags, paths, outs) : GRU_CLI_EXIT_OK;

out_free:
    gru__free(ws);
    for (int o = 0; o < O_COUNT; o++)
        free(res[o].data);
    gru_npy_free(&ax);
    gru_npy_free(&am);
    gru_npy_free(&ah0);
    gru_npy_free(&ady);
    gru_npy_free(&adh);
    return rc;
}

int gru_cli_backward(int argc, char **argv)
{
    if (gru_cli_wants_help(argc, argv)) {
        fputs(BACKWARD_HELP, stdout);
        return GRU_CLI_EXIT_OK;
    }
    const char *opt[O_COUNT] = {0};
    for (int i = 1; i < argc;) {
        int matched = 0;
        for (int o = 0; o < O_COUNT && !matched; o++) {
            const char *v;
            int m = gru_cli_opt_value(argc, argv, &i, OPT_NAMES[o], &v);
            if (m < 0)
                return GRU_CLI_EXIT_USAGE;
            if (m > 0) {
                matched = 1;
                if (opt[o]) {
                    gru_cli_error("%s given more than once%s", OPT_NAMES[o],
                                  o == O_INPUT ? " (gru backward runs one call)" : "");
                    return GRU_CLI_EXIT_USAGE;
                }
                opt[o] = v;
            }
        }
        if (!matched) {
            if (argv[i][0] == '-' && argv[i][1] != '\0')
                gru_cli_error("backward: unknown option '%s' (see gru backward --help)", argv[i]);
            else
                gru_cli_error("backward: unexpected argument '%s' (see gru backward --help)",
                              argv[i]);
            return GRU_CLI_EXIT_USAGE;
        }
    }
    gru_layer *layer = NULL;
    int rc = make_layer(opt, &layer);
    if (rc != GRU_CLI_EXIT_OK)
        return rc;
    rc = run(layer, opt);
    gru_layer_destroy(layer);
    return rc;
}
