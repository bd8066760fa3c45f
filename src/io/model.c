/* gru_model: the GRU layers found in a model file, whatever its format. Format detection,
 * the search for GRU weight sets among a layer's arrays (Keras 2 three arrays, Keras 1
 * nine arrays, CuDNNGRU), configuration inference, and gru_layer creation. */
#include "io_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Thread_local const char *gru__io_file = "";

const char *gru_file_format_name(gru_file_format format)
{
    switch (format) {
    case GRU_FORMAT_KERAS_H5: return "keras-h5";
    case GRU_FORMAT_KERAS_WEIGHTS_H5: return "keras-weights-h5";
    case GRU_FORMAT_KERAS3: return "keras3";
    case GRU_FORMAT_KERAS3_WEIGHTS_H5: return "keras3-weights-h5";
    case GRU_FORMAT_SAFETENSORS: return "safetensors";
    default: return "unknown";
    }
}

void gru__arrays_free(gru__array *a, int n)
{
    if (!a)
        return;
    for (int i = 0; i < n; i++) {
        gru__free(a[i].data);
        a[i].data = NULL;
    }
}

int gru__model_new(gru_model **out)
{
    gru_model *m = gru__alloc(sizeof *m);
    if (!m)
        return gru__error(GRU_ERR_NOMEM, "out of memory");
    *out = m;
    return GRU_OK;
}

void gru__model_set_version(gru_model *m, const char *version, int default_major)
{
    m->keras_major = default_major;
    if (!version || !*version)
        return;
    snprintf(m->keras_version, sizeof m->keras_version, "%s", version);
    if (version[0] >= '1' && version[0] <= '9' && (version[1] == '.' || version[1] == '\0'))
        m->keras_major = version[0] - '0';
}

void gru_model_destroy(gru_model *model)
{
    if (!model)
        return;
    for (int i = 0; i < model->n; i++) {
        gru__free(model->layers[i].kernel);
        gru__free(model->layers[i].recurrent_kernel);
        gru__free(model->layers[i].bias);
    }
    free(model->layers);
    gru__free(model);
}

gru_file_format gru_model_format(const gru_model *model)
{
    return model ? model->format : GRU_FORMAT_UNKNOWN;
}

const char *gru_model_keras_version(const gru_model *model)
{
    return model ? model->keras_version : "";
}

int gru_model_keras_major(const gru_model *model) { return model ? model->keras_major : 0; }

int gru_model_num_layers(const gru_model *model) { return model ? model->n : 0; }

const gru_model_layer *gru_model_layer_at(const gru_model *model, int index)
{
    if (!model || index < 0 || index >= model->n)
        return NULL;
    return &model->layers[index];
}

int gru_model_find_layer(const gru_model *model, const char *name, int *index)
{
    if (!model)
        return gru__error(GRU_ERR_NULL, "model: is NULL");
    if (!index)
        return gru__error(GRU_ERR_NULL, "index: is NULL");
    if (!name || !*name) {
        if (model->n == 1) {
            *index = 0;
            return GRU_OK;
        }
    } else {
        for (int i = 0; i < model->n; i++)
            if (strcmp(model->layers[i].name, name) == 0) {
                *index = i;
                return GRU_OK;
            }
    }
    char list[400];
    size_t used = 0;
    list[0] = '\0';
    for (int i = 0; i < model->n && used + 4 < sizeof list; i++) {
        int k = snprintf(list + used, sizeof list - used, "%s\"%s\"", i ? ", " : "",
                         model->layers[i].name);
        if (k < 0)
            break;
        used += (size_t)k;
        if (used >= sizeof list)
            used = sizeof list - 1;
    }
    if (!name || !*name)
        return gru__error(GRU_ERR_ARG, "layer: the file has %d GRU layers, name one of: %s",
                          model->n, list);
    return gru__error(GRU_ERR_ARG, "layer: no GRU layer named \"%s\"; the file has: %s", name,
                      list);
}

/* ---- finding GRU weight sets ---------------------------------------------------- */

enum set_kind { SET_KERAS, SET_KERAS1, SET_CUDNN };

