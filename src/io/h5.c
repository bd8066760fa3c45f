/* Keras HDF5 files through libhdf5: Keras 1/2 and tf.keras full models and weights-only
 * files (model_weights/<layer>/ + weight_names), and Keras 3 weights files
 * (layers/<name>/cell/vars/{0,1,2}), also as the model.weights.h5 inside a .keras zip.
 * Files are opened from memory (HDF5's core driver with a file image), never printed
 * to: HDF5's automatic error printing is turned off. */
#include "io_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef GRU_HAVE_HDF5
#include <hdf5.h>
#ifdef GRU_HAVE_CJSON
#include <cjson/cJSON.h>
#endif

#define MAX_ARRAYS 4096     /* weights per layer group we look at */
#define MAX_STRINGS 100000  /* entries of a string-list attribute */

/* The file image being read (for gru__h5_guard_attrs). */
static _Thread_local const void *cur_image;
static _Thread_local size_t cur_image_size;
/* The first object header refused while the image was read (empty when none): the load
 * fails with it even where the caller went on as if the object were absent. */
static _Thread_local char bad_header[256];

typedef struct strlist {
    char **s;
    int n;
} strlist;

static void strlist_free(strlist *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->s[i]);
    free(l->s);
    l->s = NULL;
    l->n = 0;
}

static int strlist_push(strlist *l, const char *s, size_t len)
{
    if (l->n >= MAX_STRINGS)
        return gru__error(GRU_ERR_FORMAT, "%s: too many names in an attribute", gru__io_file);
    char **p = realloc(l->s, (size_t)(l->n + 1) * sizeof *p);
    if (!p)
        return gru__error(GRU_ERR_NOMEM, "out of memory");
    l->s = p;
    char *c = malloc(len + 1);
    if (!c)
        return gru__error(GRU_ERR_NOMEM, "out of memory");
    memcpy(c, s, len);
    c[len] = '\0';
    l->s[l->n++] = c;
    return GRU_OK;
}

static bool attr_exists(hid_t loc, const char *name) { return H5Aexists(loc, name) > 0; }

/* The object a link names, before libhdf5 loads its header (to open it, or to follow a
 * path through it): a hard link (soft and external ones are not followed) to a header whose
 * blocks lie inside the file (libhdf5 1.10 allocates their recorded sizes first). */
static bool header_ok(hid_t loc, const char *name)
{
    H5L_info_t li;
    int rc;
    if (H5Lget_info(loc, name, &li, H5P_DEFAULT) < 0)
        rc = gru__error(GRU_ERR_FORMAT, "%s: cannot read the link \"%s\"", gru__io_file, name);
    else if (li.type != H5L_TYPE_HARD)
        rc = gru__error(GRU_ERR_FORMAT, "%s: \"%s\" is a soft or external link, which libgru "
                        "does not follow", gru__io_file, name);
    else
        rc = gru__h5_guard_header(cur_image, cur_image_size, (uint64_t)li.u.address);
    if (rc < 0 && !bad_header[0])
        snprintf(bad_header, sizeof bad_header, "%s", gru_errmsg());
    return rc == GRU_OK;
}

static bool link_exists(hid_t loc, const char *path)
{
    /* H5Lexists needs every intermediate component to exist: check them in turn */
    char buf[GRU_IO_NAME_MAX * 2];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf || !buf[0])
        return false;
    for (char *p = buf;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (buf[0] && (H5Lexists(loc, buf, H5P_DEFAULT) <= 0 || !header_ok(loc, buf)))
                return false;
            if (c == '\0')
                return true;
            *p = c;
        }
    }
}

/* libhdf5 1.10 trusts the attribute messages of an object (their sizes, and the heap
 * references of variable-length strings) as soon as it looks for an attribute: check
 * them (src/io/h5_guard.c) before any attribute of loc is touched. */
static int guard_loc(hid_t loc)
{
    H5O_info_t oi;
    if (H5Oget_info2(loc, &oi, H5O_INFO_BASIC) < 0)
        return gru__error(GRU_ERR_FORMAT, "%s: cannot locate an object's header", gru__io_file);
    return gru__h5_guard_attrs(cur_image, cur_image_size, (uint64_t)oi.addr);
}

