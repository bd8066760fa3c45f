/* .npy reader/writer: NumPy-made fixtures (tests/data/npy/, written by make_fixtures.py),
 * files made by NumPy at run time when a Python with numpy is found (and NumPy reading
 * what we write), round trips of every dtype, and every error path of the reader and
 * the writer on hand-made hostile images. */
#define _POSIX_C_SOURCE 200809L

#include "gru.h"
#include "gru_npy.h"
#include "test_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef GRU_SOURCE_DIR
#define GRU_SOURCE_DIR "."
#endif

static char tmpdir[256];

static void tmp_path(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", tmpdir, name);
}

/* ---- expected fixture values (same rule as make_fixtures.py) ------------------ */

static int64_t int_mult(size_t esize)
{
    return esize == 1 ? 1 : esize == 2 ? 257 : esize == 4 ? 65537 : 4294967297LL;
}

/* Compare element i of a (native order) against the fixture rule; returns true if equal. */
static bool value_ok(const gru_npy_array *a, size_t i)
{
    const void *p = (const char *)a->data + i * gru_dtype_size(a->dtype);
    int64_t k = (int64_t)i;
    switch (a->dtype) {
    case GRU_FLOAT32: {
        float v;
        memcpy(&v, p, 4);
        return v == (float)((double)(k - 3) * 0.25);
    }
    case GRU_FLOAT64: {
        double v;
        memcpy(&v, p, 8);
        return v == (double)(k - 3) * 0.25;
    }
    case GRU_FLOAT16: {
        /* decode IEEE half by hand: sign, 5-bit exponent, 10-bit mantissa */
        uint16_t h;
        memcpy(&h, p, 2);
        int e = (h >> 10) & 31, mant = h & 1023;
        double v = e == 0 ? mant * 0x1p-24 : (1.0 + mant / 1024.0) * (double)(1LL << e) * 0x1p-15;
        if (h & 0x8000)
            v = -v;
        return v == (double)(k - 3) * 0.25;
    }
    case GRU_BOOL:
        return *(const uint8_t *)p == (k % 3 == 0);
    case GRU_INT8: return *(const int8_t *)p == (int8_t)(k - 3);
    case GRU_UINT8: return *(const uint8_t *)p == (uint8_t)k;
    case GRU_INT16: {
        int16_t v;
        memcpy(&v, p, 2);
        return v == (int16_t)((k - 3) * int_mult(2));
    }
    case GRU_UINT16: {
        uint16_t v;
        memcpy(&v, p, 2);
        return v == (uint16_t)(k * int_mult(2));
    }
    case GRU_INT32: {
        int32_t v;
        memcpy(&v, p, 4);
        return v == (int32_t)((k - 3) * int_mult(4));
    }
    case GRU_UINT32: {
        uint32_t v;
        memcpy(&v, p, 4);
        return v == (uint32_t)(k * int_mult(4));
    }
    case GRU_INT64: {
        int64_t v;
        memcpy(&v, p, 8);
        return v == (k - 3) * int_mult(8);
    }
    case GRU_UINT64: {
        uint64_t v;
        memcpy(&v, p, 8);
        return v == (uint64_t)k * (uint64_t)int_mult(8);
    }
    default: return false;
    }
}

typedef struct fixture {
    const char *name;
    gru_dtype dtype;
    int ndim;
    int64_t shape[3];
} fixture;

static const fixture FIXTURES[] = {
    {"f4_le_2x3", GRU_FLOAT32, 2, {2, 3}},   {"f8_be_3", GRU_FLOAT64, 1, {3}},
    {"f2_le_2x2", GRU_FLOAT16, 2, {2, 2}},   {"f4_be_2x2", GRU_FLOAT32, 2, {2, 2}},
    {"b1_2x3", GRU_BOOL, 2, {2, 3}},         {"i1_4", GRU_INT8, 1, {4}},
    {"u1_4", GRU_UINT8, 1, {4}},             {"i2_be_2x2", GRU_INT16, 2, {2, 2}},
    {"u2_le_4", GRU_UINT16, 1, {4}},         {"i4_be_4", GRU_INT32, 1, {4}},
    {"u4_le_4", GRU_UINT32, 1, {4}},         {"i8_be_2x2", GRU_INT64, 2, {2, 2}},
    {"u8_le_4", GRU_UINT64, 1, {4}},         {"f4_v2_2x3", GRU_FLOAT32, 2, {2, 3}},
    {"f8_v3_2x2", GRU_FLOAT64, 2, {2, 2}},   {"f4_scalar", GRU_FLOAT32, 0, {0}},
    {"f4_empty_0x3", GRU_FLOAT32, 2, {0, 3}}, {"f4_3d_2x3x4", GRU_FLOAT32, 3, {2, 3, 4}},
};