typedef struct wset {
    int first, count;
    enum set_kind kind;
    int64_t I, H;
    int bias_ndim;   /* 0 none, 1 (3H), 2 (2, 3H); CuDNN: 2 after conversion */
} wset;

static bool is2(const gru__array *a, int64_t d0, int64_t d1)
{
    return a->ndim == 2 && (d0 < 0 || a->shape[0] == d0) && (d1 < 0 || a->shape[1] == d1);
}
static bool is1(const gru__array *a, int64_t d0) { return a->ndim == 1 && a->shape[0] == d0; }

static bool match_keras1(const gru__array *a, int n, int i, wset *s)
{
    if (i + 9 > n || a[i].ndim != 2 || a[i + 1].ndim != 2)
        return false;
    int64_t I = a[i].shape[0], H = a[i].shape[1];
    if (I < 1 || H < 1)
        return false;
    for (int g = 0; g < 3; g++)
        if (!is2(&a[i + 3 * g], I, H) || !is2(&a[i + 3 * g + 1], H, H) || !is1(&a[i + 3 * g + 2], H))
            return false;
    *s = (wset){i, 9, SET_KERAS1, I, H, 1};
    return true;
}

static bool match_keras(const gru__array *a, int n, int i, wset *s)
{
    if (i + 2 > n || a[i].ndim != 2 || a[i + 1].ndim != 2)
        return false;
    int64_t H = a[i + 1].shape[0], I = a[i].shape[0];
    if (H < 1 || I < 1 || a[i + 1].shape[1] != 3 * H || a[i].shape[1] != 3 * H)
        return false;
    *s = (wset){i, 2, SET_KERAS, I, H, 0};
    if (i + 2 < n) {
        const gru__array *b = &a[i + 2];
        if (is1(b, 3 * H)) {
            s->count = 3;
            s->bias_ndim = 1;
        } else if (is2(b, 2, 3 * H)) {
            s->count = 3;
            s->bias_ndim = 2;
        } else if (is1(b, 6 * H)) {
            s->count = 3;
            s->bias_ndim = 2;
            s->kind = SET_CUDNN;
        }
    }
    return true;
}

/* "bidirectional/forward_gru/gru_cell/kernel:0" -> "bidirectional/forward_gru";
 * "gru_1/kernel:0" -> "gru_1". Empty when the name has no '/'. */
static void name_from_weight(const char *w, char *out, size_t cap)
{
    out[0] = '\0';
    char buf[GRU_IO_NAME_MAX];
    snprintf(buf, sizeof buf, "%s", w);
    char *slash = strrchr(buf, '/');
    if (!slash)
        return;
    *slash = '\0';
    char *last = strrchr(buf, '/');
    const char *comp = last ? last + 1 : buf;
    if (last && strstr(comp, "cell") != NULL)
        *last = '\0';
    snprintf(out, cap, "%s", buf);
}

static int copy_block(void *dst, const gru__array *src, gru_dtype dt)
{
    size_t n = (size_t)src->shape[0] * (size_t)(src->ndim == 2 ? src->shape[1] : 1);
    if (src->dtype == dt) {
        memcpy(dst, src->data, n * gru_dtype_size(dt));
    } else if (dt == GRU_FLOAT64) {
        const float *s = src->data;
        double *d = dst;
        for (size_t k = 0; k < n; k++)
            d[k] = s[k];
    } else {
        const double *s = src->data;
        float *d = dst;
        for (size_t k = 0; k < n; k++)
            d[k] = (float)s[k];
    }
    return GRU_OK;
}

static int ensure_cap(gru_model *m)
{
    if (m->n < m->cap)
        return GRU_OK;
    int cap = m->cap ? 2 * m->cap : 8;
    gru_model_layer *p = realloc(m->layers, (size_t)cap * sizeof *p);
    if (!p)
        return gru__error(GRU_ERR_NOMEM, "out of memory");
    m->layers = p;
    m->cap = cap;
    return GRU_OK;
}

static bool name_taken(const gru_model *m, const char *name)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->layers[i].name, name) == 0)
            return true;
    return false;
}