/* Append the strings of attribute `name` of loc (scalar or 1-D; fixed or variable
 * length). A numeric attribute with no elements (h5py's empty list) adds nothing. */
static int read_str_attr_into(hid_t loc, const char *name, strlist *out)
{
    int rc = GRU_OK;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return gru__error(GRU_ERR_FORMAT, "%s: cannot open attribute %s", gru__io_file, name);
    hid_t sp = H5Aget_space(a), ft = H5Aget_type(a), mt = -1;
    hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    int nd = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    if (n < 0 || nd < 0 || nd > 1 || ft < 0) {
        rc = gru__error(GRU_ERR_FORMAT, "%s: attribute %s: expected a scalar or a list of strings",
                        gru__io_file, name);
        goto out;
    }
    if (H5Tget_class(ft) != H5T_STRING) {
        if (n == 0)
            goto out;
        rc = gru__error(GRU_ERR_FORMAT, "%s: attribute %s: expected strings", gru__io_file, name);
        goto out;
    }
    if (n > MAX_STRINGS) {
        rc = gru__error(GRU_ERR_FORMAT, "%s: attribute %s: %lld entries is too many",
                        gru__io_file, name, (long long)n);
        goto out;
    }
    if (H5Tis_variable_str(ft) > 0) {
        mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(ft));
        char **v = calloc((size_t)(n ? n : 1), sizeof *v);
        if (!v) {
            rc = gru__error(GRU_ERR_NOMEM, "out of memory");
            goto out;
        }
        if (H5Aread(a, mt, v) < 0) {
            free(v);
            rc = gru__error(GRU_ERR_FORMAT, "%s: cannot read attribute %s", gru__io_file, name);
            goto out;
        }
        for (hssize_t i = 0; i < n && rc == GRU_OK; i++)
            rc = strlist_push(out, v[i] ? v[i] : "", v[i] ? strlen(v[i]) : 0);
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, v);
        free(v);
    } else {
        size_t len = H5Tget_size(ft);
        size_t total;
        if (len == 0 || len > (1u << 26) || !gru__mul_size(len, (size_t)n, &total) ||
            total > (1u << 28)) {
            rc = gru__error(GRU_ERR_FORMAT, "%s: attribute %s: string size %zu is out of range",
                            gru__io_file, name, len);
            goto out;
        }
        mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, len);
        H5Tset_strpad(mt, H5T_STR_NULLPAD);
        char *buf = calloc(total + 1, 1);
        if (!buf) {
            rc = gru__error(GRU_ERR_NOMEM, "out of memory");
            goto out;
        }
        if (H5Aread(a, mt, buf) < 0) {
            free(buf);
            rc = gru__error(GRU_ERR_FORMAT, "%s: cannot read attribute %s", gru__io_file, name);
            goto out;
        }
        for (hssize_t i = 0; i < n && rc == GRU_OK; i++) {
            const char *s = buf + (size_t)i * len;
            size_t l = 0;
            while (l < len && s[l])
                l++;
            rc = strlist_push(out, s, l);
        }
        free(buf);
    }
out:
    if (mt >= 0)
        H5Tclose(mt);
    if (ft >= 0)
        H5Tclose(ft);
    if (sp >= 0)
        H5Sclose(sp);
    H5Aclose(a);
    return rc;
}

/* A list attribute, also when Keras split it into name0, name1, ... (*found false when
 * neither exists). */
static int read_str_list(hid_t loc, const char *name, strlist *out, bool *found)
{
    *found = false;
    int grc = guard_loc(loc);
    if (grc < 0)
        return grc;
    if (attr_exists(loc, name)) {
        *found = true;
        return read_str_attr_into(loc, name, out);
    }
    char chunk[128];
    for (int k = 0;; k++) {
        snprintf(chunk, sizeof chunk, "%s%d", name, k);
        if (!attr_exists(loc, chunk))
            break;
        *found = true;
        int rc = read_str_attr_into(loc, chunk, out);
        if (rc < 0)
            return rc;
    }
    return GRU_OK;
}

