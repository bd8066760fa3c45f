/* Shared body of the reader fuzz targets: run one loader on the input and check the
 * contract (a status, a model exactly on success, a message on failure). */
#ifndef GRU_FUZZ_COMMON_H
#define GRU_FUZZ_COMMON_H

#include "io_internal.h"

#include <stdlib.h>

static int gru_fuzz_model(const uint8_t *data, size_t size,
                          int (*load)(const void *, size_t, gru_model *))
{
    gru_model *m = NULL;
    if (gru__model_new(&m) != GRU_OK)
        return 0;
    gru__io_file = "fuzz";
    int rc = load(data, size, m);
    if (rc < 0 && gru_errmsg()[0] == '\0')
        abort(); /* every error carries a message */
    /* touch every layer's arrays so that ASan sees any short allocation */
    volatile double sink = 0;
    for (int i = 0; rc == GRU_OK && i < m->n; i++) {
        const gru_model_layer *L = &m->layers[i];
        size_t es = gru_dtype_size(L->dtype);
        size_t nk = (size_t)(L->input_dim * 3 * L->units), nr = (size_t)(L->units * 3 * L->units);
        sink += ((const unsigned char *)L->kernel)[nk * es - 1];
        sink += ((const unsigned char *)L->recurrent_kernel)[nr * es - 1];
        if (L->bias)
            sink += ((const unsigned char *)L->bias)[(size_t)((L->config.reset_after ? 2 : 1) * 3 *
                                                              L->units) * es - 1];
        gru_layer *layer = NULL;
        if (gru_model_layer_create(m, i, NULL, &layer) == GRU_OK)
            gru_layer_destroy(layer);
    }
    (void)sink;
    gru_model_destroy(m);
    return 0;
}

#endif