/* Build layer from set s and append it. */
static int add_set(gru_model *m, const gru__array *a, const wset *s, const char *name,
                   const char *class_name, const char *path, const gru_config *cfg_in)
{
    int rc = ensure_cap(m);
    if (rc < 0)
        return rc;
    gru_model_layer *L = &m->layers[m->n];
    memset(L, 0, sizeof *L);
    int64_t I = s->I, H = s->H;
    /* dtype: float64 when every array is float64, else float32 */
    gru_dtype dt = GRU_FLOAT64;
    for (int k = 0; k < s->count; k++)
        if (a[s->first + k].dtype != GRU_FLOAT64)
            dt = GRU_FLOAT32;
    size_t es = gru_dtype_size(dt);
    if ((double)I * 3.0 * (double)H * (double)es > (double)GRU_IO_MAX_ARRAY_BYTES ||
        (double)H * 3.0 * (double)H * (double)es > (double)GRU_IO_MAX_ARRAY_BYTES)
        return gru__error(GRU_ERR_FORMAT, "%s: %s: weights of (%lld, %lld) are too large",
                          gru__io_file, name, (long long)I, (long long)(3 * H));
    L->kernel = gru__alloc((size_t)(I * 3 * H) * es);
    L->recurrent_kernel = gru__alloc((size_t)(H * 3 * H) * es);
    L->bias = s->bias_ndim ? gru__alloc((size_t)(s->bias_ndim * 3 * H) * es) : NULL;
    if (!L->kernel || !L->recurrent_kernel || (s->bias_ndim && !L->bias)) {
        rc = gru__error(GRU_ERR_NOMEM, "out of memory reading %s", name);
        goto out_free;
    }
    if (s->kind == SET_KERAS1) {
        /* W_z U_z b_z W_r U_r b_r W_h U_h b_h -> concatenated along the last axis */
        gru__array tmp;
        for (int g = 0; g < 3; g++) {
            const gru__array *W = &a[s->first + 3 * g], *U = W + 1, *b = W + 2;
            void *blk = gru__alloc((size_t)(I > H ? I : H) * (size_t)H * es);
            if (!blk) {
                rc = gru__error(GRU_ERR_NOMEM, "out of memory");
                goto out_free;
            }
            for (int part = 0; part < 3; part++) {
                const gru__array *src = part == 0 ? W : part == 1 ? U : b;
                int64_t rows = part == 0 ? I : part == 1 ? H : 1;
                char *dst = part == 0 ? L->kernel : part == 1 ? L->recurrent_kernel : L->bias;
                tmp = *src;
                copy_block(blk, &tmp, dt);
                for (int64_t r = 0; r < rows; r++)
                    memcpy(dst + ((size_t)r * (size_t)(3 * H) + (size_t)(g * H)) * es,
                           (char *)blk + (size_t)r * (size_t)H * es, (size_t)H * es);
            }
            gru__free(blk);
        }
    } else if (s->kind == SET_CUDNN) {
        gru__array k = a[s->first], r = a[s->first + 1], b = a[s->first + 2];
        void *kc = gru__alloc((size_t)(I * 3 * H) * es), *rcb = gru__alloc((size_t)(H * 3 * H) * es),
             *bc = gru__alloc((size_t)(6 * H) * es);
        if (!kc || !rcb || !bc) {
            gru__free(kc);
            gru__free(rcb);
            gru__free(bc);
            rc = gru__error(GRU_ERR_NOMEM, "out of memory");
            goto out_free;
        }
        copy_block(kc, &k, dt);
        copy_block(rcb, &r, dt);
        copy_block(bc, &b, dt);
        gru_tensor tk = gru_tensor_2d(dt, I, 3 * H, kc), tr = gru_tensor_2d(dt, H, 3 * H, rcb),
                   tb = gru_tensor_1d(dt, 6 * H, bc);
        gru_tensor ok = gru_tensor_2d(dt, I, 3 * H, L->kernel),
                   orr = gru_tensor_2d(dt, H, 3 * H, L->recurrent_kernel),
                   ob = gru_tensor_2d(dt, 2, 3 * H, L->bias);
        rc = gru_cudnn_to_keras(&tk, &tr, &tb, true, &ok, &orr, &ob);
        gru__free(kc);
        gru__free(rcb);
        gru__free(bc);
        if (rc < 0)
            goto out_free;
        snprintf(L->conversion, sizeof L->conversion,
                 "CuDNNGRU weights -> GRU(reset_after = TRUE)");
    } else {
        copy_block(L->kernel, &a[s->first], dt);
        copy_block(L->recurrent_kernel, &a[s->first + 1], dt);
        if (s->bias_ndim)
            copy_block(L->bias, &a[s->first + 2], dt);
    }
    if (s->kind == SET_KERAS1)
        snprintf(L->conversion, sizeof L->conversion,
                 "Keras 1 nine arrays -> kernel, recurrent_kernel, bias");

    /* configuration */
    bool reset_after = s->bias_ndim == 2;
    gru_config cfg;
    if (cfg_in) {
        cfg = *cfg_in;
        L->has_config = true;
        if (cfg.units != H) {
            rc = gru__error(GRU_ERR_FORMAT,
                            "%s: layer \"%s\": the config says units = %lld but "
                            "recurrent_kernel has shape (%lld, %lld)",
                            gru__io_file, name, (long long)cfg.units, (long long)H,
                            (long long)(3 * H));
            goto out_free;
        }
        if (cfg.input_dim > 0 && cfg.input_dim != I) {
            rc = gru__error(GRU_ERR_FORMAT,
                            "%s: layer \"%s\": the config says input_dim = %lld but kernel "
                            "has shape (%lld, %lld)",
                            gru__io_file, name, (long long)cfg.input_dim, (long long)I,
                            (long long)(3 * H));
            goto out_free;
        }
        if (cfg.use_bias != (s->bias_ndim != 0)) {
            rc = gru__error(GRU_ERR_FORMAT, "%s: layer \"%s\": the config says use_bias = %s but "
                            "the file has %s bias", gru__io_file, name,
                            cfg.use_bias ? "TRUE" : "FALSE", s->bias_ndim ? "a" : "no");
            goto out_free;
        }
        if (s->bias_ndim && cfg.reset_after != reset_after) {
            if (s->kind == SET_CUDNN)
                rc = gru__error(GRU_ERR_FORMAT,
                                "%s: layer \"%s\": CuDNNGRU weights (bias (%lld,)) are only "
                                "compatible with a GRU with reset_after = TRUE; the config says "
                                "reset_after = FALSE",
                                gru__io_file, name, (long long)(6 * H));
            else
                rc = gru__error(GRU_ERR_FORMAT,
                                "%s: layer \"%s\": the config says reset_after = %s but bias has "
                                "shape %s",
                                gru__io_file, name, cfg.reset_after ? "TRUE" : "FALSE",
                                reset_after ? "(2, 3H)" : "(3H,)");
            goto out_free;
        }
    } else {
        gru_config_init_preset(&cfg, H, reset_after ? GRU_PRESET_TF2 : GRU_PRESET_KERAS2);
        cfg.use_bias = s->bias_ndim != 0;
        cfg.reset_after = s->bias_ndim ? reset_after : false;
        if (m->format == GRU_FORMAT_SAFETENSORS)
            cfg.return_sequences = true;
        /* the backward half of a Bidirectional: "bidirectional/backward_gru", or a
         * PyTorch "_reverse" direction */
        const char *last = name ? strrchr(name, '/') : NULL;
        last = last ? last + 1 : name ? name : "";
        size_t ll = strlen(last);
        if (strncmp(last, "backward_", 9) == 0 || (ll > 8 && strcmp(last + ll - 8, "_reverse") == 0))
            cfg.go_backwards = true;
    }
    cfg.input_dim = I;
    cfg.units = H;
    cfg.dtype = cfg.dtype == GRU_FLOAT64 ? GRU_FLOAT64 : GRU_FLOAT32;
    cfg.weights[0] = cfg.weights[1] = cfg.weights[2] = NULL;

    /* name, unique in the model */
    char nm[GRU_IO_NAME_MAX];
    snprintf(nm, sizeof nm, "%s", name && *name ? name : "gru");
    for (int k = 1; name_taken(m, nm) && k < 100000; k++)
        snprintf(nm, sizeof nm, "%.200s_%d", name && *name ? name : "gru", k);
    snprintf(L->name, sizeof L->name, "%s", nm);
    snprintf(cfg.name, sizeof cfg.name, "%.127s", cfg_in && cfg_in->name[0] ? cfg_in->name : nm);
    snprintf(L->class_name, sizeof L->class_name, "%s", class_name ? class_name : "");
    snprintf(L->path, sizeof L->path, "%s", path ? path : "");
    L->config = cfg;
    L->input_dim = I;
    L->units = H;
    L->dtype = dt;
    L->num_weights = s->count;
    for (int k = 0; k < s->count && k < 9; k++)
        snprintf(L->weight_names[k], sizeof L->weight_names[k], "%s", a[s->first + k].name);
    m->n++;
    return GRU_OK;

out_free:
    gru__free(L->kernel);
    gru__free(L->recurrent_kernel);
    gru__free(L->bias);
    memset(L, 0, sizeof *L);
    return rc;
}