/* A scalar string attribute, malloc'ed into *out (NULL when absent). */
static int read_str_scalar(hid_t loc, const char *name, char **out)
{
    *out = NULL;
    int grc = guard_loc(loc);
    if (grc < 0)
        return grc;
    if (!attr_exists(loc, name))
        return GRU_OK;
    strlist l = {0};
    int rc = read_str_attr_into(loc, name, &l);
    if (rc == GRU_OK && l.n >= 1) {
        *out = l.s[0];
        l.s[0] = NULL;
        for (int i = 1; i < l.n; i++)
            free(l.s[i]);
        free(l.s);
        return GRU_OK;
    }
    strlist_free(&l);
    return rc;
}

/* Read dataset `name` (relative to loc) into a: 1-D or 2-D floats. Other ranks or
 * non-float types give ndim 0 (not a GRU weight; no data read). */
static int read_array(hid_t loc, const char *name, gru__array *a)
{
    int rc = GRU_OK;
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", name);
    if (!link_exists(loc, name))
        return gru__error(GRU_ERR_FORMAT, "%s: weight \"%s\" is listed in weight_names but "
                          "missing from the file", gru__io_file, name);
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0)
        return gru__error(GRU_ERR_FORMAT, "%s: \"%s\" is not a dataset", gru__io_file, name);
    hid_t sp = H5Dget_space(d), ft = H5Dget_type(d), dcpl = H5Dget_create_plist(d);
    int nd = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    hsize_t dims[H5S_MAX_RANK];
    if (nd < 0 || ft < 0 || dcpl < 0) {
        rc = gru__error(GRU_ERR_FORMAT, "%s: dataset \"%s\" is unreadable", gru__io_file, name);
        goto out;
    }
    if (nd < 1 || nd > 2 || H5Tget_class(ft) != H5T_FLOAT)
        goto out; /* not a weight we use */
    H5Sget_simple_extent_dims(sp, dims, NULL);
    size_t fsize = H5Tget_size(ft);
    gru_dtype dt = fsize == 8 ? GRU_FLOAT64 : GRU_FLOAT32;
    size_t es = gru_dtype_size(dt);
    size_t n = 1;
    for (int i = 0; i < nd; i++) {
        if (dims[i] > (hsize_t)INT64_MAX || !gru__mul_size(n, (size_t)dims[i], &n))
            n = SIZE_MAX;
        a->shape[i] = (int64_t)(dims[i] > (hsize_t)INT64_MAX ? INT64_MAX : dims[i]);
    }
    if (n == SIZE_MAX || (double)n * (double)es > (double)GRU_IO_MAX_ARRAY_BYTES) {
        char s[96];
        gru__shape_str(s, sizeof s, nd, a->shape);
        rc = gru__error(GRU_ERR_FORMAT, "%s: dataset \"%s\": shape %s is too large", gru__io_file,
                        name, s);
        goto out;
    }
    /* A forged shape must not make us allocate what the file does not hold. Without
     * filters the stored bytes equal n * fsize; deflate compresses at most ~1032:1. */
    hsize_t stored = H5Dget_storage_size(d);
    int nfilters = H5Pget_nfilters(dcpl);
    double need = (double)n * (double)fsize;
    double have = (double)stored * (nfilters > 0 ? 1100.0 : 1.0);
    if (n > 0 && have < need) {
        char s[96];
        gru__shape_str(s, sizeof s, nd, a->shape);
        rc = gru__error(GRU_ERR_FORMAT,
                        "%s: dataset \"%s\": shape %s needs %.0f bytes but the file stores %llu",
                        gru__io_file, name, s, need, (unsigned long long)stored);
        goto out;
    }
    a->data = gru__alloc(n ? n * es : es);
    if (!a->data) {
        rc = gru__error(GRU_ERR_NOMEM, "out of memory reading \"%s\"", name);
        goto out;
    }
    if (n > 0 && H5Dread(d, dt == GRU_FLOAT64 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT, H5S_ALL,
                         H5S_ALL, H5P_DEFAULT, a->data) < 0) {
        gru__free(a->data);
        a->data = NULL;
        rc = gru__error(GRU_ERR_FORMAT, "%s: dataset \"%s\": cannot read its data", gru__io_file,
                        name);
        goto out;
    }
    a->ndim = nd;
    a->dtype = dt;
out:
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (ft >= 0)
        H5Tclose(ft);
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(d);
    return rc;
}

