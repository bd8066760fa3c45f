/* bench/bench_floor_avx2.c: bench_floor's loops with libgru's AVX2 + FMA vector macros
 * (compiled with -mavx2 -mfma; see bench_floor_body.h), for CPUs without AVX-512. */
#include "bench_floor.h"

#if defined(__AVX2__) && defined(__FMA__)
#include "cpu/x86/isa_avx2.h"

#define FL_SFX(name) name##_avx2
#include "bench_floor_body.h"

const bench_floor_isa *bench_floor_avx2(void)
{
    static const bench_floor_isa isa = {"AVX2 + FMA", VW, read_rate_avx2, step_time_avx2};
    return &isa;
}
#else
const bench_floor_isa *bench_floor_avx2(void) { return NULL; }
#endif
