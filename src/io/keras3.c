/* Keras 3 .keras files: a zip archive of metadata.json ({"keras_version": "3.x", ...}),
 * config.json (the model's configuration) and model.weights.h5 (the weights, read by
 * h5.c). Read with libzip from memory; every member's size is bounded before it is
 * allocated. */
#include "io_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef GRU_HAVE_ZIP
#include <zip.h>
#ifdef GRU_HAVE_CJSON
#include <cjson/cJSON.h>
#endif

#define MAX_JSON_BYTES ((zip_uint64_t)64 << 20)

/* Read member `name` into a malloc'ed buffer (NUL-terminated), at most `limit` bytes. */
static int read_member(zip_t *z, const char *name, zip_uint64_t limit, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat(z, name, 0, &st) < 0)
        return gru__error(GRU_ERR_FORMAT, "%s: the .keras archive has no %s", gru__io_file, name);
    if (!(st.valid & ZIP_STAT_SIZE) || st.size > limit)
        return gru__error(GRU_ERR_FORMAT, "%s: %s: size %llu is out of range (at most %llu)",
                          gru__io_file, name, (unsigned long long)st.size,
                          (unsigned long long)limit);
    zip_file_t *zf = zip_fopen(z, name, 0);
    if (!zf)
        return gru__error(GRU_ERR_FORMAT, "%s: cannot open %s in the archive: %s", gru__io_file,
                          name, zip_strerror(z));
    char *buf = malloc((size_t)st.size + 1);
    if (!buf) {
        zip_fclose(zf);
        return gru__error(GRU_ERR_NOMEM, "out of memory reading %s", name);
    }
    zip_int64_t got = 0;
    while ((zip_uint64_t)got < st.size) {
        zip_int64_t k = zip_fread(zf, buf + got, st.size - (zip_uint64_t)got);
        if (k <= 0)
            break;
        got += k;
    }
    zip_fclose(zf);
    if ((zip_uint64_t)got != st.size) {
        free(buf);
        return gru__error(GRU_ERR_FORMAT, "%s: %s is truncated or corrupted (read %lld of %llu "
                          "bytes)", gru__io_file, name, (long long)got,
                          (unsigned long long)st.size);
    }
    buf[got] = '\0';
    *out = buf;
    *len = (size_t)got;
    return GRU_OK;
}

int gru__load_keras3_zip(const void *data, size_t size, gru_model *m)
{
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = zip_source_buffer_create(data, size, 0, &err);
    if (!src) {
        zip_error_fini(&err);
        return gru__error(GRU_ERR_NOMEM, "out of memory");
    }
    zip_t *z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
    if (!z) {
        int rc = gru__error(GRU_ERR_FORMAT, "%s: not a readable zip (.keras) archive: %s",
                            gru__io_file, zip_error_strerror(&err));
        zip_source_free(src);
        zip_error_fini(&err);
        return rc;
    }
    zip_error_fini(&err);
    char *meta = NULL, *config = NULL, *weights = NULL;
    size_t ml, cl, wl;
    char version[64] = "3";
    int rc = read_member(z, "metadata.json", MAX_JSON_BYTES, &meta, &ml);
    if (rc == GRU_OK)
        rc = read_member(z, "config.json", MAX_JSON_BYTES, &config, &cl);
    if (rc == GRU_OK)
        rc = read_member(z, "model.weights.h5", (zip_uint64_t)GRU_IO_MAX_ARRAY_BYTES * 4, &weights,
                         &wl);
    if (rc < 0)
        goto out;
#ifdef GRU_HAVE_CJSON
    {
        cJSON *mj = cJSON_Parse(meta);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(mj, "keras_version");
        if (!mj) {
            rc = gru__error(GRU_ERR_FORMAT, "%s: metadata.json is not valid JSON", gru__io_file);
        } else if (cJSON_IsString(v)) {
            snprintf(version, sizeof version, "%s", v->valuestring);
        }
        cJSON_Delete(mj);
        if (rc < 0)
            goto out;
    }
#endif
    rc = gru__load_h5_keras3(weights, wl, config, version, m);
out:
    free(meta);
    free(config);
    free(weights);
    zip_close(z);
    return rc;
}

#else

int gru__load_keras3_zip(const void *data, size_t size, gru_model *m)
{
    return gru__error(GRU_ERR_UNSUPPORTED,
                      "%s: reading Keras 3 .keras files needs libzip (build option GRU_WITH_ZIP)",
                      gru__io_file);
}

#endif
