/* Status codes, thread-local error messages, dtypes, tensors, checked arithmetic and
 * aligned allocation: the small pieces every other file uses. */
#include "gru_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRU_ERRMSG_MAX 512

static _Thread_local char tls_errmsg[GRU_ERRMSG_MAX];

const char *gru_errmsg(void) { return tls_errmsg; }

const char *gru_version(void) { return GRU_VERSION_STRING; }

int gru__error(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tls_errmsg, sizeof tls_errmsg, fmt, ap);
    va_end(ap);
    return status;
}

const char *gru_status_str(int status)
{
    switch (status) {
#define GRU__STATUS_STR(name, value, desc) \
    case value:                            \
        return desc;
        GRU_STATUS_MAP(GRU__STATUS_STR)
#undef GRU__STATUS_STR
    }
    return "unknown status";
}

const char *gru_status_name(int status)
{
    switch (status) {
#define GRU__STATUS_NAME(name, value, desc) \
    case value:                             \
        return "GRU_" #name;
        GRU_STATUS_MAP(GRU__STATUS_NAME)
#undef GRU__STATUS_NAME
    }
    return "GRU_UNKNOWN";
}

size_t gru_dtype_size(gru_dtype dtype)
{
    switch (dtype) {
    case GRU_FLOAT32: return 4;
    case GRU_FLOAT64: return 8;
    case GRU_FLOAT16: return 2;
    case GRU_BOOL: return 1;
    case GRU_INT8: return 1;
    case GRU_UINT8: return 1;
    case GRU_INT16: return 2;
    case GRU_UINT16: return 2;
    case GRU_INT32: return 4;
    case GRU_UINT32: return 4;
    case GRU_INT64: return 8;
    case GRU_UINT64: return 8;
    default: return 0;
    }
}

const char *gru_dtype_name(gru_dtype dtype)
{
    switch (dtype) {
    case GRU_FLOAT32: return "float32";
    case GRU_FLOAT64: return "float64";
    case GRU_FLOAT16: return "float16";
    case GRU_BOOL: return "bool";
    case GRU_INT8: return "int8";
    case GRU_UINT8: return "uint8";
    case GRU_INT16: return "int16";
    case GRU_UINT16: return "uint16";
    case GRU_INT32: return "int32";
    case GRU_UINT32: return "uint32";
    case GRU_INT64: return "int64";
    case GRU_UINT64: return "uint64";
    default: return "invalid";
    }
}

gru_tensor gru_tensor_1d(gru_dtype dtype, int64_t d0, void *data)
{
    gru_tensor t = {dtype, 1, {d0, 0, 0, 0}, data};
    return t;
}

gru_tensor gru_tensor_2d(gru_dtype dtype, int64_t d0, int64_t d1, void *data)
{
    gru_tensor t = {dtype, 2, {d0, d1, 0, 0}, data};
    return t;
}

gru_tensor gru_tensor_3d(gru_dtype dtype, int64_t d0, int64_t d1, int64_t d2, void *data)
{
    gru_tensor t = {dtype, 3, {d0, d1, d2, 0}, data};
    return t;
}

int64_t gru_tensor_numel(const gru_tensor *t)
{
    if (!t || t->ndim < 0 || t->ndim > GRU_MAX_DIMS)
        return -1;
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        if (!gru__mul_i64(n, t->shape[i], &n))
            return -1;
    return n;
}

const char *gru__shape_str(char *buf, size_t cap, int ndim, const int64_t *shape)
{
    size_t used = 0;
    if (cap == 0)
        return buf;
    buf[0] = '\0';
    int n = snprintf(buf, cap, "(");
    used = n > 0 ? (size_t)n : 0;
    for (int i = 0; i < ndim && used < cap; i++) {
        n = snprintf(buf + used, cap - used, i ? ", %lld" : "%lld", (long long)shape[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (used < cap)
        snprintf(buf + used, cap - used, ndim == 1 ? ",)" : ")");
    return buf;
}

int gru__check_tensor(const gru_tensor *t, const char *what, gru_dtype dtype, int ndim,
                      const int64_t *expected_shape)
{
    char got[96], want[96];
    if (!t)
        return gru__error(GRU_ERR_NULL, "%s: is NULL", what);
    if (t->ndim < 0 || t->ndim > GRU_MAX_DIMS)
        return gru__error(GRU_ERR_SHAPE, "%s: ndim %d is out of range 0..%d", what, t->ndim,
                          GRU_MAX_DIMS);
    if (dtype != GRU_DTYPE_INVALID && t->dtype != dtype)
        return gru__error(GRU_ERR_SHAPE, "%s: expected dtype %s, got %s", what,
                          gru_dtype_name(dtype), gru_dtype_name(t->dtype));
    bool ok = t->ndim == ndim;
    for (int i = 0; ok && i < ndim; i++) {
        if (expected_shape[i] < 0 ? t->shape[i] < 1 : t->shape[i] != expected_shape[i])
            ok = false;
    }
    if (!ok) {
        int64_t w[GRU_MAX_DIMS] = {0};
        char *p = want;
        for (int i = 0; i < ndim; i++)
            w[i] = expected_shape[i];
        gru__shape_str(want, sizeof want, ndim, w);
        /* show "?" for free dimensions */
        for (int i = 0; i < ndim; i++)
            if (expected_shape[i] < 0) {
                p = strstr(p, "-1");
                if (p) {
                    p[0] = '?';
                    memmove(p + 1, p + 2, strlen(p + 2) + 1);
                }
            }
        gru__shape_str(got, sizeof got, t->ndim, t->shape);
        return gru__error(GRU_ERR_SHAPE, "%s: expected shape %s, got %s", what, want, got);
    }
    if (gru_tensor_numel(t) < 0)
        return gru__error(GRU_ERR_SHAPE, "%s: shape overflows", what);
    if (!t->data)
        return gru__error(GRU_ERR_NULL, "%s: data is NULL", what);
    return GRU_OK;
}

void *gru__alloc(size_t bytes)
{
    if (bytes == 0)
        bytes = 1;
    size_t rounded = (bytes + 63) & ~(size_t)63;
    if (rounded < bytes)
        return NULL;
    void *p = aligned_alloc(64, rounded);
    if (p)
        memset(p, 0, rounded);
    return p;
}

void gru__free(void *p) { free(p); }
