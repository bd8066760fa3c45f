/* bench/bench_floor.h: the pieces of bench_floor (bench_floor.c) compiled once per
 * instruction set (bench_floor_avx512.c, bench_floor_avx2.c, each including
 * bench_floor_body.h with its own vector macros and code generation flags). */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H
#include <stddef.h>

/* A 64-byte aligned buffer; huge: on 2 MiB boundaries, asking for huge pages. */
void *bench_floor_alloc(size_t bytes, int huge);
/* Seconds on CLOCK_MONOTONIC. */
double bench_floor_now(void);

typedef struct bench_floor_isa {
    const char *name; /* "AVX-512", "AVX2 + FMA" */
    int vw;           /* floats per vector: a row of the kernel is 12 vectors */
    /* bytes per second of reading a buffer of `bytes` again and again */
    double (*read_rate)(size_t bytes, int huge, double secs);
    /* seconds per step of the bare B = 1 step for H units (see bench_floor.c) */
    double (*step_time)(int H, int alternate, int huge, double secs);
} bench_floor_isa;

/* NULL when this build has no such code (another architecture, or a compiler without
 * the flags); the caller checks that the CPU has the instruction set. */
const bench_floor_isa *bench_floor_avx512(void);
const bench_floor_isa *bench_floor_avx2(void);

#endif /* BENCH_FLOOR_H */