static void check_fixture(const char *dir, const fixture *fx)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.npy", dir, fx->name);
    gru_npy_array a;
    int rc = gru_npy_read_file(path, &a);
    CHECK_MSG(rc == GRU_OK, "%s: %s", path, gru_errmsg());
    if (rc != GRU_OK)
        return;
    CHECK_MSG(a.dtype == fx->dtype, "%s: dtype %s", path, gru_dtype_name(a.dtype));
    CHECK_MSG(a.ndim == fx->ndim, "%s: ndim %d", path, a.ndim);
    size_t numel = 1;
    for (int i = 0; i < fx->ndim && i < a.ndim; i++) {
        CHECK_MSG(a.shape[i] == fx->shape[i], "%s: shape[%d] %lld", path, i, (long long)a.shape[i]);
        numel *= (size_t)fx->shape[i];
    }
    CHECK(a.numel == numel);
    CHECK(a.nbytes == numel * gru_dtype_size(fx->dtype));
    CHECK(a.data != NULL);
    size_t bad = 0;
    for (size_t i = 0; i < a.numel; i++)
        bad += !value_ok(&a, i);
    CHECK_MSG(bad == 0, "%s: %zu values differ from NumPy's", path, bad);
    gru_npy_free(&a);
    CHECK(a.data == NULL);
}

static void test_fixtures(void)
{
    const char *dir = GRU_SOURCE_DIR "/tests/data/npy";
    for (size_t i = 0; i < sizeof FIXTURES / sizeof FIXTURES[0]; i++)
        check_fixture(dir, &FIXTURES[i]);
    gru_npy_array a;
    CHECK_ERR(gru_npy_read_file(GRU_SOURCE_DIR "/tests/data/npy/f4_fortran_2x3.npy", &a),
              GRU_ERR_UNSUPPORTED, "fortran_order");
    CHECK(a.data == NULL);
}

/* ---- NumPy at run time --------------------------------------------------------- */

static const char *find_python(void)
{
    static char buf[1024];
    const char *env = getenv("GRU_PYTHON");
    const char *cands[3] = {env, GRU_SOURCE_DIR "/.venv/bin/python", "python3"};
    for (int i = 0; i < 3; i++) {
        if (!cands[i] || !*cands[i])
            continue;
        snprintf(buf, sizeof buf, "%s -c 'import numpy' >/dev/null 2>&1", cands[i]);
        if (system(buf) == 0)
            return cands[i];
    }
    return NULL;
}

static void test_numpy_runtime(void)
{
    const char *py = find_python();
    if (!py) {
        printf("test_npy: no Python with numpy found; skipping the run-time NumPy checks\n");
        return;
    }
    char dir[512], cmd[2048];
    tmp_path(dir, sizeof dir, "np");
    mkdir(dir, 0777);
    snprintf(cmd, sizeof cmd, "%s %s/tests/data/npy/make_fixtures.py %s", py, GRU_SOURCE_DIR, dir);
    CHECK_MSG(system(cmd) == 0, "%s failed", cmd);
    for (size_t i = 0; i < sizeof FIXTURES / sizeof FIXTURES[0]; i++)
        check_fixture(dir, &FIXTURES[i]);

    /* NumPy reads what we write, every dtype. */
    static const gru_dtype dts[] = {GRU_FLOAT32, GRU_FLOAT64, GRU_BOOL, GRU_UINT8, GRU_INT8,
                                    GRU_INT16, GRU_UINT16, GRU_INT32, GRU_UINT32, GRU_INT64,
                                    GRU_UINT64, GRU_FLOAT16};
    static const char *names[] = {"float32", "float64", "bool", "uint8", "int8", "int16",
                                  "uint16", "int32", "uint32", "int64", "uint64", "float16"};
    for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++) {
        uint8_t data[2 * 3 * 8];
        for (size_t i = 0; i < sizeof data; i++)
            data[i] = (uint8_t)(i * 37 + 11);
        if (dts[d] == GRU_BOOL)
            for (size_t i = 0; i < 6; i++)
                data[i] = (uint8_t)(i % 2);
        if (dts[d] == GRU_FLOAT16) /* finite halves: clear the exponent's top bit */
            for (size_t i = 1; i < 12; i += 2)
                data[i] &= 0x3f;
        if (dts[d] == GRU_FLOAT32 || dts[d] == GRU_FLOAT64) {
            for (size_t i = 0; i < 6; i++) {
                if (dts[d] == GRU_FLOAT32) {
                    float v = (float)i * 1.5f - 2.0f;
                    memcpy(data + 4 * i, &v, 4);
                } else {
                    double v = (double)i * 1.5 - 2.0;
                    memcpy(data + 8 * i, &v, 8);
                }
            }
        }
        char path[600], hex[2 * sizeof data + 1];
        snprintf(path, sizeof path, "%s/ours_%s.npy", dir, names[d]);
        int64_t shape[2] = {2, 3};
        CHECK_OK(gru_npy_write_file(path, dts[d], 2, shape, data));
        size_t nb = 6 * gru_dtype_size(dts[d]);
        for (size_t i = 0; i < nb; i++)
            snprintf(hex + 2 * i, 3, "%02x", data[i]);
        snprintf(cmd, sizeof cmd,
                 "%s -c \"import numpy as np, sys; a = np.load('%s'); "
                 "sys.exit(0 if a.dtype == np.dtype('%s') and a.shape == (2, 3) and "
                 "a.flags.c_contiguous and a.tobytes() == bytes.fromhex('%s') else 1)\"",
                 py, path, names[d], hex);
        CHECK_MSG(system(cmd) == 0, "numpy does not read back %s as written", path);
    }
    /* 0-d, 1-d and empty arrays too */
    float s = 2.5f;
    char path[600];
    snprintf(path, sizeof path, "%s/ours_scalar.npy", dir);
    CHECK_OK(gru_npy_write_file(path, GRU_FLOAT32, 0, NULL, &s));
    snprintf(cmd, sizeof cmd,
             "%s -c \"import numpy as np, sys; a = np.load('%s'); sys.exit(0 if a.shape == () and a == 2.5 else 1)\"",
             py, path);
    CHECK_MSG(system(cmd) == 0, "numpy does not read back %s", path);
    int64_t e[2] = {0, 5};
    snprintf(path, sizeof path, "%s/ours_empty.npy", dir);
    CHECK_OK(gru_npy_write_file(path, GRU_FLOAT64, 2, e, NULL));
    snprintf(cmd, sizeof cmd,
             "%s -c \"import numpy as np, sys; a = np.load('%s'); sys.exit(0 if a.shape == (0, 5) and a.dtype == np.float64 else 1)\"",
             py, path);
    CHECK_MSG(system(cmd) == 0, "numpy does not read back %s", path);
    float v1[3] = {1, 2, 3};
    int64_t s1 = 3;
    snprintf(path, sizeof path, "%s/ours_1d.npy", dir);
    CHECK_OK(gru_npy_write_file(path, GRU_FLOAT32, 1, &s1, v1));
    snprintf(cmd, sizeof cmd,
             "%s -c \"import numpy as np, sys; a = np.load('%s'); sys.exit(0 if a.shape == (3,) and list(a) == [1, 2, 3] else 1)\"",
             py, path);
    CHECK_MSG(system(cmd) == 0, "numpy does not read back %s", path);
}

