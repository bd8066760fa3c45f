/* bench/bench_floor_avx512.c: bench_floor's loops with libgru's AVX-512 vector macros
 * (compiled with -mavx512f; see bench_floor_body.h). */
#include "bench_floor.h"

#ifdef __AVX512F__
#include "cpu/x86/isa_avx512.h"

#define FL_SFX(name) name##_avx512
#include "bench_floor_body.h"

const bench_floor_isa *bench_floor_avx512(void)
{
    static const bench_floor_isa isa = {"AVX-512", VW, read_rate_avx512, step_time_avx512};
    return &isa;
}
#else
const bench_floor_isa *bench_floor_avx512(void) { return NULL; }
#endif
