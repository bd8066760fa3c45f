/* libFuzzer target: gru_model_load_memory (format detection + every reader). */
#include "gru_io.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gru_model *m = NULL;
    int rc = gru_model_load_memory(data, size, "fuzz", &m);
    if ((rc == GRU_OK) != (m != NULL))
        abort();
    gru_model_destroy(m);
    return 0;
}
