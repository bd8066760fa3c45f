/* The library's random number generator, shared by the initializers and dropout:
 * xoshiro256** (Blackman & Vigna) seeded through splitmix64, so that every 64-bit seed,
 * 0 included, gives a well-mixed nonzero state. Uniform doubles take the top 53 bits of
 * one draw; normals use the Box-Muller transform, one normal per two uniforms (the state
 * holds no cached second value, so a stream is a pure function of the seed and of the
 * number of draws made). The integer stream is bit-identical on every platform; normals
 * also depend on the C library's log, sqrt and cos. */
#include "gru_internal.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void gru__rng_seed(gru__rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
    /* splitmix64 is a bijection of its counter, so four consecutive outputs are never
     * all zero; keep the guard anyway since xoshiro's all-zero state is a fixed point. */
    if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
        rng->s[0] = 0x9E3779B97F4A7C15ull;
}

uint64_t gru__rng_next(gru__rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double gru__rng_uniform(gru__rng *rng)
{
    return (double)(gru__rng_next(rng) >> 11) * 0x1.0p-53;
}

double gru__rng_normal(gru__rng *rng)
{
    /* u1 in (0, 1] so that log(u1) is finite; |z| <= sqrt(-2 log 2^-53) ~ 8.57. */
    double u1 = 1.0 - gru__rng_uniform(rng);
    double u2 = gru__rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925286766559 * u2);
}