/* ---- hand-made images ------------------------------------------------------------ */

/* Build a .npy image: magic, version major.0, header text padded to 64 (no padding
 * when pad is false), then ndata bytes of data. Returns the length. */
static size_t make_image(uint8_t *buf, size_t cap, int major, const char *header, bool pad,
                         const void *data, size_t ndata)
{
    size_t pre = major == 1 ? 10 : 12, h = strlen(header);
    size_t hlen = h;
    if (pad)
        hlen = (pre + h + 1 + 63) / 64 * 64 - pre;
    if (pre + hlen + ndata > cap)
        return 0;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (uint8_t)major;
    buf[7] = 0;
    buf[8] = (uint8_t)(hlen & 0xff);
    buf[9] = (uint8_t)(hlen >> 8);
    if (major != 1) {
        buf[10] = (uint8_t)(hlen >> 16);
        buf[11] = (uint8_t)(hlen >> 24);
    }
    memcpy(buf + pre, header, h);
    if (pad) {
        memset(buf + pre + h, ' ', hlen - h);
        buf[pre + hlen - 1] = '\n';
    }
    if (ndata)
        memcpy(buf + pre + hlen, data, ndata);
    return pre + hlen + ndata;
}

static uint8_t img[1 << 16];

/* Read a header + data image from memory; return the status. */
static int read_hdr(int major, const char *header, const void *data, size_t ndata,
                    gru_npy_array *a)
{
    size_t n = make_image(img, sizeof img, major, header, true, data, ndata);
    return gru_npy_read_mem(img, n, a);
}

static void write_bytes(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        CHECK_MSG(0, "cannot create %s", path);
        return;
    }
    fwrite(b, 1, n, f);
    fclose(f);
}