/* ---- configurations from model_config / config.json ---------------------------------- */

#ifdef GRU_HAVE_CJSON
static const char *json_str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool is_gru_class(const char *c)
{
    return c && (strcmp(c, "GRU") == 0 || strcmp(c, "CuDNNGRU") == 0);
}

/* The layer object ({"class_name", "config"}) whose config.name is `name`. */
static const cJSON *find_layer_obj(const cJSON *o, const char *name, int depth)
{
    if (!o || depth > 64)
        return NULL;
    if (cJSON_IsObject(o)) {
        const char *cls = json_str(o, "class_name");
        const cJSON *conf = cJSON_GetObjectItemCaseSensitive(o, "config");
        const char *nm = cJSON_IsObject(conf) ? json_str(conf, "name") : NULL;
        if (cls && nm && strcmp(nm, name) == 0)
            return o;
    }
    for (const cJSON *c = o->child; c; c = c->next) {
        const cJSON *r = find_layer_obj(c, name, depth + 1);
        if (r)
            return r;
    }
    return NULL;
}

typedef struct cfglist {
    gru_config cfg[64];
    const gru_config *ptr[64];
    int n;
} cfglist;

static int push_cfg(cfglist *l, const cJSON *obj, int major, int go_backwards_flip)
{
    if (l->n >= 64)
        return GRU_OK;
    gru_config *c = &l->cfg[l->n];
    int rc = gru__parse_layer_config(obj, major, c);
    if (rc < 0)
        return rc;
    if (go_backwards_flip)
        c->go_backwards = !c->go_backwards;
    l->ptr[l->n] = c;
    l->n++;
    return GRU_OK;
}

/* The GRU configs inside layer object o, in weight order (GRU: itself; Bidirectional:
 * forward then backward; a nested model: its layers in order). */
static int collect_cfgs(const cJSON *o, int major, cfglist *l, int depth)
{
    if (!o || depth > 32)
        return GRU_OK;
    const char *cls = json_str(o, "class_name");
    const cJSON *conf = cJSON_GetObjectItemCaseSensitive(o, "config");
    if (is_gru_class(cls))
        return push_cfg(l, o, major, 0);
    if (cls && strcmp(cls, "Bidirectional") == 0 && cJSON_IsObject(conf)) {
        const cJSON *fw = cJSON_GetObjectItemCaseSensitive(conf, "layer");
        const cJSON *bw = cJSON_GetObjectItemCaseSensitive(conf, "backward_layer");
        if (!is_gru_class(json_str(fw, "class_name")))
            return GRU_OK;
        int n0 = l->n;
        int rc = push_cfg(l, fw, major, 0);
        if (rc >= 0)
            rc = (bw && is_gru_class(json_str(bw, "class_name"))) ? push_cfg(l, bw, major, 0)
                                                                   : push_cfg(l, fw, major, 1);
        /* Bidirectional forces zero_output_for_mask = return_sequences on its halves
         * (tf.keras and Keras 3); the stored configs do not say so. */
        for (int i = n0; rc >= 0 && i < l->n; i++)
            l->cfg[i].zero_output_for_mask = l->cfg[i].return_sequences;
        return rc;
    }
    /* nested model: {"config": {"layers": [...]}} or Keras 2.0 Sequential [...] */
    const cJSON *layers = cJSON_IsArray(conf) ? conf : cJSON_GetObjectItemCaseSensitive(conf, "layers");
    if (cJSON_IsArray(layers))
        for (const cJSON *c = layers->child; c; c = c->next) {
            int rc = collect_cfgs(c, major, l, depth + 1);
            if (rc < 0)
                return rc;
        }
    return GRU_OK;
}
#endif

/* ---- Keras 1 / 2 / tf.keras layout ------------------------------------------------------ */

