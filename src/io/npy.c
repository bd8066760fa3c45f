/* NumPy .npy reader and writer. The format is described byte by byte in gru_npy.h.
 *
 * Reading: preamble (magic, version, header length) -> header dict (descr, fortran_order,
 * shape) -> sizes checked against the bytes present -> one allocation -> copy and byte
 * swap. Writing: header + data into a temporary file next to the destination, fsync,
 * rename. */
#define _POSIX_C_SOURCE 200809L

#include "gru_npy.h"
#include "gru_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_MEM_WHAT "npy buffer"

static bool host_is_little(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* ---- the header dict ------------------------------------------------------ */

typedef struct npy_meta {
    gru_dtype dtype;
    bool swap;                         /* stored in the other byte order */
    int ndim;
    int64_t shape[GRU_NPY_MAX_DIMS];   /* (ndim) */
    size_t numel, nbytes;
} npy_meta;

typedef struct hdr_parser {
    const char *p, *end;   /* the header text still to read */
    const char *what;      /* path or "npy buffer", for messages */
} hdr_parser;

static void skip_ws(hdr_parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
                               *ps->p == '\r'))
        ps->p++;
}

static bool peek(hdr_parser *ps, char c) { return ps->p < ps->end && *ps->p == c; }

/* A short, printable excerpt of the text at p for messages. */
static const char *excerpt(const hdr_parser *ps, char *buf, size_t cap)
{
    size_t n = 0;
    const char *q = ps->p;
    if (q >= ps->end)
        return "end of header";
    buf[n++] = '\'';
    while (q < ps->end && n + 5 < cap && n < 21) {
        unsigned char c = (unsigned char)*q++;
        buf[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (q < ps->end && n + 4 < cap) {
        buf[n++] = '.';
        buf[n++] = '.';
        buf[n++] = '.';
    }
    buf[n++] = '\'';
    buf[n] = '\0';
    return buf;
}

static int expect_char(hdr_parser *ps, char c, const char *context)
{
    char ex[40];
    skip_ws(ps);
    if (!peek(ps, c))
        return gru__error(GRU_ERR_FORMAT, "%s: malformed header: expected '%c' %s, found %s",
                          ps->what, c, context, excerpt(ps, ex, sizeof ex));
    ps->p++;
    return GRU_OK;
}

/* A Python string literal in ' or " quotes, without escapes, into buf. */
static int parse_string(hdr_parser *ps, char *buf, size_t cap, const char *context)
{
    char ex[40];
    skip_ws(ps);
    if (!(peek(ps, '\'') || peek(ps, '"')))
        return gru__error(GRU_ERR_FORMAT, "%s: malformed header: expected a quoted string %s, found %s",
                          ps->what, context, excerpt(ps, ex, sizeof ex));
    char q = *ps->p++;
    size_t n = 0;
    while (ps->p < ps->end && *ps->p != q) {
        char c = *ps->p;
        if (c == '\n')
            break;
        if (c == '\\')
            return gru__error(GRU_ERR_FORMAT, "%s: malformed header: unsupported character in a string %s",
                              ps->what, context);
        if (n + 1 >= cap)
            return gru__error(GRU_ERR_FORMAT, "%s: malformed header: string too long %s", ps->what,
                              context);
        buf[n++] = c;
        ps->p++;
    }
    if (ps->p >= ps->end || *ps->p != q)
        return gru__error(GRU_ERR_FORMAT, "%s: malformed header: unterminated string %s", ps->what,
                          context);
    ps->p++;
    buf[n] = '\0';
    return GRU_OK;
}

static bool take_word(hdr_parser *ps, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0)
        return false;
    const char *after = ps->p + n;
    if (after < ps->end && ((*after >= 'a' && *after <= 'z') || (*after >= 'A' && *after <= 'Z') ||
                            (*after >= '0' && *after <= '9') || *after == '_'))
        return false;
    ps->p = after;
    return true;
}

static int parse_bool(hdr_parser *ps, bool *out)
{
    char ex[40];
    skip_ws(ps);
    if (take_word(ps, "True")) {
        *out = true;
        return GRU_OK;
    }
    if (take_word(ps, "False")) {
        *out = false;
        return GRU_OK;
    }
    return gru__error(GRU_ERR_FORMAT, "%s: malformed header: 'fortran_order' must be True or False, found %s",
                      ps->what, excerpt(ps, ex, sizeof ex));
}

/* One dimension: a non-negative decimal integer (Python 2 files may add 'L'). */
static int parse_dim(hdr_parser *ps, int index, int64_t *out)
{
    char ex[40];
    skip_ws(ps);
    bool neg = false;
    if (peek(ps, '-') || peek(ps, '+')) {
        neg = *ps->p == '-';
        ps->p++;
    }
    if (!(ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9'))
        return gru__error(GRU_ERR_FORMAT, "%s: malformed header: 'shape' entry %d is not an integer: %s",
                          ps->what, index, excerpt(ps, ex, sizeof ex));
    int64_t v = 0;
    bool overflow = false;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
        int d = *ps->p++ - '0';
        if (v > (INT64_MAX - d) / 10)
            overflow = true;
        else
            v = v * 10 + d;
    }
    if (peek(ps, 'L') || peek(ps, 'l'))
        ps->p++;
    if (overflow)
        return gru__error(GRU_ERR_FORMAT, "%s: 'shape' entry %d is too large (overflows int64)",
                          ps->what, index);
    if (neg && v != 0)
        return gru__error(GRU_ERR_FORMAT, "%s: 'shape' entry %d is negative (-%lld)", ps->what,
                          index, (long long)v);
    *out = v;
    return GRU_OK;
}

static int parse_shape(hdr_parser *ps, npy_meta *m)
{
    int rc;
    char ex[40];
    skip_ws(ps);
    if (!peek(ps, '('))
        return gru__error(GRU_ERR_FORMAT, "%s: malformed header: 'shape' must be a tuple like (2, 3), found %s",
                          ps->what, excerpt(ps, ex, sizeof ex));
    ps->p++;
    m->ndim = 0;
    skip_ws(ps);
    if (peek(ps, ')')) {
        ps->p++;
        return GRU_OK;
    }
    bool comma_seen = false;
    for (;;) {
        if (m->ndim >= GRU_NPY_MAX_DIMS)
            return gru__error(GRU_ERR_UNSUPPORTED, "%s: 'shape' has more than %d dimensions",
                              ps->what, GRU_NPY_MAX_DIMS);
        if ((rc = parse_dim(ps, m->ndim, &m->shape[m->ndim])) != GRU_OK)
            return rc;
        m->ndim++;
        skip_ws(ps);
        if (peek(ps, ',')) {
            ps->p++;
            comma_seen = true;
            skip_ws(ps);
            if (peek(ps, ')')) {
                ps->p++;
                return GRU_OK;
            }
            continue;
        }
        if (peek(ps, ')')) {
            ps->p++;
            if (m->ndim == 1 && !comma_seen)
                return gru__error(GRU_ERR_FORMAT, "%s: malformed header: 'shape' (%lld) is not a tuple; "
                                  "a 1-D shape is written (%lld,)", ps->what,
                                  (long long)m->shape[0], (long long)m->shape[0]);
            return GRU_OK;
        }
        return gru__error(GRU_ERR_FORMAT, "%s: malformed header: expected ',' or ')' in 'shape', found %s",
                          ps->what, excerpt(ps, ex, sizeof ex));
    }
}

static int parse_descr(const char *what, const char *d, npy_meta *m)
{
    static const char *const accepted =
        "accepted: float16/32/64 ('<f2' '<f4' '<f8'), bool ('|b1'), int8..int64 "
        "('|i1' '<i2' '<i4' '<i8'), uint8..uint64 ('|u1' '<u2' '<u4' '<u8'), either byte order";
    size_t len = strlen(d);
    if (len < 3)
        return gru__error(GRU_ERR_FORMAT, "%s: bad 'descr' '%s'; %s", what, d, accepted);
    char order = d[0], kind = d[1];
    if (order != '<' && order != '>' && order != '|' && order != '=')
        return gru__error(GRU_ERR_FORMAT, "%s: bad 'descr' '%s': byte order must be '<', '>', '|' or '='; %s",
                          what, d, accepted);
    long size = 0;
    for (size_t i = 2; i < len; i++) {
        if (d[i] < '0' || d[i] > '9' || size > 1000)
            return gru__error(GRU_ERR_UNSUPPORTED, "%s: unsupported 'descr' '%s'; %s", what, d,
                              accepted);
        size = size * 10 + (d[i] - '0');
    }
    gru_dtype dt = GRU_DTYPE_INVALID;
    switch (kind) {
    case 'f':
        dt = size == 2 ? GRU_FLOAT16 : size == 4 ? GRU_FLOAT32 : size == 8 ? GRU_FLOAT64 : dt;
        break;
    case 'b':
        dt = size == 1 ? GRU_BOOL : dt;
        break;
    case 'i':
        dt = size == 1 ? GRU_INT8 : size == 2 ? GRU_INT16 : size == 4 ? GRU_INT32
           : size == 8 ? GRU_INT64 : dt;
        break;
    case 'u':
        dt = size == 1 ? GRU_UINT8 : size == 2 ? GRU_UINT16 : size == 4 ? GRU_UINT32
           : size == 8 ? GRU_UINT64 : dt;
        break;
    default:
        break;
    }
    if (dt == GRU_DTYPE_INVALID)
        return gru__error(GRU_ERR_UNSUPPORTED, "%s: unsupported 'descr' '%s'; %s", what, d, accepted);
    if (order == '|' && size != 1)
        return gru__error(GRU_ERR_FORMAT, "%s: bad 'descr' '%s': byte order '|' needs a 1-byte type",
                          what, d);
    m->dtype = dt;
    m->swap = size > 1 && ((order == '<' && !host_is_little()) ||
                           (order == '>' && host_is_little()));
    return GRU_OK;
}

/* Parse the header dict text h[0..n) into m, including numel and nbytes. */
static int parse_header(const char *what, const char *h, size_t n, npy_meta *m)
{
    hdr_parser ps = {h, h + n, what};
    bool have_descr = false, have_fortran = false, have_shape = false, fortran = false;
    char key[64], descr[64], ex[40];
    int rc;

    memset(m, 0, sizeof *m);
    if ((rc = expect_char(&ps, '{', "at the start of the header dict")) != GRU_OK)
        return rc;
    for (;;) {
        skip_ws(&ps);
        if (peek(&ps, '}')) {
            ps.p++;
            break;
        }
        if ((rc = parse_string(&ps, key, sizeof key, "as a header key")) != GRU_OK)
            return rc;
        if ((rc = expect_char(&ps, ':', "after a header key")) != GRU_OK)
            return rc;
        skip_ws(&ps);
        bool *seen;
        if (strcmp(key, "descr") == 0) {
            seen = &have_descr;
            if (peek(&ps, '['))
                return gru__error(GRU_ERR_UNSUPPORTED, "%s: structured dtypes (a list 'descr') are not supported",
                                  what);
            if ((rc = parse_string(&ps, descr, sizeof descr, "for 'descr'")) != GRU_OK)
                return rc;
        } else if (strcmp(key, "fortran_order") == 0) {
            seen = &have_fortran;
            if ((rc = parse_bool(&ps, &fortran)) != GRU_OK)
                return rc;
        } else if (strcmp(key, "shape") == 0) {
            seen = &have_shape;
            if ((rc = parse_shape(&ps, m)) != GRU_OK)
                return rc;
        } else {
            return gru__error(GRU_ERR_FORMAT, "%s: malformed header: unknown key '%s' (expected 'descr', "
                              "'fortran_order', 'shape')", what, key);
        }
        if (*seen)
            return gru__error(GRU_ERR_FORMAT, "%s: malformed header: key '%s' appears twice", what, key);
        *seen = true;
        skip_ws(&ps);
        if (peek(&ps, ',')) {
            ps.p++;
            continue;
        }
        if (peek(&ps, '}')) {
            ps.p++;
            break;
        }
        return gru__error(GRU_ERR_FORMAT, "%s: malformed header: expected ',' or '}' in the header dict, found %s",
                          what, excerpt(&ps, ex, sizeof ex));
    }
    /* NumPy pads with spaces and ends with '\n'; anything else after the dict is bad. */
    while (ps.p < ps.end && (*ps.p == ' ' || *ps.p == '\t' || *ps.p == '\n' || *ps.p == '\r' ||
                             *ps.p == '\0'))
        ps.p++;
    if (ps.p < ps.end)
        return gru__error(GRU_ERR_FORMAT, "%s: malformed header: unexpected text %s after the header dict",
                          what, excerpt(&ps, ex, sizeof ex));
    if (!have_descr || !have_fortran || !have_shape)
        return gru__error(GRU_ERR_FORMAT, "%s: malformed header: missing key '%s'", what,
                          !have_descr ? "descr" : !have_fortran ? "fortran_order" : "shape");
    if ((rc = parse_descr(what, descr, m)) != GRU_OK)
        return rc;
    if (fortran)
        return gru__error(GRU_ERR_UNSUPPORTED, "%s: fortran_order True (column-major) arrays are not supported; "
                          "save a C-order array (np.ascontiguousarray)", what);
    size_t numel = 1;
    for (int i = 0; i < m->ndim; i++) {
        if ((uint64_t)m->shape[i] > SIZE_MAX || !gru__mul_size(numel, (size_t)m->shape[i], &numel)) {
            char sb[64];
            return gru__error(GRU_ERR_FORMAT, "%s: shape %s is too large (element count overflows)",
                              what, gru__shape_str(sb, sizeof sb, m->ndim, m->shape));
        }
    }
    if (!gru__mul_size(numel, gru_dtype_size(m->dtype), &m->nbytes)) {
        char sb[64];
        return gru__error(GRU_ERR_FORMAT, "%s: shape %s is too large (byte count overflows)", what,
                          gru__shape_str(sb, sizeof sb, m->ndim, m->shape));
    }
    m->numel = numel;
    return GRU_OK;
}

/* Magic, version and header length from the first bytes b[0..avail). On success
 * *data_off... *hdr_off is where the header text starts, *hdr_len its length. */
static int parse_preamble(const char *what, const uint8_t *b, size_t avail, size_t *hdr_off,
                          size_t *hdr_len)
{
    if (avail < NPY_MAGIC_LEN || memcmp(b, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
        if (avail < NPY_MAGIC_LEN && memcmp(b, NPY_MAGIC, avail) == 0)
            return gru__error(GRU_ERR_FORMAT, "%s: truncated: %zu bytes, a .npy file has at least 10",
                              what, avail);
        return gru__error(GRU_ERR_FORMAT, "%s: not a .npy file (bad magic; expected \\x93NUMPY)", what);
    }
    if (avail < 8)
        return gru__error(GRU_ERR_FORMAT, "%s: truncated: %zu bytes, a .npy file has at least 10",
                          what, avail);
    unsigned major = b[6], minor = b[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        return gru__error(GRU_ERR_UNSUPPORTED, "%s: .npy format version %u.%u is not supported "
                          "(expected 1.0, 2.0 or 3.0)", what, major, minor);
    size_t off = major == 1 ? 10 : 12;
    if (avail < off)
        return gru__error(GRU_ERR_FORMAT, "%s: truncated: %zu bytes, a version %u.0 .npy file has at least %zu",
                          what, avail, major, off);
    size_t len = major == 1 ? (size_t)b[8] | (size_t)b[9] << 8
                            : (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 |
                                  (size_t)b[11] << 24;
    if (len > GRU_NPY_MAX_HEADER)
        return gru__error(GRU_ERR_FORMAT, "%s: header length %zu is larger than the %u bytes accepted",
                          what, len, (unsigned)GRU_NPY_MAX_HEADER);
    *hdr_off = off;
    *hdr_len = len;
    return GRU_OK;
}

static void byteswap(void *data, size_t numel, size_t esize)
{
    uint8_t *p = data;
    for (size_t i = 0; i < numel; i++, p += esize)
        for (size_t a = 0, z = esize - 1; a < z; a++, z--) {
            uint8_t t = p[a];
            p[a] = p[z];
            p[z] = t;
        }
}

static int alloc_out(const char *what, const npy_meta *m, gru_npy_array *out)
{
    out->data = gru__alloc(m->nbytes ? m->nbytes : 1);
    if (!out->data)
        return gru__error(GRU_ERR_NOMEM, "%s: out of memory for %zu bytes of data", what, m->nbytes);
    out->dtype = m->dtype;
    out->ndim = m->ndim;
    memcpy(out->shape, m->shape, sizeof m->shape);
    out->numel = m->numel;
    out->nbytes = m->nbytes;
    return GRU_OK;
}

static int size_mismatch(const char *what, const npy_meta *m, size_t have, bool is_file)
{
    char sb[128];
    gru__shape_str(sb, sizeof sb, m->ndim, m->shape);
    if (have < m->nbytes)
        return gru__error(GRU_ERR_FORMAT, "%s: truncated: shape %s of %s needs %zu bytes of data, the %s has %zu",
                          what, sb, gru_dtype_name(m->dtype), m->nbytes, is_file ? "file" : "buffer", have);
    return gru__error(GRU_ERR_FORMAT, "%s: %zu bytes of trailing data after the array (shape %s of %s, %zu bytes)",
                      what, have - m->nbytes, sb, gru_dtype_name(m->dtype), m->nbytes);
}

/* Parse a whole image in memory. consumed NULL: trailing bytes are an error. */
static int read_mem(const char *what, const uint8_t *b, size_t len, gru_npy_array *out,
                    size_t *consumed)
{
    size_t off = 0, hlen = 0;
    npy_meta m;
    int rc;
    if ((rc = parse_preamble(what, b, len, &off, &hlen)) != GRU_OK)
        return rc;
    if (hlen > len - off)
        return gru__error(GRU_ERR_FORMAT, "%s: truncated: header length %zu runs past the end (%zu bytes after the preamble)",
                          what, hlen, len - off);
    if ((rc = parse_header(what, (const char *)b + off, hlen, &m)) != GRU_OK)
        return rc;
    size_t have = len - off - hlen;
    if (have < m.nbytes || (!consumed && have > m.nbytes))
        return size_mismatch(what, &m, have, false);
    if ((rc = alloc_out(what, &m, out)) != GRU_OK)
        return rc;
    if (m.nbytes)
        memcpy(out->data, b + off + hlen, m.nbytes);
    if (m.swap)
        byteswap(out->data, m.numel, gru_dtype_size(m.dtype));
    if (consumed)
        *consumed = off + hlen + m.nbytes;
    return GRU_OK;
}

int gru_npy_read_mem(const void *buf, size_t len, gru_npy_array *out)
{
    if (!out)
        return gru__error(GRU_ERR_NULL, "gru_npy_read_mem: out is NULL");
    memset(out, 0, sizeof *out);
    if (!buf && len)
        return gru__error(GRU_ERR_NULL, "gru_npy_read_mem: buf is NULL");
    int rc = read_mem(NPY_MEM_WHAT, buf ? buf : "", len, out, NULL);
    if (rc != GRU_OK)
        gru_npy_free(out);
    return rc;
}

int gru_npy_read_mem_prefix(const void *buf, size_t len, gru_npy_array *out, size_t *consumed)
{
    if (!out)
        return gru__error(GRU_ERR_NULL, "gru_npy_read_mem_prefix: out is NULL");
    memset(out, 0, sizeof *out);
    if (!consumed)
        return gru__error(GRU_ERR_NULL, "gru_npy_read_mem_prefix: consumed is NULL");
    if (!buf && len)
        return gru__error(GRU_ERR_NULL, "gru_npy_read_mem_prefix: buf is NULL");
    int rc = read_mem(NPY_MEM_WHAT, buf ? buf : "", len, out, consumed);
    if (rc != GRU_OK)
        gru_npy_free(out);
    return rc;
}

/* Read exactly n bytes; false on a short read. */
static bool read_exact(FILE *f, void *dst, size_t n) { return fread(dst, 1, n, f) == n; }

/* A stream of unknown size (pipe, character device): read it all, then parse. The
 * buffer grows with the bytes actually received, never with what a header claims. */
static int read_stream(const char *path, FILE *f, gru_npy_array *out)
{
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return gru__error(GRU_ERR_NOMEM, "%s: out of memory", path);
    for (;;) {
        if (len == cap) {
            size_t ncap;
            uint8_t *nb;
            if (!gru__mul_size(cap, 2, &ncap) || !(nb = realloc(buf, ncap))) {
                free(buf);
                return gru__error(GRU_ERR_NOMEM, "%s: out of memory after %zu bytes", path, len);
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int rc;
    if (ferror(f))
        rc = gru__error(GRU_ERR_IO, "%s: read error", path);
    else
        rc = read_mem(path, buf, len, out, NULL);
    free(buf);
    return rc;
}

static int read_file(const char *path, FILE *f, gru_npy_array *out)
{
    struct stat st;
    int rc;
    if (fstat(fileno(f), &st) != 0)
        return gru__error(GRU_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return gru__error(GRU_ERR_IO, "%s: is a directory, not a .npy file", path);
    if (!S_ISREG(st.st_mode))
        return read_stream(path, f, out);
    if (st.st_size < 0)
        return gru__error(GRU_ERR_IO, "%s: cannot determine the file size", path);
    uint64_t fsize = (uint64_t)st.st_size;

    uint8_t pre[12];
    size_t npre = fsize < sizeof pre ? (size_t)fsize : sizeof pre;
    if (!read_exact(f, pre, npre))
        return gru__error(GRU_ERR_IO, "%s: read error in the preamble", path);
    size_t off = 0, hlen = 0;
    if ((rc = parse_preamble(path, pre, npre, &off, &hlen)) != GRU_OK)
        return rc;
    if ((uint64_t)off + hlen > fsize)
        return gru__error(GRU_ERR_FORMAT, "%s: truncated: header length %zu runs past the end of the file (%llu bytes)",
                          path, hlen, (unsigned long long)fsize);
    /* The header text: bytes already read past the preamble, plus the rest. */
    char *hdr = malloc(hlen ? hlen : 1);
    if (!hdr)
        return gru__error(GRU_ERR_NOMEM, "%s: out of memory for the header", path);
    size_t have_hdr = npre > off ? npre - off : 0;
    if (have_hdr > hlen)
        have_hdr = hlen;
    memcpy(hdr, pre + off, have_hdr);
    if (npre > off + hlen) {
        /* The data began inside the preamble bytes: seek back to it. */
        if (fseek(f, (long)(off + hlen), SEEK_SET) != 0) {
            free(hdr);
            return gru__error(GRU_ERR_IO, "%s: seek error", path);
        }
    } else if (!read_exact(f, hdr + have_hdr, hlen - have_hdr)) {
        free(hdr);
        return gru__error(GRU_ERR_IO, "%s: read error in the header", path);
    }
    npy_meta m;
    rc = parse_header(path, hdr, hlen, &m);
    free(hdr);
    if (rc != GRU_OK)
        return rc;
    uint64_t have = fsize - off - hlen;
    if (have != (uint64_t)m.nbytes)
        return size_mismatch(path, &m, have > SIZE_MAX ? SIZE_MAX : (size_t)have, true);
    if ((rc = alloc_out(path, &m, out)) != GRU_OK)
        return rc;
    if (m.nbytes && !read_exact(f, out->data, m.nbytes))
        return gru__error(GRU_ERR_IO, "%s: read error in the data (file changed while reading?)", path);
    if (m.swap)
        byteswap(out->data, m.numel, gru_dtype_size(m.dtype));
    return GRU_OK;
}

int gru_npy_read_file(const char *path, gru_npy_array *out)
{
    if (!out)
        return gru__error(GRU_ERR_NULL, "gru_npy_read_file: out is NULL");
    memset(out, 0, sizeof *out);
    if (!path)
        return gru__error(GRU_ERR_NULL, "gru_npy_read_file: path is NULL");
    FILE *f = fopen(path, "rb");
    if (!f)
        return gru__error(GRU_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    int rc = read_file(path, f, out);
    fclose(f);
    if (rc != GRU_OK)
        gru_npy_free(out);
    return rc;
}

void gru_npy_free(gru_npy_array *arr)
{
    if (!arr)
        return;
    gru__free(arr->data);
    memset(arr, 0, sizeof *arr);
}

int gru_npy_as_tensor(const gru_npy_array *arr, gru_tensor *t)
{
    if (!arr || !t)
        return gru__error(GRU_ERR_NULL, "gru_npy_as_tensor: %s is NULL", !arr ? "arr" : "t");
    if (arr->ndim > GRU_MAX_DIMS) {
        char sb[128];
        return gru__error(GRU_ERR_SHAPE, "array of shape %s has %d dimensions; at most %d are supported",
                          gru__shape_str(sb, sizeof sb, arr->ndim, arr->shape), arr->ndim, GRU_MAX_DIMS);
    }
    memset(t, 0, sizeof *t);
    t->dtype = arr->dtype;
    t->ndim = arr->ndim;
    for (int i = 0; i < arr->ndim; i++)
        t->shape[i] = arr->shape[i];
    t->data = arr->data;
    return GRU_OK;
}

/* ---- writing ------------------------------------------------------------------ */

static const char *descr_of(gru_dtype dt)
{
    bool le = host_is_little();
    switch (dt) {
    case GRU_FLOAT16: return le ? "<f2" : ">f2";
    case GRU_FLOAT32: return le ? "<f4" : ">f4";
    case GRU_FLOAT64: return le ? "<f8" : ">f8";
    case GRU_BOOL: return "|b1";
    case GRU_INT8: return "|i1";
    case GRU_UINT8: return "|u1";
    case GRU_INT16: return le ? "<i2" : ">i2";
    case GRU_UINT16: return le ? "<u2" : ">u2";
    case GRU_INT32: return le ? "<i4" : ">i4";
    case GRU_UINT32: return le ? "<u4" : ">u4";
    case GRU_INT64: return le ? "<i8" : ">i8";
    case GRU_UINT64: return le ? "<u8" : ">u8";
    default: return NULL;
    }
}

static bool write_all(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n > 0) {
        size_t chunk = n > (1u << 30) ? (1u << 30) : n;
        ssize_t w = write(fd, p, chunk);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        if (w == 0) {
            errno = EIO;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Open a new temporary file next to path; its name goes to tmp (cap bytes). */
static int open_temp(const char *path, char *tmp, size_t cap, int *fd_out)
{
    static atomic_uint counter;
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned n = atomic_fetch_add(&counter, 1u);
        int k = snprintf(tmp, cap, "%.*s.gru-npy-%ld-%u-%lx.tmp", (int)dirlen, path,
                         (long)getpid(), n, (unsigned long)time(NULL) & 0xffffful);
        if (k < 0 || (size_t)k >= cap)
            return gru__error(GRU_ERR_IO, "%s: cannot write: path too long", path);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd >= 0) {
            *fd_out = fd;
            return GRU_OK;
        }
        if (errno != EEXIST)
            return gru__error(GRU_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    }
    return gru__error(GRU_ERR_IO, "%s: cannot create a temporary file next to it", path);
}

int gru_npy_write_file(const char *path, gru_dtype dtype, int ndim, const int64_t *shape,
                       const void *data)
{
    if (!path)
        return gru__error(GRU_ERR_NULL, "gru_npy_write_file: path is NULL");
    const char *descr = descr_of(dtype);
    if (!descr)
        return gru__error(GRU_ERR_ARG, "%s: cannot write dtype %d (expected a gru_dtype such as float32)",
                          path, (int)dtype);
    if (ndim < 0 || ndim > GRU_NPY_MAX_DIMS)
        return gru__error(GRU_ERR_ARG, "%s: ndim %d out of range 0..%d", path, ndim, GRU_NPY_MAX_DIMS);
    if (ndim > 0 && !shape)
        return gru__error(GRU_ERR_NULL, "%s: shape is NULL", path);
    size_t numel = 1, nbytes;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return gru__error(GRU_ERR_ARG, "%s: shape entry %d is negative (%lld)", path, i,
                              (long long)shape[i]);
        if ((uint64_t)shape[i] > SIZE_MAX || !gru__mul_size(numel, (size_t)shape[i], &numel))
            return gru__error(GRU_ERR_ARG, "%s: shape is too large (element count overflows)", path);
    }
    if (!gru__mul_size(numel, gru_dtype_size(dtype), &nbytes))
        return gru__error(GRU_ERR_ARG, "%s: shape is too large (byte count overflows)", path);
    if (nbytes && !data)
        return gru__error(GRU_ERR_NULL, "%s: data is NULL", path);

    /* Header dict, then pad with spaces + '\n' so the data starts at a multiple of 64. */
    char hdr[64 + 24 * GRU_NPY_MAX_DIMS + 128];
    size_t h = (size_t)snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                                descr);
    for (int i = 0; i < ndim; i++)
        h += (size_t)snprintf(hdr + h, sizeof hdr - h, "%s%lld", i ? ", " : "",
                              (long long)shape[i]);
    h += (size_t)snprintf(hdr + h, sizeof hdr - h, "%s), }", ndim == 1 ? "," : "");
    size_t pre = 10;
    uint8_t major = 1;
    if (pre + h + 1 > 65535) { /* cannot happen with GRU_NPY_MAX_DIMS <= 32; kept for 2.0 */
        pre = 12;
        major = 2;
    }
    size_t total = (pre + h + 1 + 63) / 64 * 64;
    size_t hlen = total - pre;                 /* header text incl. padding and '\n' */
    uint8_t head[12 + sizeof hdr + 64];
    memcpy(head, NPY_MAGIC, NPY_MAGIC_LEN);
    head[6] = major;
    head[7] = 0;
    head[8] = (uint8_t)(hlen & 0xff);
    head[9] = (uint8_t)((hlen >> 8) & 0xff);
    if (major == 2) {
        head[10] = (uint8_t)((hlen >> 16) & 0xff);
        head[11] = (uint8_t)((hlen >> 24) & 0xff);
    }
    memcpy(head + pre, hdr, h);
    memset(head + pre + h, ' ', hlen - h - 1);
    head[total - 1] = '\n';

    char tmp[4096];
    int fd = -1, rc;
    if ((rc = open_temp(path, tmp, sizeof tmp, &fd)) != GRU_OK)
        return rc;
    int err = 0;
    if (!write_all(fd, head, total) || (nbytes && !write_all(fd, data, nbytes)) || fsync(fd) != 0)
        err = errno ? errno : EIO;
    if (close(fd) != 0 && !err)
        err = errno ? errno : EIO;
    if (err) {
        unlink(tmp);
        return gru__error(GRU_ERR_IO, "%s: cannot write: %s", path, strerror(err));
    }
    if (rename(tmp, path) != 0) {
        err = errno;
        unlink(tmp);
        return gru__error(GRU_ERR_IO, "%s: cannot write: %s", path, strerror(err));
    }
    return GRU_OK;
}

int gru_npy_write_tensor(const char *path, const gru_tensor *t)
{
    if (!t)
        return gru__error(GRU_ERR_NULL, "gru_npy_write_tensor: t is NULL");
    return gru_npy_write_file(path, t->dtype, t->ndim, t->shape, t->data);
}