static void test_valid_variants(void)
{
    gru_npy_array a;
    float f[6] = {1, 2, 3, 4, 5, 6};
    /* key order, spacing, double quotes, no trailing comma, Python 2 'L' suffix */
    const char *hdrs[] = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
        "{'shape': (2,3), 'fortran_order': False, 'descr': '<f4'}",
        "{ \"descr\" : \"<f4\" , \"fortran_order\" : False , \"shape\" : ( 2 , 3 , ) }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }",
        "{'descr': '=f4', 'fortran_order': False, 'shape': (2, 3), }",
        "\t{'descr':'<f4','fortran_order':False,'shape':(2,3)}",
    };
    for (size_t i = 0; i < sizeof hdrs / sizeof hdrs[0]; i++) {
        for (int major = 1; major <= 3; major++) {
            int rc = read_hdr(major, hdrs[i], f, sizeof f, &a);
            CHECK_MSG(rc == GRU_OK, "header %s v%d: %s", hdrs[i], major, gru_errmsg());
            if (rc != GRU_OK)
                continue;
            CHECK(a.dtype == GRU_FLOAT32 && a.ndim == 2 && a.shape[0] == 2 && a.shape[1] == 3);
            CHECK(memcmp(a.data, f, sizeof f) == 0);
            gru_npy_free(&a);
        }
    }
    /* unpadded header with no newline */
    size_t n = make_image(img, sizeof img, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}",
                          false, f, sizeof f);
    CHECK_OK(gru_npy_read_mem(img, n, &a));
    CHECK(a.ndim == 1 && a.shape[0] == 6);
    gru_npy_free(&a);
    /* big-endian float32 from bytes */
    uint8_t be[8] = {0x3f, 0x80, 0, 0, 0xc0, 0x00, 0, 0}; /* 1.0, -2.0 */
    CHECK_OK(read_hdr(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", be, 8, &a));
    if (a.data) {
        float *v = a.data;
        CHECK(v[0] == 1.0f && v[1] == -2.0f);
    }
    gru_npy_free(&a);
    /* 1-byte types accept any byte-order mark */
    uint8_t u[2] = {7, 9};
    CHECK_OK(read_hdr(1, "{'descr': '<u1', 'fortran_order': False, 'shape': (2,), }", u, 2, &a));
    CHECK(a.dtype == GRU_UINT8 && ((uint8_t *)a.data)[1] == 9);
    gru_npy_free(&a);
    /* zero-size and scalar */
    CHECK_OK(read_hdr(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 0, 2), }", NULL, 0, &a));
    CHECK(a.numel == 0 && a.nbytes == 0 && a.data != NULL && a.ndim == 3);
    gru_npy_free(&a);
    /* a 0 dimension makes a huge other dimension harmless (no data) */
    CHECK_OK(read_hdr(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 9223372036854775807), }",
                      NULL, 0, &a));
    CHECK(a.numel == 0);
    gru_npy_free(&a);
    CHECK_OK(read_hdr(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", f, 8, &a));
    CHECK(a.ndim == 0 && a.numel == 1);
    gru_npy_free(&a);
    /* the same image through a file */
    char path[512];
    tmp_path(path, sizeof path, "variant.npy");
    n = make_image(img, sizeof img, 2, hdrs[1], true, f, sizeof f);
    write_bytes(path, img, n);
    CHECK_OK(gru_npy_read_file(path, &a));
    CHECK(a.numel == 6 && a.data && memcmp(a.data, f, sizeof f) == 0);
    gru_npy_free(&a);
    /* header of length 0 is malformed, not a crash, through a file too */
    n = make_image(img, sizeof img, 1, "", false, NULL, 0);
    write_bytes(path, img, n);
    CHECK_ERR(gru_npy_read_file(path, &a), GRU_ERR_FORMAT, "expected '{'");
    n = make_image(img, sizeof img, 1, "", false, "\x01\x02\x03\x04\x05\x06", 6);
    write_bytes(path, img, n);
    CHECK_ERR(gru_npy_read_file(path, &a), GRU_ERR_FORMAT, "expected '{'");
}

static void test_prefix(void)
{
    float f[2] = {1, 2};
    gru_npy_array a;
    size_t n1 = make_image(img, sizeof img, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                           true, f, sizeof f);
    memcpy(img + n1, "TRAILING", 8);
    size_t used = 0;
    CHECK_OK(gru_npy_read_mem_prefix(img, n1 + 8, &a, &used));
    CHECK(used == n1);
    gru_npy_free(&a);
    CHECK_ERR(gru_npy_read_mem(img, n1 + 8, &a), GRU_ERR_FORMAT, "8 bytes of trailing data");
    CHECK(a.data == NULL);
    CHECK_ERR(gru_npy_read_mem_prefix(img, n1 + 8, &a, NULL), GRU_ERR_NULL, "consumed");
    CHECK_ERR(gru_npy_read_mem_prefix(img, n1 - 1, &a, &used), GRU_ERR_FORMAT, "truncated");
}

static void test_read_errors(void)
{
    gru_npy_array a;
    float f[6] = {0};
    const char *ok_tail = "'fortran_order': False, 'shape': (2, 3), }";
    char hdr[512];

    /* NULL arguments */
    CHECK_ERR(gru_npy_read_mem(img, 10, NULL), GRU_ERR_NULL, "out");
    CHECK_ERR(gru_npy_read_mem(NULL, 10, &a), GRU_ERR_NULL, "buf");
    CHECK_ERR(gru_npy_read_file(NULL, &a), GRU_ERR_NULL, "path");
    CHECK_ERR(gru_npy_read_file("x.npy", NULL), GRU_ERR_NULL, "out");
    CHECK_ERR(gru_npy_as_tensor(NULL, NULL), GRU_ERR_NULL, "NULL");

    /* empty, truncated, wrong magic, version */
    CHECK_ERR(gru_npy_read_mem(NULL, 0, &a), GRU_ERR_FORMAT, "truncated");
    CHECK_ERR(gru_npy_read_mem("\x93NUM", 4, &a), GRU_ERR_FORMAT, "truncated");
    CHECK_ERR(gru_npy_read_mem("\x93NUMPY\x01", 7, &a), GRU_ERR_FORMAT, "truncated");
    CHECK_ERR(gru_npy_read_mem("\x93NUMPY\x01\x00\x10", 9, &a), GRU_ERR_FORMAT, "truncated");
    CHECK_ERR(gru_npy_read_mem("\x93NUMPY\x02\x00\x10\x00\x00", 11, &a), GRU_ERR_FORMAT, "truncated");
    CHECK_ERR(gru_npy_read_mem("PK\x03\x04 this is a zip file", 24, &a), GRU_ERR_FORMAT, "bad magic");
    CHECK_ERR(gru_npy_read_mem("\x93NUMPX\x01\x00\x00\x00", 10, &a), GRU_ERR_FORMAT, "bad magic");
    CHECK_ERR(gru_npy_read_mem("\x93NUMPY\x04\x00\x00\x00\x00\x00", 12, &a), GRU_ERR_UNSUPPORTED,
              "version 4.0");
    CHECK_ERR(gru_npy_read_mem("\x93NUMPY\x01\x01\x00\x00", 10, &a), GRU_ERR_UNSUPPORTED,
              "version 1.1");
    CHECK_ERR(gru_npy_read_mem("\x93NUMPY\x00\x00\x00\x00", 10, &a), GRU_ERR_UNSUPPORTED,
              "version 0.0");
    /* header length past the end; absurd header length (v2 4 GiB) */
    CHECK_ERR(gru_npy_read_mem("\x93NUMPY\x01\x00\x40\x00{'descr'", 17, &a), GRU_ERR_FORMAT,
              "runs past the end");
    CHECK_ERR(gru_npy_read_mem("\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14, &a), GRU_ERR_FORMAT,
              "header length");

    /* malformed dicts */
    struct { const char *h; int st; const char *needle; } bad[] = {
        {"'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", GRU_ERR_FORMAT, "expected '{'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", GRU_ERR_FORMAT, "expected ',' or '}'"},
        {"{'fortran_order': False, 'shape': (2, 3), }", GRU_ERR_FORMAT, "missing key 'descr'"},
        {"{'descr': '<f4', 'shape': (2, 3), }", GRU_ERR_FORMAT, "missing key 'fortran_order'"},
        {"{'descr': '<f4', 'fortran_order': False, }", GRU_ERR_FORMAT, "missing key 'shape'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}", GRU_ERR_FORMAT,
         "unknown key 'extra'"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", GRU_ERR_FORMAT,
         "appears twice"},
        {"{descr: '<f4', 'fortran_order': False, 'shape': (2, 3)}", GRU_ERR_FORMAT, "quoted string"},
        {"{'descr' '<f4', 'fortran_order': False, 'shape': (2, 3)}", GRU_ERR_FORMAT, "expected ':'"},
        {"{'descr: '<f4', 'fortran_order': False, 'shape': (2, 3)}", GRU_ERR_FORMAT, "expected ':'"},
        {"{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3)}", GRU_ERR_FORMAT, "expected ',' or '}'"},
        {"{'descr': '<f4", GRU_ERR_FORMAT, "unterminated string"},
        {"{'descr': '<f4444444444444444444444444444444444444444444444444444444444444444444'}",
         GRU_ERR_FORMAT, "string too long"},
        {"{'descr': '<\\x66\\x34', 'fortran_order': False, 'shape': (2, 3)}", GRU_ERR_FORMAT,
         "unsupported character"},
        {"{'descr': '<c8', 'fortran_order': False, 'shape': (2, 3)}", GRU_ERR_UNSUPPORTED, "'<c8'"},
        {"{'descr': '<U3', 'fortran_order': False, 'shape': (2, 3)}", GRU_ERR_UNSUPPORTED, "'<U3'"},
        {"{'descr': '|O', 'fortran_order': False, 'shape': (2, 3)}", GRU_ERR_FORMAT, "'|O'"},
        {"{'descr': '<f16', 'fortran_order': False, 'shape': (2, 3)}", GRU_ERR_UNSUPPORTED, "'<f16'"},
        {"{'descr': '<f4x', 'fortran_order': False, 'shape': (2, 3)}", GRU_ERR_UNSUPPORTED, "'<f4x'"},
        {"{'descr': 'xf4', 'fortran_order': False, 'shape': (2, 3)}", GRU_ERR_FORMAT, "byte order"},
        {"{'descr': '|f4', 'fortran_order': False, 'shape': (2, 3)}", GRU_ERR_FORMAT, "1-byte"},
        {"{'descr': 'float32', 'fortran_order': False, 'shape': (2, 3)}", GRU_ERR_FORMAT, "byte order"},
        {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3)}", GRU_ERR_UNSUPPORTED,
         "structured"},
        {"{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3)}", GRU_ERR_UNSUPPORTED, "fortran_order True"},
        {"{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}", GRU_ERR_FORMAT, "True or False"},
        {"{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2, 3)}", GRU_ERR_FORMAT, "True or False"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}", GRU_ERR_FORMAT, "must be a tuple"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': 6}", GRU_ERR_FORMAT, "must be a tuple"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6)}", GRU_ERR_FORMAT, "not a tuple"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3}", GRU_ERR_FORMAT, "expected ',' or ')'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,, 3)}", GRU_ERR_FORMAT, "not an integer"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3.0)}", GRU_ERR_FORMAT, "expected ',' or ')'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, x)}", GRU_ERR_FORMAT, "not an integer"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3)}", GRU_ERR_FORMAT, "negative"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1)}", GRU_ERR_FORMAT, "entry 1 is negative"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 3)}", GRU_ERR_FORMAT,
         "overflows int64"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", GRU_ERR_FORMAT,
         "element count overflows"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,)}", GRU_ERR_FORMAT,
         "byte count overflows"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
         "1,1,1,1,1,1,1,1,1,1,1,1,1)}", GRU_ERR_UNSUPPORTED, "more than 32"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} junk", GRU_ERR_FORMAT,
         "after the header dict"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}}", GRU_ERR_FORMAT,
         "after the header dict"},
        /* a forged shape claiming far more data than present: error, no allocation */
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000000000)}", GRU_ERR_FORMAT,
         "truncated"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 3), }", GRU_ERR_FORMAT, "needs 72 bytes"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", GRU_ERR_FORMAT,
         "8 bytes of trailing data"},
    };
    char path[512];
    tmp_path(path, sizeof path, "bad.npy");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (int major = 1; major <= 3; major += 2) {
            CHECK_ERR(read_hdr(major, bad[i].h, f, sizeof f, &a), bad[i].st, bad[i].needle);
            CHECK(a.data == NULL && a.ndim == 0);
        }
        /* and through a file, with the path in the message */
        size_t n = make_image(img, sizeof img, 1, bad[i].h, true, f, sizeof f);
        write_bytes(path, img, n);
        CHECK_ERR(gru_npy_read_file(path, &a), bad[i].st, bad[i].needle);
        CHECK_ERR(gru_npy_read_file(path, &a), bad[i].st, "bad.npy: ");
        CHECK(a.data == NULL);
    }
    (void)ok_tail;
    (void)hdr;

    /* every truncation of a valid image fails cleanly */
    size_t n = make_image(img, sizeof img, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                          true, f, sizeof f);
    static uint8_t copy[1 << 16];
    memcpy(copy, img, n);
    int fails = 0;
    for (size_t len = 0; len < n; len++) {
        int rc = gru_npy_read_mem(copy, len, &a);
        fails += rc == GRU_ERR_FORMAT;
        gru_npy_free(&a);
    }
    CHECK_MSG(fails == (int)n, "%d of %zu truncations rejected", fails, n);
    /* truncated files too (a few lengths) */
    size_t lens[] = {0, 3, 8, 9, 11, 40, 63, 64, n - 1};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        write_bytes(path, copy, lens[i]);
        CHECK_ERR(gru_npy_read_file(path, &a), GRU_ERR_FORMAT, "bad.npy");
    }
    /* a file with trailing garbage */
    memcpy(img, copy, n);
    memcpy(img + n, "xx", 2);
    write_bytes(path, img, n + 2);
    CHECK_ERR(gru_npy_read_file(path, &a), GRU_ERR_FORMAT, "2 bytes of trailing data");

    /* files that are not there or not files */
    CHECK_ERR(gru_npy_read_file("/nonexistent/dir/x.npy", &a), GRU_ERR_IO, "/nonexistent/dir/x.npy: cannot open");
    CHECK_ERR(gru_npy_read_file(tmpdir, &a), GRU_ERR_IO, "directory");

    /* a stream (pipe) reads like a file: valid, then truncated. The image fits the pipe
     * buffer, so no second process is needed; /proc/self/fd names the read end. */
    for (int trunc = 0; trunc < 2; trunc++) {
        int fds[2];
        char pp[64];
        if (pipe(fds) != 0)
            break;
        size_t len = trunc ? 70 : n;
        bool ok = write(fds[1], copy, len) == (ssize_t)len;
        close(fds[1]);
        snprintf(pp, sizeof pp, "/proc/self/fd/%d", fds[0]);
        if (ok && access(pp, R_OK) == 0) {
            if (!trunc) {
                CHECK_OK(gru_npy_read_file(pp, &a));
                CHECK(a.numel == 6);
                gru_npy_free(&a);
            } else {
                CHECK_ERR(gru_npy_read_file(pp, &a), GRU_ERR_FORMAT, "truncated");
            }
        }
        close(fds[0]);
    }

    /* as_tensor: too many dimensions for a gru_tensor */
    CHECK_OK(read_hdr(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 2, 3)}", f,
                      sizeof f, &a));
    gru_tensor t;
    CHECK_ERR(gru_npy_as_tensor(&a, &t), GRU_ERR_SHAPE, "5 dimensions");
    gru_npy_free(&a);
    CHECK_OK(read_hdr(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", f, sizeof f, &a));
    CHECK_OK(gru_npy_as_tensor(&a, &t));
    CHECK(t.ndim == 2 && t.shape[0] == 2 && t.shape[1] == 3 && t.data == a.data && t.dtype == GRU_FLOAT32);
    gru_npy_free(&a);
    gru_npy_free(&a); /* twice is fine */
    gru_npy_free(NULL);
}

/* Random mutations of valid images never crash (the sanitizer build checks memory) and
 * either fail with a format status or give a consistent array. */
static void test_mutations(void)
{
    float f[6] = {1, 2, 3, 4, 5, 6};
    tu_rng rng = {7};
    static uint8_t base[1 << 12], m[1 << 12];
    int odd = 0;
    for (int major = 1; major <= 2; major++) {
        size_t n = make_image(base, sizeof base, major,
                              "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", true, f,
                              sizeof f);
        for (int it = 0; it < 3000; it++) {
            memcpy(m, base, n);
            int k = 1 + (int)(tu_next(&rng) % 4);
            for (int j = 0; j < k; j++) {
                size_t pos = (size_t)(tu_next(&rng) % n);
                static const char pool[] = "0123456789(),:'{} -<>|=fiub\n\x00\xff";
                m[pos] = (tu_next(&rng) & 1) ? (uint8_t)tu_next(&rng)
                                             : (uint8_t)pool[tu_next(&rng) % (sizeof pool - 1)];
            }
            size_t len = (tu_next(&rng) % 8 == 0) ? (size_t)(tu_next(&rng) % (n + 1)) : n;
            gru_npy_array a;
            int rc = gru_npy_read_mem(m, len, &a);
            if (rc == GRU_OK)
                odd += a.nbytes != a.numel * gru_dtype_size(a.dtype) || !a.data;
            else
                odd += a.data != NULL || gru_errmsg()[0] == '\0';
            gru_npy_free(&a);
        }
    }
    CHECK_MSG(odd == 0, "%d mutated images gave inconsistent results", odd);
}

static void test_header_limit(void)
{
    /* version 2 header over GRU_NPY_MAX_HEADER bytes, really present */
    size_t hlen = GRU_NPY_MAX_HEADER + 64;
    uint8_t *big = calloc(1, 12 + hlen);
    if (!big)
        return;
    memcpy(big, "\x93NUMPY\x02\x00", 8);
    big[8] = (uint8_t)hlen;
    big[9] = (uint8_t)(hlen >> 8);
    big[10] = (uint8_t)(hlen >> 16);
    big[11] = (uint8_t)(hlen >> 24);
    memset(big + 12, ' ', hlen);
    gru_npy_array a;
    CHECK_ERR(gru_npy_read_mem(big, 12 + hlen, &a), GRU_ERR_FORMAT, "header length");
    free(big);
}

/* Names of the files in tmpdir/sub starting with prefix. */
static int count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(d);
    return n;
}