static int load_group_layer(hid_t g, const char *lname, const char *gpath, const void *json,
                            gru_model *m)
{
    int rc = GRU_OK, added = 0;
    if (!link_exists(g, lname))
        return GRU_OK; /* listed but empty layers may be absent */
    hid_t lg = H5Gopen2(g, lname, H5P_DEFAULT);
    if (lg < 0)
        return gru__error(GRU_ERR_FORMAT, "%s: layer \"%s\" is not a group", gru__io_file, lname);
    strlist wn = {0};
    bool found;
    gru__array *arr = NULL;
    int na = 0;
    rc = read_str_list(lg, "weight_names", &wn, &found);
    if (rc < 0 || wn.n == 0)
        goto out;
    if (wn.n > MAX_ARRAYS) {
        rc = gru__error(GRU_ERR_FORMAT, "%s: layer \"%s\": %d weights is too many", gru__io_file,
                        lname, wn.n);
        goto out;
    }
    arr = calloc((size_t)wn.n, sizeof *arr);
    if (!arr) {
        rc = gru__error(GRU_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < wn.n; i++) {
        rc = read_array(lg, wn.s[i], &arr[i]);
        na = i + 1;
        if (rc < 0)
            goto out;
    }
    const gru_config *const *cfgp = NULL;
    int ncfg = 0;
    char cls[64] = "";
#ifdef GRU_HAVE_CJSON
    cfglist *cl = NULL;
    if (json) {
        const cJSON *obj = find_layer_obj(json, lname, 0);
        if (obj) {
            const char *c = json_str(obj, "class_name");
            snprintf(cls, sizeof cls, "%s", c ? c : "");
            cl = calloc(1, sizeof *cl);
            if (!cl) {
                rc = gru__error(GRU_ERR_NOMEM, "out of memory");
                goto out;
            }
            rc = collect_cfgs(obj, m->keras_major, cl, 0);
            if (rc < 0) {
                free(cl);
                goto out;
            }
            cfgp = cl->ptr;
            ncfg = cl->n;
        }
    }
#endif
    char path[GRU_IO_NAME_MAX];
    snprintf(path, sizeof path, "%s%s", gpath, lname);
    rc = gru__model_add_sets(m, arr, na, lname, cls, path, cfgp, ncfg, &added);
#ifdef GRU_HAVE_CJSON
    free(cl);
#endif
out:
    gru__arrays_free(arr, na);
    free(arr);
    strlist_free(&wn);
    H5Gclose(lg);
    return rc;
}

static int load_keras2(hid_t f, hid_t g, const char *gpath, gru_model *m)
{
    int rc;
    char *version = NULL, *model_config = NULL;
    void *json = NULL;
    strlist names = {0};
    bool found;
    rc = read_str_scalar(f, "keras_version", &version);
    if (rc == GRU_OK && !version && g != f)
        rc = read_str_scalar(g, "keras_version", &version);
    if (rc < 0)
        goto out;
    /* Keras 1 files may lack keras_version: they are recognized by their weights */
    gru__model_set_version(m, version, 2);
    rc = read_str_scalar(f, "model_config", &model_config);
    if (rc < 0)
        goto out;
    m->format = model_config ? GRU_FORMAT_KERAS_H5 : GRU_FORMAT_KERAS_WEIGHTS_H5;
    if (model_config) {
#ifdef GRU_HAVE_CJSON
        json = cJSON_Parse(model_config);
        if (!json) {
            rc = gru__error(GRU_ERR_FORMAT, "%s: model_config is not valid JSON", gru__io_file);
            goto out;
        }
        if (!version) {
            /* Keras 1 configs name the unit count output_dim */
            if (strstr(model_config, "\"output_dim\""))
                m->keras_major = 1;
        }
#else
        rc = gru__error(GRU_ERR_UNSUPPORTED,
                        "%s: reading model_config needs cJSON (build option GRU_WITH_CJSON)",
                        gru__io_file);
        goto out;
#endif
    }
    rc = read_str_list(g, "layer_names", &names, &found);
    if (rc < 0)
        goto out;
    for (int i = 0; i < names.n && rc == GRU_OK; i++)
        rc = load_group_layer(g, names.s[i], gpath, json, m);
out:
#ifdef GRU_HAVE_CJSON
    cJSON_Delete(json);
#endif
    free(version);
    free(model_config);
    strlist_free(&names);
    return rc;
}

/* ---- Keras 3 layout ----------------------------------------------------------------------- */

typedef struct k3_item {
    char path[GRU_IO_NAME_MAX];  /* "layers/bidirectional/forward_layer" */
    char name[GRU_IO_NAME_MAX];  /* the layer's name from vars/@name, else the path */
    int order;                   /* position in config.json, or large */
} k3_item;

typedef struct k3_walk {
    k3_item *items;
    int n, cap;
    int depth;
    int visited;
} k3_walk;

static int k3_children(hid_t g, strlist *out)
{
    H5G_info_t info;
    if (H5Gget_info(g, &info) < 0)
        return gru__error(GRU_ERR_FORMAT, "%s: unreadable group", gru__io_file);
    if (info.nlinks > MAX_STRINGS)
        return gru__error(GRU_ERR_FORMAT, "%s: a group has too many members", gru__io_file);
    for (hsize_t i = 0; i < info.nlinks; i++) {
        char nm[GRU_IO_NAME_MAX];
        ssize_t len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, nm, sizeof nm,
                                         H5P_DEFAULT);
        if (len < 0 || len >= (ssize_t)sizeof nm)
            continue;
        int rc = strlist_push(out, nm, (size_t)len);
        if (rc < 0)
            return rc;
    }
    return GRU_OK;
}

