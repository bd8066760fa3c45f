/* safetensors files (PyPI `safetensors`, Hugging Face), read and written here.
 *
 * The format, byte by byte
 * ------------------------
 *   offset  size  content
 *   0       8     N: the header's length in bytes, unsigned 64-bit little-endian
 *   8       N     the header: a JSON object (UTF-8), may be padded at its end with spaces:
 *                   { "<tensor name>": {"dtype": "F32", "shape": [3, 4],
 *                                       "data_offsets": [BEGIN, END]},
 *                     ...,
 *                     "__metadata__": {"<key>": "<string>", ...} }        (optional)
 *                 dtype one of F64 F32 F16 BF16 (floats read here; others are skipped),
 *                 shape a list of dimensions (row-major), [] a scalar.
 *   8+N     ...   the data section: tensor bytes, little-endian, C order; a tensor's
 *                 bytes are [8 + N + BEGIN, 8 + N + END) of the file, END - BEGIN =
 *                 prod(shape) * itemsize, tensors do not overlap.
 *
 * Reading checks N against the file size, every shape against its byte range, and the
 * range against the data section before anything is allocated; N is limited to 100 MB
 * (the reference implementation's limit). The JSON header is parsed with cJSON
 * (GRU_HAVE_CJSON; else GRU_ERR_UNSUPPORTED).
 *
 * Writing (gru_save_safetensors): tensors in the order given, F32 or F64, header padded
 * with spaces to a multiple of 8 bytes, "__metadata__": {"format": "pt"} for PyTorch
 * layout and {"format": "keras"} for Keras layout, atomic replacement of the file.
 *
 * GRU layers are recognized by their keys: PyTorch nn.GRU state dicts
 * "[prefix]weight_ih_l<k>[_reverse]", weight_hh_, bias_ih_, bias_hh_ (layer name
 * "[prefix]l<k>[_reverse]"), and Keras layout "<name>/kernel", "<name>/recurrent_kernel",
 * "<name>/bias" (layer name "<name>"). */
#include "io_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ST_MAX_HEADER ((uint64_t)100 << 20)