static void test_write(void)
{
    char dir[512], path[600];
    tmp_path(dir, sizeof dir, "w");
    mkdir(dir, 0777);
    snprintf(path, sizeof path, "%s/y.npy", dir);

    /* round trip of every dtype, ndim 0..4 */
    static const gru_dtype dts[] = {GRU_FLOAT32, GRU_FLOAT64, GRU_FLOAT16, GRU_BOOL, GRU_INT8,
                                    GRU_UINT8, GRU_INT16, GRU_UINT16, GRU_INT32, GRU_UINT32,
                                    GRU_INT64, GRU_UINT64};
    uint8_t data[2 * 3 * 4 * 5 * 8];
    tu_rng rng = {42};
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)tu_next(&rng);
    int64_t shape[4] = {2, 3, 4, 5};
    for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++) {
        for (int nd = 0; nd <= 4; nd++) {
            CHECK_OK(gru_npy_write_file(path, dts[d], nd, shape, data));
            gru_npy_array a;
            int rc = gru_npy_read_file(path, &a);
            CHECK_MSG(rc == GRU_OK, "%s", gru_errmsg());
            if (rc != GRU_OK)
                continue;
            size_t numel = 1;
            for (int i = 0; i < nd; i++)
                numel *= (size_t)shape[i];
            CHECK(a.dtype == dts[d] && a.ndim == nd && a.numel == numel);
            CHECK(memcmp(a.data, data, a.nbytes) == 0);
            for (int i = 0; i < nd; i++)
                CHECK(a.shape[i] == shape[i]);
            gru_npy_free(&a);
            /* data starts at a multiple of 64, header ends with '\n' */
            FILE *f = fopen(path, "rb");
            uint8_t pre[10];
            CHECK(f && fread(pre, 1, 10, f) == 10);
            if (f)
                fclose(f);
            size_t hl = pre[8] | (size_t)pre[9] << 8;
            CHECK((10 + hl) % 64 == 0);
        }
    }
    /* empty array with NULL data; 32 dimensions */
    int64_t e[2] = {3, 0};
    CHECK_OK(gru_npy_write_file(path, GRU_FLOAT32, 2, e, NULL));
    int64_t ones[GRU_NPY_MAX_DIMS];
    for (int i = 0; i < GRU_NPY_MAX_DIMS; i++)
        ones[i] = 1;
    CHECK_OK(gru_npy_write_file(path, GRU_FLOAT64, GRU_NPY_MAX_DIMS, ones, data));
    gru_npy_array a;
    CHECK_OK(gru_npy_read_file(path, &a));
    CHECK(a.ndim == GRU_NPY_MAX_DIMS && a.numel == 1);
    gru_npy_free(&a);
    /* via a tensor */
    gru_tensor t = gru_tensor_2d(GRU_FLOAT32, 2, 3, data);
    CHECK_OK(gru_npy_write_tensor(path, &t));
    CHECK_OK(gru_npy_read_file(path, &a));
    CHECK(a.ndim == 2 && a.shape[1] == 3 && memcmp(a.data, data, 24) == 0);
    gru_npy_free(&a);
    CHECK(count_files(dir, ".gru-npy") == 0);

    /* errors: nothing is written, the old file stays intact, no temporary left */
    CHECK_ERR(gru_npy_write_file(NULL, GRU_FLOAT32, 1, shape, data), GRU_ERR_NULL, "path");
    CHECK_ERR(gru_npy_write_tensor(path, NULL), GRU_ERR_NULL, "t is NULL");
    CHECK_ERR(gru_npy_write_file(path, GRU_DTYPE_INVALID, 1, shape, data), GRU_ERR_ARG, "dtype");
    CHECK_ERR(gru_npy_write_file(path, (gru_dtype)99, 1, shape, data), GRU_ERR_ARG, "dtype 99");
    CHECK_ERR(gru_npy_write_file(path, GRU_FLOAT32, -1, shape, data), GRU_ERR_ARG, "ndim -1");
    CHECK_ERR(gru_npy_write_file(path, GRU_FLOAT32, GRU_NPY_MAX_DIMS + 1, ones, data), GRU_ERR_ARG, "ndim");
    CHECK_ERR(gru_npy_write_file(path, GRU_FLOAT32, 2, NULL, data), GRU_ERR_NULL, "shape");
    int64_t neg[2] = {2, -3};
    CHECK_ERR(gru_npy_write_file(path, GRU_FLOAT32, 2, neg, data), GRU_ERR_ARG, "negative");
    int64_t huge[2] = {INT64_MAX, INT64_MAX};
    CHECK_ERR(gru_npy_write_file(path, GRU_FLOAT32, 2, huge, data), GRU_ERR_ARG, "overflows");
    int64_t big1[1] = {INT64_MAX / 2};
    CHECK_ERR(gru_npy_write_file(path, GRU_FLOAT64, 1, big1, data), GRU_ERR_ARG, "overflows");
    CHECK_ERR(gru_npy_write_file(path, GRU_FLOAT32, 2, shape, NULL), GRU_ERR_NULL, "data");
    CHECK_OK(gru_npy_read_file(path, &a)); /* still the tensor written above */
    CHECK(a.ndim == 2 && a.shape[1] == 3);
    gru_npy_free(&a);

    char bad[700];
    snprintf(bad, sizeof bad, "%s/no/such/dir/y.npy", dir);
    CHECK_ERR(gru_npy_write_file(bad, GRU_FLOAT32, 2, shape, data), GRU_ERR_IO, "no/such/dir/y.npy: cannot write");
    /* destination is a directory: the rename fails, the temporary is removed */
    snprintf(bad, sizeof bad, "%s/adir", dir);
    mkdir(bad, 0777);
    CHECK_ERR(gru_npy_write_file(bad, GRU_FLOAT32, 2, shape, data), GRU_ERR_IO, "adir: cannot write");
    CHECK(count_files(dir, ".gru-npy") == 0);
    /* /dev/full: writing fails (when not root-writable elsewhere this still errs) */
    CHECK_ERR(gru_npy_write_file("/proc/version", GRU_FLOAT32, 2, shape, data), GRU_ERR_IO,
              "/proc/version: cannot write");
    /* a name in the current directory (no slash) */
    char cwd[512];
    if (getcwd(cwd, sizeof cwd) && chdir(dir) == 0) {
        CHECK_OK(gru_npy_write_file("plain.npy", GRU_UINT8, 1, shape, data));
        CHECK_OK(gru_npy_read_file("plain.npy", &a));
        CHECK(a.numel == 2);
        gru_npy_free(&a);
        CHECK(chdir(cwd) == 0);
    }
    CHECK(count_files(dir, ".gru-npy") == 0);
}

static void remove_tree(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_npy_XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_fixtures();
    test_valid_variants();
    test_prefix();
    test_read_errors();
    test_header_limit();
    test_mutations();
    test_write();
    test_numpy_runtime();
    remove_tree(tmpdir);
    return tu_finish("test_npy");
}
