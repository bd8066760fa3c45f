/* libFuzzer target: safetensors files. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return gru_fuzz_model(data, size, gru__load_safetensors);
}