static bool little_endian(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

/* ---- writer (no dependency) ------------------------------------------------------------ */

typedef struct st_out {
    char *hdr;
    size_t hlen, hcap;
} st_out;

static int hdr_add(st_out *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static int hdr_add(st_out *o, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(o->hdr ? o->hdr + o->hlen : NULL, o->hdr ? o->hcap - o->hlen : 0, fmt, ap);
        va_end(ap);
        if (k < 0)
            return gru__error(GRU_ERR_ARG, "cannot format the safetensors header");
        if (o->hdr && o->hlen + (size_t)k < o->hcap) {
            o->hlen += (size_t)k;
            return GRU_OK;
        }
        size_t cap = (o->hcap ? o->hcap * 2 : 1024) + (size_t)k;
        char *p = realloc(o->hdr, cap);
        if (!p)
            return gru__error(GRU_ERR_NOMEM, "out of memory");
        o->hdr = p;
        o->hcap = cap;
    }
}

typedef struct st_tensor {
    char name[GRU_IO_NAME_MAX + 32];
    int ndim;
    int64_t shape[2];
    const void *data;
    size_t bytes;
} st_tensor;

/* Points x (its name aside) at the data of src. */
static void st_set(st_tensor *x, const gru_tensor *src)
{
    x->ndim = src->ndim;
    x->shape[0] = src->shape[0];
    x->shape[1] = src->shape[1];
    x->data = src->data;
    x->bytes = (size_t)gru_tensor_numel(src) * gru_dtype_size(src->dtype);
}

static bool plain_name(const char *s)
{
    for (; *s; s++)
        if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
            return false;
    return true;
}

int gru_save_safetensors(const char *path, int n, const gru_layer *const *layers,
                         const char *const *names, gru_tensor_layout layout)
{
    int rc = gru__save_args(path, n, layers);
    if (rc < 0)
        return rc;
    if (layout != GRU_LAYOUT_KERAS && layout != GRU_LAYOUT_PYTORCH)
        return gru__error(GRU_ERR_ARG, "layout: expected GRU_LAYOUT_KERAS or GRU_LAYOUT_PYTORCH");
    if (!little_endian())
        return gru__error(GRU_ERR_UNSUPPORTED, "safetensors writing needs a little-endian host");
    st_tensor *t = calloc((size_t)n * 4, sizeof *t);
    void **owned = calloc((size_t)n * 4, sizeof *owned);
    st_out o = {0};
    unsigned char *file = NULL;
    int nt = 0;
    if (!t || !owned) {
        rc = gru__error(GRU_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        const gru_layer *L = layers[i];
        if (!L) {
            rc = gru__error(GRU_ERR_NULL, "layers[%d]: is NULL", i);
            goto out;
        }
        const gru_config *c = gru_layer_config(L);
        char defname[32];
        snprintf(defname, sizeof defname, layout == GRU_LAYOUT_PYTORCH ? "l%d" : "gru_%d", i);
        const char *nm = names && names[i] ? names[i] : defname;
        if (!*nm || !plain_name(nm) || strlen(nm) >= GRU_IO_NAME_MAX) {
            rc = gru__error(GRU_ERR_ARG, "names[%d]: \"%s\" is not a usable tensor name", i, nm);
            goto out;
        }
        gru_tensor w[3]; /* kernel (I, 3H), recurrent_kernel (H, 3H), bias (3H) or (2, 3H) */
        rc = gru__layer_weights(L, w);
        if (rc < 0)
            goto out;
        for (int j = 0; j < 3; j++)
            owned[4 * i + j] = w[j].data;
        if (layout == GRU_LAYOUT_KERAS) {
            const char *sfx[3] = {"kernel", "recurrent_kernel", "bias"};
            for (int j = 0; j < (c->use_bias ? 3 : 2); j++) {
                snprintf(t[nt].name, sizeof t[nt].name, "%s/%s", nm, sfx[j]);
                st_set(&t[nt++], &w[j]);
            }
        } else {
            if (!c->reset_after && c->use_bias) {
                rc = gru__error(GRU_ERR_ARG,
                                "layers[%d]: reset_after = FALSE has no PyTorch nn.GRU "
                                "equivalent (PyTorch computes reset_after = TRUE)", i);
                goto out;
            }
            if (c->activation != GRU_ACT_TANH || c->recurrent_activation != GRU_ACT_SIGMOID) {
                rc = gru__error(GRU_ERR_ARG,
                                "layers[%d]: PyTorch nn.GRU uses activation tanh and "
                                "recurrent_activation sigmoid; this layer has %s and %s", i,
                                gru_activation_name(c->activation),
                                gru_activation_name(c->recurrent_activation));
                goto out;
            }
            int64_t I = c->input_dim, H = c->units;
            gru_dtype dt = w[0].dtype;
            size_t es = gru_dtype_size(dt);
            char *pt = gru__alloc((size_t)(3 * H * (I + H + 2)) * es); /* (3H, I + H + 2) */
            owned[4 * i + 3] = pt;
            if (!pt) {
                rc = gru__error(GRU_ERR_NOMEM, "out of memory");
                goto out;
            }
            gru_tensor pw[4] = { /* weight_ih (3H, I), weight_hh (3H, H), bias_ih, bias_hh (3H) */
                gru_tensor_2d(dt, 3 * H, I, pt),
                gru_tensor_2d(dt, 3 * H, H, pt + (size_t)(3 * H * I) * es),
                gru_tensor_1d(dt, 3 * H, pt + (size_t)(3 * H * (I + H)) * es),
                gru_tensor_1d(dt, 3 * H, pt + (size_t)(3 * H * (I + H + 1)) * es)};
            rc = gru_keras_to_pytorch(&w[0], &w[1], c->use_bias ? &w[2] : NULL, &pw[0], &pw[1],
                                      c->use_bias ? &pw[2] : NULL, c->use_bias ? &pw[3] : NULL);
            if (rc < 0)
                goto out;
            /* "[prefix.]suffix" -> "[prefix.]weight_ih_suffix" */
            const char *dot = strrchr(nm, '.');
            int plen = dot ? (int)(dot - nm + 1) : 0;
            const char *what[4] = {"weight_ih_", "weight_hh_", "bias_ih_", "bias_hh_"};
            for (int j = 0; j < (c->use_bias ? 4 : 2); j++) {
                snprintf(t[nt].name, sizeof t[nt].name, "%.*s%s%s", plen, nm, what[j], nm + plen);
                st_set(&t[nt++], &pw[j]);
            }
        }
        for (int a = nt - (layout == GRU_LAYOUT_KERAS ? (c->use_bias ? 3 : 2) : (c->use_bias ? 4 : 2));
             a < nt; a++)
            for (int q = 0; q < a; q++)
                if (strcmp(t[a].name, t[q].name) == 0) {
                    rc = gru__error(GRU_ERR_ARG, "names: tensor \"%s\" would be written twice",
                                    t[a].name);
                    goto out;
                }
    }
    /* header */
    size_t off = 0;
    rc = hdr_add(&o, "{\"__metadata__\":{\"format\":\"%s\"}",
                 layout == GRU_LAYOUT_PYTORCH ? "pt" : "keras");
    for (int i = 0; i < nt && rc == GRU_OK; i++) {
        const gru_config *c = NULL;
        (void)c;
        size_t es = 0;
        /* dtype from bytes per element */
        int64_t numel = t[i].ndim == 2 ? t[i].shape[0] * t[i].shape[1] : t[i].shape[0];
        es = numel ? t[i].bytes / (size_t)numel : 4;
        if (t[i].ndim == 2)
            rc = hdr_add(&o, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%lld,%lld],\"data_offsets\":[%zu,%zu]}",
                         t[i].name, es == 8 ? "F64" : "F32", (long long)t[i].shape[0],
                         (long long)t[i].shape[1], off, off + t[i].bytes);
        else
            rc = hdr_add(&o, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%lld],\"data_offsets\":[%zu,%zu]}",
                         t[i].name, es == 8 ? "F64" : "F32", (long long)t[i].shape[0], off,
                         off + t[i].bytes);
        off += t[i].bytes;
    }
    if (rc == GRU_OK)
        rc = hdr_add(&o, "}");
    while (rc == GRU_OK && (o.hlen % 8) != 0)
        rc = hdr_add(&o, " ");
    if (rc < 0)
        goto out;
    size_t total = 8 + o.hlen + off;
    file = malloc(total);
    if (!file) {
        rc = gru__error(GRU_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int b = 0; b < 8; b++)
        file[b] = (unsigned char)(((uint64_t)o.hlen >> (8 * b)) & 0xff);
    memcpy(file + 8, o.hdr, o.hlen);
    size_t pos = 8 + o.hlen;
    for (int i = 0; i < nt; i++) {
        memcpy(file + pos, t[i].data, t[i].bytes);
        pos += t[i].bytes;
    }
    rc = gru__write_file_atomic(path, file, total);
out:
    if (owned)
        for (int i = 0; i < n * 4; i++)
            gru__free(owned[i]);
    free(owned);
    free(t);
    free(o.hdr);
    free(file);
    return rc;
}

/* ---- reader ------------------------------------------------------------------------------- */

#ifdef GRU_HAVE_CJSON
#include <cjson/cJSON.h>

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { /* subnormal */
            exp = 127 - 15 + 1;
            while (!(mant & 0x400)) {
                mant <<= 1;
                exp--;
            }
            mant &= 0x3ff;
            bits = sign | (exp << 23) | (mant << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp - 15 + 127) << 23) | (mant << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

typedef struct st_group {
    char prefix[GRU_IO_NAME_MAX];   /* "gru." or "" (PyTorch), or the Keras stem */
    char suffix[32];                /* "l0", "l1_reverse" (PyTorch); "" for Keras */
    int layer, reverse;             /* sort keys */
    bool keras;
    const cJSON *t[4];              /* PyTorch: w_ih, w_hh, b_ih, b_hh; Keras: k, rk, b */
    const char *names[4];
} st_group;

static int group_cmp(const void *a, const void *b)
{
    const st_group *x = a, *y = b;
    int c = strcmp(x->prefix, y->prefix);
    if (c)
        return c;
    if (x->layer != y->layer)
        return x->layer < y->layer ? -1 : 1;
    return x->reverse - y->reverse;
}

/* Read tensor t of the header into a (float32/float64). */
static int st_tensor_read(const cJSON *t, const char *name, const unsigned char *data,
                          uint64_t dlen, gru__array *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(t, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(t, "shape");
    const cJSON *of = cJSON_GetObjectItemCaseSensitive(t, "data_offsets");
    if (!cJSON_IsString(dt) || !cJSON_IsArray(sh) || !cJSON_IsArray(of) ||
        cJSON_GetArraySize(of) != 2)
        return gru__error(GRU_ERR_FORMAT, "%s: tensor \"%s\": expected dtype, shape and "
                          "data_offsets [begin, end]", gru__io_file, name);
    size_t es;
    int kind; /* 0 f32, 1 f64, 2 f16, 3 bf16 */
    if (strcmp(dt->valuestring, "F32") == 0) { es = 4; kind = 0; }
    else if (strcmp(dt->valuestring, "F64") == 0) { es = 8; kind = 1; }
    else if (strcmp(dt->valuestring, "F16") == 0) { es = 2; kind = 2; }
    else if (strcmp(dt->valuestring, "BF16") == 0) { es = 2; kind = 3; }
    else
        return gru__error(GRU_ERR_FORMAT, "%s: tensor \"%s\": dtype %s is not a float type "
                          "(expected F32, F64, F16 or BF16)", gru__io_file, name, dt->valuestring);
    int nd = cJSON_GetArraySize(sh);
    if (nd < 1 || nd > 2)
        return gru__error(GRU_ERR_FORMAT, "%s: tensor \"%s\": expected 1 or 2 dimensions, got %d",
                          gru__io_file, name, nd);
    uint64_t n = 1;
    for (int i = 0; i < nd; i++) {
        const cJSON *d = cJSON_GetArrayItem(sh, i);
        if (!cJSON_IsNumber(d) || d->valuedouble < 0 || d->valuedouble > 9.0e15 ||
            d->valuedouble != (double)(int64_t)d->valuedouble)
            return gru__error(GRU_ERR_FORMAT, "%s: tensor \"%s\": shape entries must be "
                              "integers >= 0", gru__io_file, name);
        a->shape[i] = (int64_t)d->valuedouble;
        if (a->shape[i] && n > UINT64_MAX / (uint64_t)a->shape[i])
            return gru__error(GRU_ERR_FORMAT, "%s: tensor \"%s\": shape overflows", gru__io_file,
                              name);
        n *= (uint64_t)a->shape[i];
    }
    const cJSON *b0 = cJSON_GetArrayItem(of, 0), *b1 = cJSON_GetArrayItem(of, 1);
    if (!cJSON_IsNumber(b0) || !cJSON_IsNumber(b1) || b0->valuedouble < 0 ||
        b1->valuedouble < b0->valuedouble || b1->valuedouble > (double)dlen)
        return gru__error(GRU_ERR_FORMAT, "%s: tensor \"%s\": data_offsets out of the data "
                          "section (%llu bytes)", gru__io_file, name, (unsigned long long)dlen);
    uint64_t beg = (uint64_t)b0->valuedouble, end = (uint64_t)b1->valuedouble;
    if (n > UINT64_MAX / es || end - beg != n * es)
        return gru__error(GRU_ERR_FORMAT, "%s: tensor \"%s\": data_offsets span %llu bytes but "
                          "the shape needs %llu", gru__io_file, name,
                          (unsigned long long)(end - beg), (unsigned long long)(n * es));
    gru_dtype out = kind == 1 ? GRU_FLOAT64 : GRU_FLOAT32;
    size_t oes = gru_dtype_size(out);
    a->data = gru__alloc(n ? (size_t)n * oes : oes);
    if (!a->data)
        return gru__error(GRU_ERR_NOMEM, "out of memory");
    const unsigned char *p = data + beg;
    for (uint64_t i = 0; i < n; i++) {
        const unsigned char *q = p + i * es;
        if (kind == 0 || kind == 1) {
            uint64_t bits = 0;
            for (size_t k = 0; k < es; k++)
                bits |= (uint64_t)q[k] << (8 * k);
            if (kind == 0) {
                uint32_t b32 = (uint32_t)bits;
                memcpy((float *)a->data + i, &b32, 4);
            } else {
                memcpy((double *)a->data + i, &bits, 8);
            }
        } else {
            uint16_t h = (uint16_t)(q[0] | (q[1] << 8));
            float f;
            if (kind == 2) {
                f = half_to_float(h);
            } else {
                uint32_t b32 = (uint32_t)h << 16;
                memcpy(&f, &b32, 4);
            }
            ((float *)a->data)[i] = f;
        }
    }
    a->ndim = nd;
    a->dtype = out;
    return GRU_OK;
}

/* Split a key into a PyTorch group: "[prefix]weight_ih_l<k>[_reverse]". */
static bool pytorch_key(const char *key, char *prefix, size_t pcap, char *suffix, int *which,
                        int *layer, int *reverse)
{
    static const char *const kinds[4] = {"weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"};
    for (int w = 0; w < 4; w++) {
        const char *p = strstr(key, kinds[w]);
        while (p) {
            const char *q = p + strlen(kinds[w]);
            char *endp;
            long l = strtol(q, &endp, 10);
            if (endp != q && l >= 0 && l < 100000 && (*endp == '\0' || strcmp(endp, "_reverse") == 0) &&
                (size_t)(p - key) < pcap) {
                memcpy(prefix, key, (size_t)(p - key));
                prefix[p - key] = '\0';
                *which = w;
                *layer = (int)l;
                *reverse = *endp != '\0';
                snprintf(suffix, 32, "l%ld%s", l, *reverse ? "_reverse" : "");
                return true;
            }
            p = strstr(p + 1, kinds[w]);
        }
    }
    return false;
}

static bool keras_key(const char *key, char *stem, size_t cap, int *which)
{
    static const char *const kinds[3] = {"/kernel", "/recurrent_kernel", "/bias"};
    size_t kl = strlen(key);
    for (int w = 0; w < 3; w++) {
        size_t sl = strlen(kinds[w]);
        if (kl > sl && strcmp(key + kl - sl, kinds[w]) == 0 && kl - sl < cap) {
            memcpy(stem, key, kl - sl);
            stem[kl - sl] = '\0';
            *which = w;
            return true;
        }
    }
    return false;
}

int gru__load_safetensors(const void *data, size_t size, gru_model *m)
{
    const unsigned char *p = data;
    m->format = GRU_FORMAT_SAFETENSORS;
    m->keras_major = 0;
    if (size < 8)
        return gru__error(GRU_ERR_FORMAT, "%s: truncated safetensors file (%zu bytes)", gru__io_file,
                          size);
    uint64_t hl = 0;
    for (int b = 0; b < 8; b++)
        hl |= (uint64_t)p[b] << (8 * b);
    if (hl > ST_MAX_HEADER || hl > size - 8)
        return gru__error(GRU_ERR_FORMAT, "%s: safetensors header length %llu does not fit the "
                          "file (%zu bytes)", gru__io_file, (unsigned long long)hl, size);
    cJSON *h = cJSON_ParseWithLength((const char *)p + 8, (size_t)hl);
    if (!cJSON_IsObject(h)) {
        cJSON_Delete(h);
        return gru__error(GRU_ERR_FORMAT, "%s: the safetensors header is not a JSON object",
                          gru__io_file);
    }
    const unsigned char *dsec = p + 8 + hl;
    uint64_t dlen = size - 8 - hl;
    int rc = GRU_OK, ng = 0, cap = 0;
    st_group *g = NULL;
    for (const cJSON *t = h->child; t; t = t->next) {
        if (!t->string || strcmp(t->string, "__metadata__") == 0)
            continue;
        char prefix[GRU_IO_NAME_MAX], suffix[32] = "";
        int which, layer = 0, reverse = 0;
        bool keras = false;
        if (!pytorch_key(t->string, prefix, sizeof prefix, suffix, &which, &layer, &reverse)) {
            if (!keras_key(t->string, prefix, sizeof prefix, &which))
                continue;
            keras = true;
        }
        int k;
        for (k = 0; k < ng; k++)
            if (g[k].keras == keras && strcmp(g[k].prefix, prefix) == 0 &&
                strcmp(g[k].suffix, suffix) == 0)
                break;
        if (k == ng) {
            if (ng == cap) {
                cap = cap ? 2 * cap : 8;
                if (cap > 100000) {
                    rc = gru__error(GRU_ERR_FORMAT, "%s: too many tensors", gru__io_file);
                    goto out;
                }
                st_group *q = realloc(g, (size_t)cap * sizeof *q);
                if (!q) {
                    rc = gru__error(GRU_ERR_NOMEM, "out of memory");
                    goto out;
                }
                g = q;
            }
            memset(&g[ng], 0, sizeof g[ng]);
            snprintf(g[ng].prefix, sizeof g[ng].prefix, "%s", prefix);
            snprintf(g[ng].suffix, sizeof g[ng].suffix, "%s", suffix);
            g[ng].layer = layer;
            g[ng].reverse = reverse;
            g[ng].keras = keras;
            ng++;
        }
        if (g[k].t[which]) {
            rc = gru__error(GRU_ERR_FORMAT, "%s: tensor \"%s\" appears twice", gru__io_file, t->string);
            goto out;
        }
        g[k].t[which] = t;
        g[k].names[which] = t->string;
    }
    if (ng > 1)
        qsort(g, (size_t)ng, sizeof *g, group_cmp);
    for (int k = 0; k < ng && rc == GRU_OK; k++) {
        gru__array a[4];
        memset(a, 0, sizeof a);
        int na = 0, added = 0;
        char lname[GRU_IO_NAME_MAX];
        if (g[k].keras)
            snprintf(lname, sizeof lname, "%s", g[k].prefix);
        else
            snprintf(lname, sizeof lname, "%.200s%s", g[k].prefix, g[k].suffix);
        int need = g[k].keras ? 2 : 2, have = g[k].keras ? 3 : 4;
        for (int w = 0; w < need; w++)
            if (!g[k].t[w]) {
                rc = gru__error(GRU_ERR_FORMAT, "%s: layer \"%s\": tensor %s is missing", gru__io_file,
                                lname, g[k].keras ? (w ? "recurrent_kernel" : "kernel")
                                                  : (w ? "weight_hh" : "weight_ih"));
                break;
            }
        if (rc == GRU_OK && !g[k].keras && (!g[k].t[2]) != (!g[k].t[3]))
            rc = gru__error(GRU_ERR_FORMAT, "%s: layer \"%s\": bias_ih and bias_hh must both be "
                            "present or both absent", gru__io_file, lname);
        for (int w = 0; w < have && rc == GRU_OK; w++) {
            if (!g[k].t[w])
                continue;
            rc = st_tensor_read(g[k].t[w], g[k].names[w], dsec, dlen, &a[na]);
            na++;
        }
        if (rc == GRU_OK && !g[k].keras) {
            /* PyTorch -> Keras layout through the public conversion (which checks shapes) */
            gru_dtype dt = a[0].dtype;
            for (int w = 1; w < na; w++)
                if (a[w].dtype != dt)
                    rc = gru__error(GRU_ERR_FORMAT, "%s: layer \"%s\": tensors of mixed dtypes",
                                    gru__io_file, lname);
            gru_tensor ti = {dt, a[0].ndim, {a[0].shape[0], a[0].shape[1]}, a[0].data};
            gru_tensor th = {dt, a[1].ndim, {a[1].shape[0], a[1].shape[1]}, a[1].data};
            gru_tensor tbi = {dt, a[2].ndim, {a[2].shape[0], a[2].shape[1]}, a[2].data};
            gru_tensor tbh = {dt, a[3].ndim, {a[3].shape[0], a[3].shape[1]}, a[3].data};
            int64_t H = a[1].ndim == 2 ? a[1].shape[1] : 0, I = a[0].ndim == 2 ? a[0].shape[1] : 0;
            gru__array k3[3];
            memset(k3, 0, sizeof k3);
            /* shapes first, so that sizes come from arrays that are really present */
            if (rc == GRU_OK && (a[0].ndim != 2 || a[1].ndim != 2 || H < 1 || I < 1 ||
                                 a[1].shape[0] != 3 * H || a[0].shape[0] != 3 * H)) {
                char s0[64], s1[64];
                gru__shape_str(s0, sizeof s0, a[0].ndim, a[0].shape);
                gru__shape_str(s1, sizeof s1, a[1].ndim, a[1].shape);
                rc = gru__error(GRU_ERR_FORMAT, "%s: layer \"%s\": expected weight_ih (3H, I) and "
                                "weight_hh (3H, H), got %s and %s", gru__io_file, lname, s0, s1);
            }
            if (rc == GRU_OK) {
                size_t es = gru_dtype_size(dt);
                k3[0] = (gru__array){"", 2, {I, 3 * H}, dt, gru__alloc((size_t)(I * 3 * H + 1) * es)};
                k3[1] = (gru__array){"", 2, {H, 3 * H}, dt, gru__alloc((size_t)(H * 3 * H + 1) * es)};
                k3[2] = (gru__array){"", 2, {2, 3 * H}, dt, na == 4 ? gru__alloc((size_t)(6 * H + 1) * es) : NULL};
                if (!k3[0].data || !k3[1].data || (na == 4 && !k3[2].data))
                    rc = gru__error(GRU_ERR_NOMEM, "out of memory");
            }
            if (rc == GRU_OK) {
                gru_tensor tk = {dt, 2, {I, 3 * H}, k3[0].data}, tr = {dt, 2, {H, 3 * H}, k3[1].data};
                gru_tensor tb = {dt, 2, {2, 3 * H}, k3[2].data};
                rc = gru_pytorch_to_keras(&ti, &th, na == 4 ? &tbi : NULL, na == 4 ? &tbh : NULL,
                                          &tk, &tr, na == 4 ? &tb : NULL);
                if (rc < 0)
                    rc = gru__error(rc, "%s: layer \"%s\": %s", gru__io_file, lname,
                                    gru_errmsg());
            }
            for (int w = 0; w < 3; w++)
                snprintf(k3[w].name, sizeof k3[w].name, "%s", g[k].names[w == 2 ? 2 : w] ? g[k].names[w == 2 ? 2 : w] : "");
            if (rc == GRU_OK)
                rc = gru__model_add_sets(m, k3, na == 4 ? 3 : 2, lname, "torch.nn.GRU", lname, NULL,
                                         0, &added);
            gru__arrays_free(k3, 3);
            if (rc == GRU_OK && added == 1) {
                gru_model_layer *L = &m->layers[m->n - 1];
                L->num_weights = na;
                for (int w = 0; w < na; w++)
                    snprintf(L->weight_names[w], sizeof L->weight_names[w], "%s", g[k].names[w]);
                snprintf(L->conversion, sizeof L->conversion,
                         "PyTorch r,z,n rows -> Keras z,r,h columns");
            }
        } else if (rc == GRU_OK) {
            rc = gru__model_add_sets(m, a, na, lname, "", lname, NULL, 0, &added);
            if (rc == GRU_OK && added != 1)
                rc = gru__error(GRU_ERR_FORMAT,
                                "%s: layer \"%s\": kernel, recurrent_kernel and bias do not have "
                                "GRU shapes (I, 3H), (H, 3H), (3H) or (2, 3H)", gru__io_file, lname);
        }
        gru__arrays_free(a, na);
    }
out:
    free(g);
    cJSON_Delete(h);
    return rc;
}

#else

int gru__load_safetensors(const void *data, size_t size, gru_model *m)
{
    m->format = GRU_FORMAT_SAFETENSORS;
    return gru__error(GRU_ERR_UNSUPPORTED,
                      "%s: reading safetensors needs cJSON for its JSON header (build option "
                      "GRU_WITH_CJSON)", gru__io_file);
}

#endif
