/* Model files (include/gru_io.h): the Keras 2.2.4 fixture, save/load round trips, and
 * hostile input: truncated, corrupted, forged and oversized files must give a clear
 * error, never a crash or a huge allocation (run under ASan/UBSan in CI). */
#include "gru_io.h"
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* $GRU_FIXTURES, else the shared/ directory next to the repository */
static char FIXTURE[1024];
static void set_fixture(void)
{
    const char *d = getenv("GRU_FIXTURES");
    snprintf(FIXTURE, sizeof FIXTURE, "%s/keras224_gru_hardsigmoid_resetbefore.h5",
             d ? d : GRU_SOURCE_DIR "/../shared/fixtures");
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void test_fixture(void)
{
    size_t len;
    unsigned char *img = slurp(FIXTURE, &len);
    if (!img) {
        fprintf(stderr, "test_io_model: %s missing, fixture tests skipped\n", FIXTURE);
        return;
    }
#ifdef GRU_HAVE_HDF5
    gru_model *m = NULL;
    CHECK_OK(gru_model_load(FIXTURE, &m));
    if (!m) {
        free(img);
        return;
    }
    CHECK(gru_model_format(m) == GRU_FORMAT_KERAS_H5);
    CHECK(strcmp(gru_model_keras_version(m), "2.2.4") == 0);
    CHECK(gru_model_keras_major(m) == 2);
    CHECK(gru_model_num_layers(m) == 2);
    const gru_model_layer *L = gru_model_layer_at(m, 0);
    CHECK(L && strcmp(L->name, "gru_1") == 0 && L->input_dim == 1 && L->units == 64);
    CHECK(L && L->has_config && !L->config.reset_after && L->config.return_sequences);
    CHECK(L && L->config.recurrent_activation == GRU_ACT_HARD_SIGMOID);
    CHECK(L && strcmp(L->weight_names[1], "gru_1/recurrent_kernel:0") == 0);
    CHECK(gru_model_layer_at(m, 2) == NULL && gru_model_layer_at(m, -1) == NULL);
    int idx = -1;
    CHECK_OK(gru_model_find_layer(m, "gru_2", &idx));
    CHECK(idx == 1);
    CHECK_ERR(gru_model_find_layer(m, "lstm", &idx), GRU_ERR_ARG, "no GRU layer named \"lstm\"");
    CHECK_ERR(gru_model_find_layer(m, NULL, &idx), GRU_ERR_ARG, "name one of: \"gru_1\", \"gru_2\"");
    gru_layer *layer = NULL;
    CHECK_OK(gru_model_layer_create(m, 1, NULL, &layer));
    CHECK(layer && gru_layer_param_count(layer) == 3 * (64 * (64 + 64) + 64));
    gru_layer_destroy(layer);
    gru_config cfg;
    gru_config_init(&cfg, 32);
    CHECK_ERR(gru_model_layer_create(m, 1, &cfg, &layer), GRU_ERR_ARG, "units = 32");
    CHECK(layer == NULL);
    gru_config_init(&cfg, 64);
    cfg.reset_after = true;
    CHECK_ERR(gru_model_layer_create(m, 1, &cfg, &layer), GRU_ERR_ARG, "reset_after = TRUE");
    cfg.reset_after = false;
    cfg.dtype = GRU_FLOAT64; /* weights converted to the requested dtype */
    CHECK_OK(gru_model_layer_create(m, 0, &cfg, &layer));
    gru_layer_destroy(layer);
    CHECK_ERR(gru_model_layer_create(m, 5, NULL, &layer), GRU_ERR_ARG, "index: expected 0..1, got 5");

    /* save both layers and read them back: bit-exact weights */
    gru_layer *two[2] = {NULL, NULL};
    CHECK_OK(gru_model_layer_create(m, 0, NULL, &two[0]));
    CHECK_OK(gru_model_layer_create(m, 1, NULL, &two[1]));
    const char *names[2] = {"first", "second"};
    const char *out = "test_io_model_out.h5";
    CHECK_OK(gru_save_keras_h5(out, 2, (const gru_layer *const *)two, names));
    gru_model *m2 = NULL;
    CHECK_OK(gru_model_load(out, &m2));
    if (m2) {
        CHECK(gru_model_format(m2) == GRU_FORMAT_KERAS_WEIGHTS_H5 && gru_model_num_layers(m2) == 2);
        const gru_model_layer *a = gru_model_layer_at(m, 1), *b = gru_model_layer_at(m2, 1);
        CHECK(strcmp(b->name, "second") == 0);
        CHECK(memcmp(a->recurrent_kernel, b->recurrent_kernel, 64 * 192 * 4) == 0);
        CHECK(memcmp(a->bias, b->bias, 192 * 4) == 0);
        gru_model_destroy(m2);
    }
    const char *dup[2] = {"x", "x"}, *slash[2] = {"a/b", "c"};
    CHECK_ERR(gru_save_keras_h5(out, 2, (const gru_layer *const *)two, dup), GRU_ERR_ARG, "used twice");
    CHECK_ERR(gru_save_keras_h5(out, 2, (const gru_layer *const *)two, slash), GRU_ERR_ARG, "no '/'");
    CHECK_ERR(gru_save_keras_h5("/nonexistent-dir/x.h5", 2, (const gru_layer *const *)two, NULL),
              GRU_ERR_IO, "/nonexistent-dir/x.h5");
    /* safetensors, Keras layout: reset_after FALSE layers are fine; PyTorch layout is not */
    const char *st = "test_io_model_out.safetensors";
    CHECK_OK(gru_save_safetensors(st, 2, (const gru_layer *const *)two, names, GRU_LAYOUT_KERAS));
    CHECK_ERR(gru_save_safetensors(st, 2, (const gru_layer *const *)two, names, GRU_LAYOUT_PYTORCH),
              GRU_ERR_ARG, "no PyTorch nn.GRU equivalent");
#ifdef GRU_HAVE_CJSON
    CHECK_OK(gru_model_load(st, &m2));
    if (m2) {
        const gru_model_layer *a = gru_model_layer_at(m, 0), *b = gru_model_layer_at(m2, 0);
        CHECK(gru_model_num_layers(m2) == 2 && strcmp(b->name, "first") == 0);
        CHECK(memcmp(a->kernel, b->kernel, 192 * 4) == 0 && !b->config.reset_after);
        gru_model_destroy(m2);
    }
#endif
    remove(st);
    remove(out);
    gru_layer_destroy(two[0]);
    gru_layer_destroy(two[1]);
    gru_model_destroy(m);

    /* every truncation is an error, never a crash */
    int bad = 0;
    for (size_t cut = 0; cut < len; cut += len / 97 + 1) {
        gru_model *t = NULL;
        int rc = gru_model_load_memory(img, cut, "cut.h5", &t);
        bad += rc == GRU_OK || t != NULL || gru_errmsg()[0] == '\0';
        gru_model_destroy(t);
    }
    CHECK_MSG(bad == 0, "%d truncated images were not rejected", bad);
    /* corrupted bytes: an error or a model, and nothing else */
    tu_rng r = {12345};
    for (int k = 0; k < 60; k++) {
        unsigned char *c = malloc(len);
        memcpy(c, img, len);
        for (int q = 0; q < 8; q++)
            c[tu_next(&r) % len] ^= (unsigned char)(1 + tu_next(&r) % 255);
        gru_model *t = NULL;
        int rc = gru_model_load_memory(c, len, "corrupt.h5", &t);
        CHECK((rc == GRU_OK) == (t != NULL));
        gru_model_destroy(t);
        free(c);
    }
#else
    gru_model *m = NULL;
    CHECK_ERR(gru_model_load(FIXTURE, &m), GRU_ERR_UNSUPPORTED, "libhdf5");
#endif
    free(img);
}

/* safetensors images assembled by hand */
static size_t st_image(unsigned char *buf, const char *header, const void *data, size_t dlen)
{
    size_t hl = strlen(header);
    for (int b = 0; b < 8; b++)
        buf[b] = (unsigned char)((hl >> (8 * b)) & 0xff);
    memcpy(buf + 8, header, hl);
    memcpy(buf + 8 + hl, data, dlen);
    return 8 + hl + dlen;
}

static void test_safetensors_hostile(void)
{
#ifdef GRU_HAVE_CJSON
    static unsigned char buf[8192];
    float data[64];
    for (int i = 0; i < 64; i++)
        data[i] = (float)i;
    gru_model *m = NULL;
    /* I = 1, H = 1: weight_ih (3, 1), weight_hh (3, 1), bias_ih (3), bias_hh (3) = 48 bytes */
    const char *ok = "{\"weight_ih_l0\":{\"dtype\":\"F32\",\"shape\":[3,1],\"data_offsets\":[0,12]},"
                     "\"weight_hh_l0\":{\"dtype\":\"F32\",\"shape\":[3,1],\"data_offsets\":[12,24]},"
                     "\"bias_ih_l0\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]},"
                     "\"bias_hh_l0\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[36,48]}}";
    size_t n = st_image(buf, ok, data, 48);
    CHECK_OK(gru_model_load_memory(buf, n, "ok.safetensors", &m));
    if (m) {
        const gru_model_layer *L = gru_model_layer_at(m, 0);
        const float *k = L->kernel, *b = L->bias;
        /* PyTorch rows r, z, n -> Keras z, r, h: kernel = [1, 0, 2], bias rows [7,6,8],[10,9,11] */
        CHECK(L->config.reset_after && L->config.recurrent_activation == GRU_ACT_SIGMOID);
        CHECK(k[0] == 1 && k[1] == 0 && k[2] == 2);
        CHECK(b[0] == 7 && b[1] == 6 && b[2] == 8 && b[3] == 10 && b[4] == 9 && b[5] == 11);
        CHECK(strcmp(L->name, "l0") == 0);
        gru_model_destroy(m);
    }
    struct { const char *hdr; size_t dlen; const char *needle; } cases[] = {
        {"{\"weight_ih_l0\":{\"dtype\":\"F32\",\"shape\":[3,1],\"data_offsets\":[0,12]}}", 12,
         "weight_hh is missing"},
        {"{\"weight_ih_l0\":{\"dtype\":\"F32\",\"shape\":[3000000000,1000000],\"data_offsets\":[0,12]},"
         "\"weight_hh_l0\":{\"dtype\":\"F32\",\"shape\":[3,1],\"data_offsets\":[12,24]}}", 24,
         "data_offsets span 12 bytes but the shape needs"},
        {"{\"weight_ih_l0\":{\"dtype\":\"F32\",\"shape\":[3,1],\"data_offsets\":[0,99999]},"
         "\"weight_hh_l0\":{\"dtype\":\"F32\",\"shape\":[3,1],\"data_offsets\":[12,24]}}", 24,
         "out of the data section"},
        {"{\"weight_ih_l0\":{\"dtype\":\"I32\",\"shape\":[3,1],\"data_offsets\":[0,12]},"
         "\"weight_hh_l0\":{\"dtype\":\"F32\",\"shape\":[3,1],\"data_offsets\":[12,24]}}", 24,
         "not a float type"},
        {"{\"weight_ih_l0\":{\"dtype\":\"F32\",\"shape\":[3,1],\"data_offsets\":[0,12]},"
         "\"weight_hh_l0\":{\"dtype\":\"F32\",\"shape\":[3,1],\"data_offsets\":[12,24]},"
         "\"bias_ih_l0\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}}", 36,
         "bias_ih and bias_hh must both"},
        {"{\"weight_ih_l0\":{\"dtype\":\"F32\",\"shape\":[2,1],\"data_offsets\":[0,8]},"
         "\"weight_hh_l0\":{\"dtype\":\"F32\",\"shape\":[3,1],\"data_offsets\":[8,20]}}", 20,
         "expected weight_ih (3H, I)"},
        {"{\"weight_ih_l0\":{\"dtype\":\"F32\",\"shape\":[-3,1],\"data_offsets\":[0,12]},"
         "\"weight_hh_l0\":{\"dtype\":\"F32\",\"shape\":[3,1],\"data_offsets\":[0,12]}}", 12,
         "integers >= 0"},
        {"{\"weight_ih_l0\":{\"dtype\":\"F32\",\"shape\":[3,1],\"data_offsets\":[0]},"
         "\"weight_hh_l0\":{\"dtype\":\"F32\",\"shape\":[3,1],\"data_offsets\":[0,12]}}", 12,
         "data_offsets [begin, end]"},
        {"{\"weight_ih_l0\":", 0, "not a JSON object"},
        {"{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", 12, "no GRU layer"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        n = st_image(buf, cases[c].hdr, data, cases[c].dlen);
        CHECK_ERR(gru_model_load_memory(buf, n, "bad.safetensors", &m), GRU_ERR_FORMAT, cases[c].needle);
        CHECK(m == NULL);
    }
    /* a header length larger than the file */
    n = st_image(buf, ok, data, 48);
    buf[5] = 0x7f;
    CHECK_ERR(gru_model_load_memory(buf, n, "big.safetensors", &m), GRU_ERR_FORMAT, "does not fit");
    /* every truncation of a valid file */
    n = st_image(buf, ok, data, 48);
    int bad = 0;
    for (size_t cut = 0; cut < n; cut++) {
        int rc = gru_model_load_memory(buf, cut, "cut.safetensors", &m);
        bad += rc == GRU_OK;
        gru_model_destroy(m);
    }
    CHECK_MSG(bad == 0, "%d truncated safetensors accepted", bad);
#endif
}

static void test_misc_errors(void)
{
    gru_model *m = (gru_model *)1;
    CHECK_ERR(gru_model_load(NULL, &m), GRU_ERR_NULL, "path");
    CHECK_ERR(gru_model_load("/nonexistent/file.h5", &m), GRU_ERR_IO, "cannot open");
    CHECK(m == NULL);
    CHECK_ERR(gru_model_load_memory("hello world, not a model", 24, "junk.bin", &m), GRU_ERR_FORMAT,
              "junk.bin: not a model file");
    CHECK_ERR(gru_model_load_memory("", 0, "empty", &m), GRU_ERR_FORMAT, "empty");
    static const unsigned char zip[] = {'P', 'K', 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    int rc = gru_model_load_memory(zip, sizeof zip, "x.keras", &m);
    CHECK(rc == GRU_ERR_FORMAT || rc == GRU_ERR_UNSUPPORTED);
    static const unsigned char h5[] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0};
    rc = gru_model_load_memory(h5, sizeof h5, "x.h5", &m);
    CHECK(rc == GRU_ERR_FORMAT || rc == GRU_ERR_UNSUPPORTED);
    CHECK(m == NULL);
    gru_model_destroy(NULL);
    CHECK(gru_model_num_layers(NULL) == 0 && gru_model_layer_at(NULL, 0) == NULL);
    CHECK(strcmp(gru_file_format_name(GRU_FORMAT_KERAS3), "keras3") == 0);
}

int main(void)
{
    set_fixture();
    test_misc_errors();
    test_fixture();
    test_safetensors_hostile();
    return tu_finish("test_io_model");
}