int gru__model_add_sets(gru_model *m, const gru__array *a, int n, const char *name,
                        const char *class_name, const char *path,
                        const gru_config *const *configs, int nconfigs, int *added)
{
    wset sets[64];
    int ns = 0;
    *added = 0;
    for (int i = 0; i < n && ns < 64;) {
        wset s;
        if (match_keras1(a, n, i, &s) || match_keras(a, n, i, &s)) {
            sets[ns++] = s;
            i += s.count;
        } else {
            i++;
        }
    }
    for (int k = 0; k < ns; k++) {
        char nm[GRU_IO_NAME_MAX];
        if (ns == 1 && name && *name) {
            snprintf(nm, sizeof nm, "%s", name);
        } else {
            name_from_weight(a[sets[k].first].name, nm, sizeof nm);
            if (!nm[0])
                snprintf(nm, sizeof nm, "%.200s_%d", name && *name ? name : "gru", k);
        }
        const gru_config *cfg = k < nconfigs && configs ? configs[k] : NULL;
        int rc = add_set(m, a, &sets[k], nm, class_name, path, cfg);
        if (rc < 0)
            return rc;
        (*added)++;
    }
    return GRU_OK;
}

/* ---- loading ----------------------------------------------------------------------- */

static int detect(const unsigned char *p, size_t n, gru_file_format *fmt)
{
    static const unsigned char h5sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    if (n >= 8 && memcmp(p, h5sig, 8) == 0)
        *fmt = GRU_FORMAT_KERAS_H5; /* refined by the reader */
    else if (n >= 4 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4)
        *fmt = GRU_FORMAT_KERAS3;
    else if (n >= 9 && p[8] == '{')
        *fmt = GRU_FORMAT_SAFETENSORS;
    else
        return gru__error(GRU_ERR_FORMAT,
                          "%s: not a model file this library reads (expected an HDF5 file "
                          "(.h5, .weights.h5), a Keras 3 .keras zip or a .safetensors file)",
                          gru__io_file);
    return GRU_OK;
}

