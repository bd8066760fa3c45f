/* gru compare: compare two .npy arrays elementwise with a tolerance, so that a result can
 * be checked against a reference without Python. */
#include "cli.h"
#include "gru_internal.h" /* gru__shape_str */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char COMPARE_HELP[] =
    "usage: gru compare GOT.npy EXPECTED.npy [--atol A] [--rtol R]\n"
    "\n"
    "Check |got - expected| <= A + R * |expected| for every element (defaults A = 1e-5,\n"
    "R = 1e-4: the project's float32 tolerance against Keras). Both arrays must have the\n"
    "same shape; float32 and float64 may be mixed. Prints the largest difference and exits\n"
    "0 when every element is within tolerance, 1 otherwise.\n";

static double as_double(const gru_npy_array *a, size_t i)
{
    if (a->dtype == GRU_FLOAT32) {
        float v;
        memcpy(&v, (const char *)a->data + 4 * i, 4);
        return v;
    }
    double v;
    memcpy(&v, (const char *)a->data + 8 * i, 8);
    return v;
}

static int parse_tol(const char *flag, const char *v, double *out)
{
    char *end;
    double d = strtod(v, &end);
    if (*v == '\0' || *end != '\0' || !(d >= 0) || d == HUGE_VAL) {
        gru_cli_error("%s: expected a number >= 0, got '%s'", flag, v);
        return GRU_CLI_EXIT_USAGE;
    }
    *out = d;
    return GRU_CLI_EXIT_OK;
}

int gru_cli_compare(int argc, char **argv)
{
    if (gru_cli_wants_help(argc, argv)) {
        fputs(COMPARE_HELP, stdout);
        return GRU_CLI_EXIT_OK;
    }
    double atol = 1e-5, rtol = 1e-4;
    const char *files[2] = {NULL, NULL};
    int n_files = 0;
    for (int i = 1; i < argc;) {
        const char *v;
        int m;
        if ((m = gru_cli_opt_value(argc, argv, &i, "--atol", &v)) != 0) {
            if (m < 0 || parse_tol("--atol", v, &atol))
                return GRU_CLI_EXIT_USAGE;
        } else if ((m = gru_cli_opt_value(argc, argv, &i, "--rtol", &v)) != 0) {
            if (m < 0 || parse_tol("--rtol", v, &rtol))
                return GRU_CLI_EXIT_USAGE;
        } else if (strncmp(argv[i], "--", 2) == 0) {
            gru_cli_error("compare: unknown option '%s' (see gru compare --help)", argv[i]);
            return GRU_CLI_EXIT_USAGE;
        } else if (n_files == 2) {
            gru_cli_error("compare: unexpected argument '%s'; give two .npy files", argv[i]);
            return GRU_CLI_EXIT_USAGE;
        } else {
            files[n_files++] = argv[i++];
        }
    }
    if (n_files != 2) {
        gru_cli_error("compare: two .npy files are required (see gru compare --help)");
        return GRU_CLI_EXIT_USAGE;
    }
    gru_npy_array a = {0}, b = {0};
    int rc = GRU_CLI_EXIT_ERROR;
    if (gru_cli_load_npy("compare", files[0], &a) || gru_cli_load_npy("compare", files[1], &b))
        goto out_free;
    for (int k = 0; k < 2; k++) {
        const gru_npy_array *x = k ? &b : &a;
        if (x->dtype != GRU_FLOAT32 && x->dtype != GRU_FLOAT64) {
            gru_cli_error("compare %s: dtype %s; expected float32 or float64", files[k],
                          gru_dtype_name(x->dtype));
            goto out_free;
        }
    }
    bool same = a.ndim == b.ndim;
    for (int d = 0; same && d < a.ndim; d++)
        same = a.shape[d] == b.shape[d];
    if (!same) {
        char sa[256], sb[256];
        gru_cli_error("compare: shapes differ: %s is %s, %s is %s", files[0],
                      gru__shape_str(sa, sizeof sa, a.ndim, a.shape), files[1],
                      gru__shape_str(sb, sizeof sb, b.ndim, b.shape));
        goto out_free;
    }
    double max_diff = 0, worst_excess = 0;
    size_t worst = 0, bad = 0;
    for (size_t i = 0; i < a.numel; i++) {
        double g = as_double(&a, i), w = as_double(&b, i), diff = fabs(g - w);
        double excess = diff - (atol + rtol * fabs(w));
        if (diff > max_diff || isnan(diff))
            max_diff = isnan(diff) ? diff : diff > max_diff ? diff : max_diff;
        if (!(excess <= 0)) {
            if (bad == 0 || excess > worst_excess || isnan(excess)) {
                worst = i;
                worst_excess = excess;
            }
            bad++;
        }
    }
    if (bad == 0) {
        printf("%s matches %s: %zu values, max |difference| %.3g (tolerance %g + %g * |expected|)\n",
               files[0], files[1], a.numel, max_diff, atol, rtol);
        rc = GRU_CLI_EXIT_OK;
    } else {
        gru_cli_error("compare: %s differs from %s in %zu of %zu values; worst at flat index %zu: "
                      "got %.9g, expected %.9g (tolerance %g + %g * |expected|)", files[0], files[1],
                      bad, a.numel, worst, as_double(&a, worst), as_double(&b, worst), atol, rtol);
    }
out_free:
    gru_npy_free(&a);
    gru_npy_free(&b);
    return rc;
}