static bool is_group(hid_t loc, const char *name)
{
    H5O_info_t oi;
    if (!link_exists(loc, name))
        return false;
    if (H5Oget_info_by_name(loc, name, &oi, H5P_DEFAULT) < 0)
        return false;
    return oi.type == H5O_TYPE_GROUP;
}

static int k3_walk_group(hid_t f, const char *path, k3_walk *w)
{
    if (w->depth > 32 || ++w->visited > 100000)
        return gru__error(GRU_ERR_FORMAT, "%s: layers nested too deeply", gru__io_file);
    char sub[GRU_IO_NAME_MAX * 2];
    snprintf(sub, sizeof sub, "%s/cell/vars", path);
    if (is_group(f, sub)) {
        if (w->n == w->cap) {
            int cap = w->cap ? 2 * w->cap : 16;
            k3_item *p = realloc(w->items, (size_t)cap * sizeof *p);
            if (!p)
                return gru__error(GRU_ERR_NOMEM, "out of memory");
            w->items = p;
            w->cap = cap;
        }
        k3_item *it = &w->items[w->n++];
        memset(it, 0, sizeof *it);
        snprintf(it->path, sizeof it->path, "%s", path);
        snprintf(it->name, sizeof it->name, "%s", strncmp(path, "layers/", 7) == 0 ? path + 7 : path);
        snprintf(sub, sizeof sub, "%s/vars", path);
        if (is_group(f, sub)) {
            hid_t vg = H5Gopen2(f, sub, H5P_DEFAULT);
            char *nm = NULL;
            if (vg >= 0) {
                if (read_str_scalar(vg, "name", &nm) == GRU_OK && nm && nm[0])
                    snprintf(it->name, sizeof it->name, "%s", nm);
                free(nm);
                H5Gclose(vg);
            }
        }
        it->order = 1 << 30;
        return GRU_OK;
    }
    hid_t g = H5Gopen2(f, path, H5P_DEFAULT);
    if (g < 0)
        return GRU_OK;
    strlist ch = {0};
    int rc = k3_children(g, &ch);
    H5Gclose(g);
    w->depth++;
    for (int i = 0; i < ch.n && rc == GRU_OK; i++) {
        if (strcmp(ch.s[i], "vars") == 0)
            continue;
        snprintf(sub, sizeof sub, "%s/%s", path, ch.s[i]);
        if (strlen(sub) >= GRU_IO_NAME_MAX)
            continue;
        if (is_group(f, sub))
            rc = k3_walk_group(f, sub, w);
    }
    w->depth--;
    strlist_free(&ch);
    return rc;
}

/* Read the numbered datasets of <path>/cell/vars in numeric order. */
static int k3_read_vars(hid_t f, const char *path, gru__array *arr, int *na)
{
    char sub[GRU_IO_NAME_MAX * 2];
    snprintf(sub, sizeof sub, "%s/cell/vars", path);
    hid_t vg = H5Gopen2(f, sub, H5P_DEFAULT);
    if (vg < 0)
        return gru__error(GRU_ERR_FORMAT, "%s: cannot open %s", gru__io_file, sub);
    int rc = GRU_OK;
    *na = 0;
    for (int k = 0; k < 3; k++) {
        char nm[16];
        snprintf(nm, sizeof nm, "%d", k);
        if (!link_exists(vg, nm))
            break;
        rc = read_array(vg, nm, &arr[k]);
        *na = k + 1;
        if (rc < 0)
            break;
        snprintf(arr[k].name, sizeof arr[k].name, "%.240s/%d", sub, k);
    }
    H5Gclose(vg);
    return rc;
}