static int load_image(const void *data, size_t size, gru_model *m)
{
    gru_file_format fmt;
    int rc = detect(data, size, &fmt);
    if (rc < 0)
        return rc;
    switch (fmt) {
    case GRU_FORMAT_KERAS_H5: return gru__load_h5_memory(data, size, m);
    case GRU_FORMAT_KERAS3: return gru__load_keras3_zip(data, size, m);
    default: return gru__load_safetensors(data, size, m);
    }
}

static int finish(gru_model *m, int rc, gru_model **out)
{
    if (rc == GRU_OK && m->n == 0)
        rc = gru__error(GRU_ERR_FORMAT, "%s: no GRU layer found in this %s file", gru__io_file,
                        gru_file_format_name(m->format));
    if (rc < 0) {
        gru_model_destroy(m);
        return rc;
    }
    *out = m;
    return GRU_OK;
}

int gru_model_load_memory(const void *data, size_t size, const char *name, gru_model **out)
{
    if (out)
        *out = NULL;
    if (!out)
        return gru__error(GRU_ERR_NULL, "out: is NULL");
    if (!data && size)
        return gru__error(GRU_ERR_NULL, "data: is NULL");
    gru_model *m = NULL;
    int rc = gru__model_new(&m);
    if (rc < 0)
        return rc;
    gru__io_file = name ? name : "model buffer";
    rc = load_image(data ? data : "", size, m);
    rc = finish(m, rc, out);
    gru__io_file = "";
    return rc;
}

