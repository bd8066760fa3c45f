/* libFuzzer target: Keras HDF5 files (Keras 1/2, tf.keras, Keras 3 .weights.h5). Note
 * that crashes inside libhdf5 itself on corrupted files are possible and belong to that
 * library; see scripts/fuzz-smoke.sh. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return gru_fuzz_model(data, size, gru__load_h5_memory);
}