static int k3_cmp(const void *a, const void *b)
{
    const k3_item *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return strcmp(x->path, y->path);
}

#ifdef GRU_HAVE_CJSON
/* Position of the GRU layer called name in a depth-first walk of the config. */
static void k3_order(const cJSON *o, const char *name, int *counter, int *found, int depth)
{
    if (!o || depth > 64 || *found >= 0)
        return;
    if (cJSON_IsObject(o)) {
        const char *cls = json_str(o, "class_name");
        const cJSON *conf = cJSON_GetObjectItemCaseSensitive(o, "config");
        const char *nm = cJSON_IsObject(conf) ? json_str(conf, "name") : NULL;
        if (is_gru_class(cls) && nm) {
            if (strcmp(nm, name) == 0)
                *found = *counter;
            (*counter)++;
        }
    }
    for (const cJSON *c = o->child; c; c = c->next)
        k3_order(c, name, counter, found, depth + 1);
}
#endif

static int load_keras3(hid_t f, const char *config_json, gru_model *m)
{
    k3_walk w = {0};
    int rc = GRU_OK;
    void *json = NULL;
    if (config_json) {
#ifdef GRU_HAVE_CJSON
        json = cJSON_Parse(config_json);
        if (!json)
            return gru__error(GRU_ERR_FORMAT, "%s: config.json is not valid JSON", gru__io_file);
#else
        return gru__error(GRU_ERR_UNSUPPORTED,
                          "%s: reading config.json needs cJSON (build option GRU_WITH_CJSON)",
                          gru__io_file);
#endif
    }
    if (is_group(f, "layers"))
        rc = k3_walk_group(f, "layers", &w);
    if (rc < 0)
        goto out;
#ifdef GRU_HAVE_CJSON
    for (int i = 0; i < w.n && json; i++) {
        int counter = 0, found = -1;
        k3_order(json, w.items[i].name, &counter, &found, 0);
        if (found >= 0)
            w.items[i].order = found;
    }
#endif
    if (w.n > 1)
        qsort(w.items, (size_t)w.n, sizeof *w.items, k3_cmp);
    for (int i = 0; i < w.n && rc == GRU_OK; i++) {
        gru__array arr[3];
        int na = 0, added = 0;
        memset(arr, 0, sizeof arr);
        rc = k3_read_vars(f, w.items[i].path, arr, &na);
        gru_config cfg, *cfgp = NULL;
        char cls[64] = "";
#ifdef GRU_HAVE_CJSON
        if (rc == GRU_OK && json) {
            const cJSON *obj = find_layer_obj(json, w.items[i].name, 0);
            if (obj && is_gru_class(json_str(obj, "class_name"))) {
                rc = gru__parse_layer_config(obj, m->keras_major, &cfg);
                cfgp = &cfg;
                snprintf(cls, sizeof cls, "%s", json_str(obj, "class_name"));
            } else {
                /* a Bidirectional's backward layer that the config does not spell out:
                 * the forward layer's config with go_backwards flipped */
                const char *p = w.items[i].path;
                size_t pl = strlen(p);
                if (pl > 15 && strcmp(p + pl - 15, "/backward_layer") == 0) {
                    char parent[GRU_IO_NAME_MAX];
                    snprintf(parent, sizeof parent, "%.*s/vars", (int)(pl - 15), p);
                    char *pname = NULL;
                    hid_t vg = is_group(f, parent) ? H5Gopen2(f, parent, H5P_DEFAULT) : -1;
                    if (vg >= 0) {
                        read_str_scalar(vg, "name", &pname);
                        H5Gclose(vg);
                    }
                    const cJSON *bi = pname ? find_layer_obj(json, pname, 0) : NULL;
                    const cJSON *fw = bi ? cJSON_GetObjectItemCaseSensitive(
                                               cJSON_GetObjectItemCaseSensitive(bi, "config"), "layer")
                                         : NULL;
                    free(pname);
                    if (fw && is_gru_class(json_str(fw, "class_name"))) {
                        rc = gru__parse_layer_config(fw, m->keras_major, &cfg);
                        cfg.go_backwards = !cfg.go_backwards;
                        cfgp = &cfg;
                        snprintf(cls, sizeof cls, "%s", json_str(fw, "class_name"));
                    }
                }
            }
        }
#endif
        if (rc == GRU_OK)
            rc = gru__model_add_sets(m, arr, na, w.items[i].name, cls, w.items[i].path,
                                     cfgp ? (const gru_config *const *)&cfgp : NULL, cfgp ? 1 : 0,
                                     &added);
        gru__arrays_free(arr, na);
    }
out:
#ifdef GRU_HAVE_CJSON
    cJSON_Delete(json);
#endif
    free(w.items);
    return rc;
}

