/* libFuzzer target: the .npy reader (include/gru_npy.h). */
#include "gru_npy.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gru_npy_array a;
    int rc = gru_npy_read_mem(data, size, &a);
    if (rc == GRU_OK) {
        volatile unsigned char sink = 0;
        if (a.nbytes)
            sink = ((const unsigned char *)a.data)[a.nbytes - 1];
        (void)sink;
    } else if (a.data != NULL) {
        abort();
    }
    gru_npy_free(&a);
    size_t used = 0;
    if (gru_npy_read_mem_prefix(data, size, &a, &used) == GRU_OK && used > size)
        abort();
    gru_npy_free(&a);
    return 0;
}
