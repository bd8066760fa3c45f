/* gru show: print a .npy file (dtype, shape and values), so that results can be read
 * without Python. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SHOW_HELP[] =
    "usage: gru show FILE.npy [FILE2.npy ...] [--limit N]\n"
    "\n"
    "Print each array's dtype and shape, then its values, one line per row of the last\n"
    "dimension, prefixed by the row's index. At most N values are printed per file\n"
    "(default 1000; 0 = all).\n";

/* IEEE half bits -> double */
static double half_to_double(uint16_t h)
{
    int e = (h >> 10) & 31, m = h & 1023;
    double v;
    if (e == 0)
        v = m * 0x1p-24;
    else if (e == 31)
        v = m ? 0.0 / 0.0 : 1.0 / 0.0;
    else
        v = (1.0 + m / 1024.0) * (double)(1u << e) * 0x1p-15;
    return (h & 0x8000) ? -v : v;
}

static void print_value(const gru_npy_array *a, size_t i)
{
    const unsigned char *p = (const unsigned char *)a->data + i * gru_dtype_size(a->dtype);
    union { float f; double d; int8_t i8; uint8_t u8; int16_t i16; uint16_t u16; int32_t i32;
            uint32_t u32; int64_t i64; uint64_t u64; } v;
    memcpy(&v, p, gru_dtype_size(a->dtype));
    switch (a->dtype) {
    case GRU_FLOAT32: printf(" %.9g", (double)v.f); break;
    case GRU_FLOAT64: printf(" %.17g", v.d); break;
    case GRU_FLOAT16: printf(" %.5g", half_to_double(v.u16)); break;
    case GRU_BOOL: printf(" %s", v.u8 ? "True" : "False"); break;
    case GRU_INT8: printf(" %d", v.i8); break;
    case GRU_UINT8: printf(" %u", v.u8); break;
    case GRU_INT16: printf(" %d", v.i16); break;
    case GRU_UINT16: printf(" %u", v.u16); break;
    case GRU_INT32: printf(" %ld", (long)v.i32); break;
    case GRU_UINT32: printf(" %lu", (unsigned long)v.u32); break;
    case GRU_INT64: printf(" %lld", (long long)v.i64); break;
    case GRU_UINT64: printf(" %llu", (unsigned long long)v.u64); break;
    default: printf(" ?"); break;
    }
}

static void show(const char *path, const gru_npy_array *a, size_t limit)
{
    printf("%s: %s, shape (", path, gru_dtype_name(a->dtype));
    for (int d = 0; d < a->ndim; d++)
        printf("%s%lld", d ? ", " : "", (long long)a->shape[d]);
    printf("%s)\n", a->ndim == 1 ? "," : "");
    size_t row = a->ndim ? (size_t)a->shape[a->ndim - 1] : 1;
    size_t shown = limit && limit < a->numel ? limit : a->numel;
    for (size_t i = 0; i < shown; i++) {
        if (row && i % row == 0) {
            /* index of the row: all but the last dimension */
            printf("[");
            size_t r = i / row;
            int64_t idx[GRU_NPY_MAX_DIMS];
            for (int d = a->ndim - 2; d >= 0; d--) {
                idx[d] = a->shape[d] ? (int64_t)(r % (size_t)a->shape[d]) : 0;
                r = a->shape[d] ? r / (size_t)a->shape[d] : 0;
            }
            for (int d = 0; d < a->ndim - 1; d++)
                printf("%lld, ", (long long)idx[d]);
            printf("%s]", a->ndim ? ":" : "");
        }
        print_value(a, i);
        if (row == 0 || (i + 1) % row == 0 || i + 1 == shown)
            printf("\n");
    }
    if (shown < a->numel)
        printf("... (%zu more values; --limit 0 shows all)\n", a->numel - shown);
}

int gru_cli_show(int argc, char **argv)
{
    if (gru_cli_wants_help(argc, argv)) {
        fputs(SHOW_HELP, stdout);
        return GRU_CLI_EXIT_OK;
    }
    size_t limit = 1000;
    int n_files = 0;
    for (int i = 1; i < argc;) {
        const char *v;
        int m = gru_cli_opt_value(argc, argv, &i, "--limit", &v);
        if (m < 0)
            return GRU_CLI_EXIT_USAGE;
        if (m > 0) {
            char *end;
            long long n = strtoll(v, &end, 10);
            if (*v == '\0' || *end != '\0' || n < 0) {
                gru_cli_error("--limit: expected a number >= 0, got '%s'", v);
                return GRU_CLI_EXIT_USAGE;
            }
            limit = (size_t)n;
            continue;
        }
        if (strncmp(argv[i], "--", 2) == 0) {
            gru_cli_error("show: unknown option '%s' (see gru show --help)", argv[i]);
            return GRU_CLI_EXIT_USAGE;
        }
        argv[++n_files] = argv[i++]; /* compact the file names to argv[1..n_files] */
    }
    if (n_files == 0) {
        gru_cli_error("show: a .npy file is required (see gru show --help)");
        return GRU_CLI_EXIT_USAGE;
    }
    for (int f = 1; f <= n_files; f++) {
        gru_npy_array a;
        if (gru_cli_load_npy("show", argv[f], &a) != GRU_CLI_EXIT_OK)
            return GRU_CLI_EXIT_ERROR;
        show(argv[f], &a, limit);
        gru_npy_free(&a);
    }
    return fflush(stdout) == 0 ? GRU_CLI_EXIT_OK : GRU_CLI_EXIT_ERROR;
}
