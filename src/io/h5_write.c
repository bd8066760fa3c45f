/* Writing GRU weights as a Keras 2 / tf.keras weights-only HDF5 file, the layout that
 * model.save_weights("x.h5") produces and model.load_weights() reads:
 *
 *   /                        attrs: layer_names = [b"gru", ...] (fixed-length strings),
 *                                   backend = "tensorflow", keras_version = "2.21.0"
 *   /<name>/                 attr:  weight_names = [b"<name>/gru_cell/kernel:0",
 *                                                   b"<name>/gru_cell/recurrent_kernel:0",
 *                                                   b"<name>/gru_cell/bias:0"]
 *   /<name>/<name>/gru_cell/kernel:0            (I, 3H)   float32 or float64
 *   /<name>/<name>/gru_cell/recurrent_kernel:0  (H, 3H)
 *   /<name>/<name>/gru_cell/bias:0              (3H) or (2, 3H); absent without bias
 *
 * tf.keras matches layers by position among the model's layers that have weights, so the
 * file loads into a model whose GRU layers come in the same order. */
#include "io_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef GRU_HAVE_HDF5
#include <hdf5.h>

static int put_str_list(hid_t loc, const char *name, char names[][GRU_IO_NAME_MAX + 64], int n)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) > len)
            len = strlen(names[i]);
    char *buf = calloc((size_t)n, len);
    if (!buf)
        return gru__error(GRU_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++)
        memcpy(buf + (size_t)i * len, names[i], strlen(names[i]));
    hsize_t dims[1] = {(hsize_t)n};
    hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate_simple(1, dims, NULL), a = -1;
    int rc = GRU_OK;
    if (t < 0 || sp < 0 || H5Tset_size(t, len) < 0 || H5Tset_strpad(t, H5T_STR_NULLPAD) < 0 ||
        (a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT)) < 0 || H5Awrite(a, t, buf) < 0)
        rc = gru__error(GRU_ERR_IO, "cannot write attribute %s", name);
    if (a >= 0)
        H5Aclose(a);
    if (sp >= 0)
        H5Sclose(sp);
    if (t >= 0)
        H5Tclose(t);
    free(buf);
    return rc;
}

static int put_str(hid_t loc, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR), a = -1;
    int rc = GRU_OK;
    if (t < 0 || sp < 0 || H5Tset_size(t, strlen(value) + 1) < 0 ||
        H5Tset_strpad(t, H5T_STR_NULLTERM) < 0 ||
        (a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Awrite(a, t, value) < 0)
        rc = gru__error(GRU_ERR_IO, "cannot write attribute %s", name);
    if (a >= 0)
        H5Aclose(a);
    if (sp >= 0)
        H5Sclose(sp);
    if (t >= 0)
        H5Tclose(t);
    return rc;
}

static int put_array(hid_t loc, const char *path, const gru_tensor *t)
{
    hsize_t dims[2] = {(hsize_t)t->shape[0], (hsize_t)(t->ndim == 2 ? t->shape[1] : 0)};
    hid_t ftype = t->dtype == GRU_FLOAT64 ? H5T_IEEE_F64LE : H5T_IEEE_F32LE;
    hid_t mtype = t->dtype == GRU_FLOAT64 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT;
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), sp = H5Screate_simple(t->ndim, dims, NULL), d = -1;
    int rc = GRU_OK;
    if (lcpl < 0 || sp < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0 ||
        (d = H5Dcreate2(loc, path, ftype, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, t->data) < 0)
        rc = gru__error(GRU_ERR_IO, "cannot write dataset %s", path);
    if (d >= 0)
        H5Dclose(d);
    if (sp >= 0)
        H5Sclose(sp);
    if (lcpl >= 0)
        H5Pclose(lcpl);
    return rc;
}