/* ---- entry points -------------------------------------------------------------------------- */

static hid_t open_image(const void *data, size_t size)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0)
        return -1;
    hid_t f = -1;
    if (H5Pset_fapl_core(fapl, 1 << 16, 0) >= 0 && H5Pset_file_image(fapl, (void *)data, size) >= 0)
        f = H5Fopen("libgru-image.h5", H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    return f;
}

static int load_h5(const void *data, size_t size, const char *config_json, const char *version,
                   gru_model *m)
{
    int grc = gru__h5_guard(data, size);
    if (grc < 0)
        return grc;
    cur_image = data;
    cur_image_size = size;
    bad_header[0] = '\0';
    hid_t f = open_image(data, size);
    if (f < 0)
        return gru__error(GRU_ERR_FORMAT, "%s: not a readable HDF5 file (truncated or corrupted)",
                          gru__io_file);
    int rc;
    if (version) {
        /* model.weights.h5 inside a .keras file */
        m->format = GRU_FORMAT_KERAS3;
        gru__model_set_version(m, version, 3);
        rc = load_keras3(f, config_json, m);
    } else if (is_group(f, "model_weights")) {
        hid_t g = H5Gopen2(f, "model_weights", H5P_DEFAULT);
        rc = g < 0 ? gru__error(GRU_ERR_FORMAT, "%s: cannot open model_weights", gru__io_file)
                   : load_keras2(f, g, "model_weights/", m);
        if (g >= 0)
            H5Gclose(g);
    } else if ((rc = guard_loc(f)) < 0) {
        /* the message is set */
    } else if (attr_exists(f, "layer_names") || attr_exists(f, "layer_names0")) {
        rc = load_keras2(f, f, "", m);
    } else if (is_group(f, "layers")) {
        m->format = GRU_FORMAT_KERAS3_WEIGHTS_H5;
        gru__model_set_version(m, NULL, 3);
        rc = load_keras3(f, NULL, m);
    } else {
        rc = gru__error(GRU_ERR_FORMAT,
                        "%s: an HDF5 file but not a Keras one (no model_weights group, no "
                        "layer_names attribute, no layers group)", gru__io_file);
    }
    H5Fclose(f);
    if (bad_header[0])
        rc = gru__error(GRU_ERR_FORMAT, "%s", bad_header);
    return rc;
}

int gru__load_h5_memory(const void *data, size_t size, gru_model *m)
{
    return load_h5(data, size, NULL, NULL, m);
}

int gru__load_h5_keras3(const void *data, size_t size, const char *config_json,
                        const char *version, gru_model *m)
{
    return load_h5(data, size, config_json, version ? version : "3", m);
}

#else /* !GRU_HAVE_HDF5 */

int gru__load_h5_memory(const void *data, size_t size, gru_model *m)
{
    return gru__error(GRU_ERR_UNSUPPORTED,
                      "%s: reading HDF5 (.h5) files needs libhdf5 (build option GRU_WITH_HDF5)",
                      gru__io_file);
}

int gru__load_h5_keras3(const void *data, size_t size, const char *config_json,
                        const char *version, gru_model *m)
{
    return gru__load_h5_memory(data, size, m);
}

#endif
