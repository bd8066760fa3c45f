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

/* Closes the HDF5 objects ids[0..n) that were made (>= 0), whatever their kind. */
static void close_ids(const hid_t *ids, int n)
{
    for (int i = 0; i < n; i++)
        if (ids[i] >= 0)
            H5Idec_ref(ids[i]);
}

/* A fixed-length string type of len bytes padded with pad; -1 on failure. */
static hid_t str_type(size_t len, H5T_str_t pad)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, len) < 0 || H5Tset_strpad(t, pad) < 0)) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* Writes buf as the attribute `name` of loc, of type t over dataspace sp, and closes t and
 * sp (-1 for either: it could not be made). */
static int put_attr(hid_t loc, const char *name, hid_t t, hid_t sp, const void *buf)
{
    hid_t a = -1;
    int rc = GRU_OK;
    if (t < 0 || sp < 0 || (a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Awrite(a, t, buf) < 0)
        rc = gru__error(GRU_ERR_IO, "cannot write attribute %s", name);
    close_ids((hid_t[3]){a, sp, t}, 3);
    return rc;
}

static int put_str_list(hid_t loc, const char *name, char names[][GRU_IO_NAME_MAX + 64], int n)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) > len)
            len = strlen(names[i]);
    char *buf = calloc(n > 0 ? (size_t)n : 1, len); /* n = 0: an empty list, still a buffer */
    if (!buf)
        return gru__error(GRU_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++)
        memcpy(buf + (size_t)i * len, names[i], strlen(names[i]));
    hsize_t dims[1] = {(hsize_t)n};
    int rc = put_attr(loc, name, str_type(len, H5T_STR_NULLPAD), H5Screate_simple(1, dims, NULL),
                      buf);
    free(buf);
    return rc;
}

static int put_str(hid_t loc, const char *name, const char *value)
{
    return put_attr(loc, name, str_type(strlen(value) + 1, H5T_STR_NULLTERM),
                    H5Screate(H5S_SCALAR), value);
}

static int put_array(hid_t loc, const char *path, const gru_tensor *t)
{
    hsize_t dims[2] = {(hsize_t)t->shape[0], (hsize_t)(t->ndim == 2 ? t->shape[1] : 0)};
    hid_t ftype = t->dtype == GRU_FLOAT64 ? H5T_IEEE_F64LE : H5T_IEEE_F32LE;
    hid_t mtype = t->dtype == GRU_FLOAT64 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT;
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), dcpl = H5Pcreate(H5P_DATASET_CREATE),
          sp = H5Screate_simple(t->ndim, dims, NULL), d = -1;
    int rc = GRU_OK;
    /* no modification times: the same weights give the same bytes */
    if (lcpl < 0 || dcpl < 0 || sp < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0 ||
        H5Pset_obj_track_times(dcpl, 0) < 0 ||
        (d = H5Dcreate2(loc, path, ftype, sp, lcpl, dcpl, H5P_DEFAULT)) < 0 ||
        H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, t->data) < 0)
        rc = gru__error(GRU_ERR_IO, "cannot write dataset %s", path);
    close_ids((hid_t[4]){d, sp, dcpl, lcpl}, 4);
    return rc;
}

static int write_layer(hid_t f, const gru_layer *L, const char *name)
{
    const gru_config *c = gru_layer_config(L);
    gru_tensor w[3]; /* kernel (I, 3H), recurrent_kernel (H, 3H), bias (3H) or (2, 3H) */
    int rc = gru__layer_weights(L, w);
    if (rc < 0)
        return rc;
    hid_t g = H5Gcreate2(f, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        rc = gru__error(GRU_ERR_IO, "cannot create group %s", name);
        goto out;
    }
    static const char *const what[3] = {"kernel", "recurrent_kernel", "bias"};
    char wn[3][GRU_IO_NAME_MAX + 64];
    int nw = c->use_bias ? 3 : 2;
    for (int i = 0; i < nw && rc == GRU_OK; i++) {
        snprintf(wn[i], sizeof wn[i], "%s/gru_cell/%s:0", name, what[i]);
        rc = put_array(g, wn[i], &w[i]);
    }
    if (rc == GRU_OK)
        rc = put_str_list(g, "weight_names", wn, nw);
    H5Gclose(g);
out:
    gru__weights_free(w);
    return rc;
}

int gru_save_keras_h5(const char *path, int n, const gru_layer *const *layers,
                      const char *const *names)
{
    int rc = gru__save_args(path, n, layers);
    if (rc < 0)
        return rc;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char(*ln)[GRU_IO_NAME_MAX + 64] = calloc((size_t)n, sizeof *ln);
    if (!ln)
        return gru__error(GRU_ERR_NOMEM, "out of memory");
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