int gru_model_load(const char *path, gru_model **out)
{
    if (out)
        *out = NULL;
    if (!path)
        return gru__error(GRU_ERR_NULL, "path: is NULL");
    if (!out)
        return gru__error(GRU_ERR_NULL, "out: is NULL");
    FILE *f = fopen(path, "rb");
    if (!f)
        return gru__error(GRU_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    /* read the whole file: model files are read once, and the readers want random access */
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    int rc = GRU_OK;
    if (!buf) {
        fclose(f);
        return gru__error(GRU_ERR_NOMEM, "out of memory");
    }
    for (;;) {
        if (len == cap) {
            if (cap > ((size_t)1 << 40)) {
                rc = gru__error(GRU_ERR_IO, "%s: file too large", path);
                break;
            }
            unsigned char *p = realloc(buf, cap * 2);
            if (!p) {
                rc = gru__error(GRU_ERR_NOMEM, "out of memory reading %s", path);
                break;
            }
            buf = p;
            cap *= 2;
        }
        size_t k = fread(buf + len, 1, cap - len, f);
        len += k;
        if (k == 0) {
            if (ferror(f))
                rc = gru__error(GRU_ERR_IO, "%s: read error", path);
            break;
        }
    }
    fclose(f);
    if (rc == GRU_OK)
        rc = gru_model_load_memory(buf, len, path, out);
    free(buf);
    return rc;
}

/* ---- creating a layer ---------------------------------------------------------------- */

static void *converted(const void *src, gru_dtype from, gru_dtype to, size_t n)
{
    void *dst = gru__alloc(n * gru_dtype_size(to));
    if (!dst)
        return NULL;
    if (from == to) {
        memcpy(dst, src, n * gru_dtype_size(to));
    } else if (to == GRU_FLOAT64) {
        for (size_t k = 0; k < n; k++)
            ((double *)dst)[k] = ((const float *)src)[k];
    } else {
        for (size_t k = 0; k < n; k++)
            ((float *)dst)[k] = (float)((const double *)src)[k];
    }
    return dst;
}

int gru_model_layer_create(const gru_model *model, int index, const gru_config *config,
                           gru_layer **out)
{
    if (out)
        *out = NULL;
    if (!model)
        return gru__error(GRU_ERR_NULL, "model: is NULL");
    if (!out)
        return gru__error(GRU_ERR_NULL, "out: is NULL");
    const gru_model_layer *L = gru_model_layer_at(model, index);
    if (!L)
        return gru__error(GRU_ERR_ARG, "index: expected 0..%d, got %d", model->n - 1, index);
    gru_config cfg = config ? *config : L->config;
    if (config) {
        if (cfg.input_dim == 0)
            cfg.input_dim = L->input_dim;
        if (cfg.units != L->units || cfg.input_dim != L->input_dim)
            return gru__error(GRU_ERR_ARG,
                              "config: units = %lld, input_dim = %lld do not match layer \"%s\" "
                              "(units = %lld, input_dim = %lld)",
                              (long long)cfg.units, (long long)cfg.input_dim, L->name,
                              (long long)L->units, (long long)L->input_dim);
        if (cfg.use_bias != (L->bias != NULL))
            return gru__error(GRU_ERR_ARG, "config: use_bias = %s does not match layer \"%s\" "
                              "(%s bias)", cfg.use_bias ? "TRUE" : "FALSE", L->name,
                              L->bias ? "has a" : "has no");
        if (L->bias && cfg.reset_after != L->config.reset_after)
            return gru__error(GRU_ERR_ARG, "config: reset_after = %s does not match layer \"%s\" "
                              "(reset_after = %s)", cfg.reset_after ? "TRUE" : "FALSE", L->name,
                              L->config.reset_after ? "TRUE" : "FALSE");
    }
    cfg.weights[0] = cfg.weights[1] = cfg.weights[2] = NULL;
    gru_dtype dt = cfg.dtype == GRU_FLOAT64 ? GRU_FLOAT64 : GRU_FLOAT32;
    int64_t I = L->input_dim, H = L->units;
    size_t nb = L->bias ? (size_t)((L->config.reset_after ? 2 : 1) * 3 * H) : 0;
    void *k = converted(L->kernel, L->dtype, dt, (size_t)(I * 3 * H));
    void *r = converted(L->recurrent_kernel, L->dtype, dt, (size_t)(H * 3 * H));
    void *b = L->bias ? converted(L->bias, L->dtype, dt, nb) : NULL;
    int rc;
    gru_layer *layer = NULL;
    if (!k || !r || (L->bias && !b)) {
        rc = gru__error(GRU_ERR_NOMEM, "out of memory");
        goto out_free;
    }
    rc = gru_layer_create(&cfg, &layer);
    if (rc < 0)
        goto out_free;
    gru_tensor tk = gru_tensor_2d(dt, I, 3 * H, k), tr = gru_tensor_2d(dt, H, 3 * H, r);
    gru_tensor tb = L->config.reset_after ? gru_tensor_2d(dt, 2, 3 * H, b)
                                          : gru_tensor_1d(dt, 3 * H, b);
    rc = gru_layer_set_weights(layer, &tk, &tr, L->bias ? &tb : NULL);
    if (rc < 0) {
        gru_layer_destroy(layer);
        layer = NULL;
    }
out_free:
    gru__free(k);
    gru__free(r);
    gru__free(b);
    *out = layer;
    return rc;
}

/* ---- writing ------------------------------------------------------------------------- */

int gru__save_args(const char *path, int n, const gru_layer *const *layers)
{
    if (!path)
        return gru__error(GRU_ERR_NULL, "path: is NULL");
    if (!layers)
        return gru__error(GRU_ERR_NULL, "layers: is NULL");
    if (n < 1 || n > 4096)
        return gru__error(GRU_ERR_ARG, "n: expected 1..4096 layers, got %d", n);
    return GRU_OK;
}

int gru__layer_weights(const gru_layer *L, gru_tensor w[3])
{
    const gru_config *c = gru_layer_config(L);
    int64_t I = c->input_dim, H = c->units;
    gru_dtype dt = c->dtype == GRU_FLOAT64 ? GRU_FLOAT64 : GRU_FLOAT32;
    size_t es = gru_dtype_size(dt);
    void *k = gru__alloc((size_t)(I * 3 * H) * es), *r = gru__alloc((size_t)(H * 3 * H) * es);
    void *b = c->use_bias ? gru__alloc((size_t)((c->reset_after ? 2 : 1) * 3 * H) * es) : NULL;
    w[0] = gru_tensor_2d(dt, I, 3 * H, k);
    w[1] = gru_tensor_2d(dt, H, 3 * H, r);
    w[2] = c->reset_after ? gru_tensor_2d(dt, 2, 3 * H, b) : gru_tensor_1d(dt, 3 * H, b);
    int rc;
    if (!k || !r || (c->use_bias && !b))
        rc = gru__error(GRU_ERR_NOMEM, "out of memory");
    else
        rc = gru_layer_get_weights(L, &w[0], &w[1], c->use_bias ? &w[2] : NULL);
    if (rc < 0)
        gru__weights_free(w);
    return rc;
}

void gru__weights_free(gru_tensor w[3])
{
    for (int i = 0; i < 3; i++) {
        gru__free(w[i].data);
        w[i].data = NULL;
    }
}

int gru__write_file_atomic(const char *path, const void *data, size_t size)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    if (!tmp)
        return gru__error(GRU_ERR_NOMEM, "out of memory");
    snprintf(tmp, plen + 32, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        int e = errno;
        free(tmp);
        return gru__error(GRU_ERR_IO, "%s: cannot write: %s", path, strerror(e));
    }
    bool ok = fwrite(data, 1, size, f) == size;
    ok = (fflush(f) == 0) && ok;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        free(tmp);
        return gru__error(GRU_ERR_IO, "%s: write failed: %s", path, strerror(e));
    }
    free(tmp);
    return GRU_OK;
}