static int write_layer(hid_t f, const gru_layer *L, const char *name)
{
    const gru_config *c = gru_layer_config(L);
    int64_t I = c->input_dim, H = c->units;
    gru_dtype dt = c->dtype == GRU_FLOAT64 ? GRU_FLOAT64 : GRU_FLOAT32;
    size_t es = gru_dtype_size(dt);
    void *k = gru__alloc((size_t)(I * 3 * H) * es), *r = gru__alloc((size_t)(H * 3 * H) * es);
    void *b = c->use_bias ? gru__alloc((size_t)((c->reset_after ? 2 : 1) * 3 * H) * es) : NULL;
    int rc = GRU_OK;
    hid_t g = -1;
    if (!k || !r || (c->use_bias && !b)) {
        rc = gru__error(GRU_ERR_NOMEM, "out of memory");
        goto out;
    }
    gru_tensor tk = gru_tensor_2d(dt, I, 3 * H, k), tr = gru_tensor_2d(dt, H, 3 * H, r);
    gru_tensor tb = c->reset_after ? gru_tensor_2d(dt, 2, 3 * H, b) : gru_tensor_1d(dt, 3 * H, b);
    rc = gru_layer_get_weights(L, &tk, &tr, c->use_bias ? &tb : NULL);
    if (rc < 0)
        goto out;
    g = H5Gcreate2(f, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        rc = gru__error(GRU_ERR_IO, "cannot create group %s", name);
        goto out;
    }
    static const char *const what[3] = {"kernel", "recurrent_kernel", "bias"};
    const gru_tensor *src[3] = {&tk, &tr, &tb};
    char wn[3][GRU_IO_NAME_MAX + 64];
    int nw = c->use_bias ? 3 : 2;
    for (int w = 0; w < nw && rc == GRU_OK; w++) {
        snprintf(wn[w], sizeof wn[w], "%s/gru_cell/%s:0", name, what[w]);
        rc = put_array(g, wn[w], src[w]);
    }
    if (rc == GRU_OK)
        rc = put_str_list(g, "weight_names", wn, nw);
out:
    if (g >= 0)
        H5Gclose(g);
    gru__free(k);
    gru__free(r);
    gru__free(b);
    return rc;
}

int gru_save_keras_h5(const char *path, int n, const gru_layer *const *layers,
                      const char *const *names)
{
    if (!path)
        return gru__error(GRU_ERR_NULL, "path: is NULL");
    if (!layers)
        return gru__error(GRU_ERR_NULL, "layers: is NULL");
    if (n < 1 || n > 4096)
        return gru__error(GRU_ERR_ARG, "n: expected 1..4096 layers, got %d", n);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char(*ln)[GRU_IO_NAME_MAX + 64] = calloc((size_t)n, sizeof *ln);
    if (!ln)
        return gru__error(GRU_ERR_NOMEM, "out of memory");
    int rc = GRU_OK;
    for (int i = 0; i < n && rc == GRU_OK; i++) {
        if (!layers[i])
            rc = gru__error(GRU_ERR_NULL, "layers[%d]: is NULL", i);
        else if (names && names[i] && (!names[i][0] || strchr(names[i], '/') ||
                                       strlen(names[i]) >= GRU_IO_NAME_MAX))
            rc = gru__error(GRU_ERR_ARG, "names[%d]: \"%s\" is not a usable layer name (non-empty, "
                            "no '/')", i, names[i]);
        else if (names && names[i])
            snprintf(ln[i], sizeof ln[i], "%s", names[i]);
        else if (i == 0)
            snprintf(ln[i], sizeof ln[i], "gru");
        else
            snprintf(ln[i], sizeof ln[i], "gru_%d", i);
        for (int q = 0; q < i && rc == GRU_OK; q++)
            if (strcmp(ln[q], ln[i]) == 0)
                rc = gru__error(GRU_ERR_ARG, "names[%d]: \"%s\" is used twice", i, ln[i]);
    }
    if (rc < 0) {
        free(ln);
        return rc;
    }
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    if (!tmp) {
        free(ln);
        return gru__error(GRU_ERR_NOMEM, "out of memory");
    }
    snprintf(tmp, plen + 32, "%s.tmp%ld", path, (long)getpid());
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        rc = gru__error(GRU_ERR_IO, "%s: cannot create the file", path);
        goto out;
    }
    rc = put_str_list(f, "layer_names", ln, n);
    if (rc == GRU_OK)
        rc = put_str(f, "backend", "tensorflow");
    if (rc == GRU_OK)
        rc = put_str(f, "keras_version", "2.21.0");
    for (int i = 0; i < n && rc == GRU_OK; i++)
        rc = write_layer(f, layers[i], ln[i]);
    if (H5Fclose(f) < 0 && rc == GRU_OK)
        rc = gru__error(GRU_ERR_IO, "%s: cannot finish writing", path);
    if (rc == GRU_OK && rename(tmp, path) != 0)
        rc = gru__error(GRU_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    if (rc < 0) {
        remove(tmp);
        if (strncmp(gru_errmsg(), path, plen) != 0) {
            char m[400];
            snprintf(m, sizeof m, "%s", gru_errmsg());
            rc = gru__error(rc, "%s: %s", path, m);
        }
    }
out:
    free(tmp);
    free(ln);
    return rc;
}

#else

int gru_save_keras_h5(const char *path, int n, const gru_layer *const *layers,
                      const char *const *names)
{
    return gru__error(GRU_ERR_UNSUPPORTED,
                      "writing Keras .h5 files needs libhdf5 (build option GRU_WITH_HDF5)");
}

#endif
