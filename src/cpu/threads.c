/* A small persistent thread pool for the fast kernels: the caller plus nth - 1 workers
 * that wait for a job by spinning briefly and then sleeping on a condition variable, and
 * a spinning barrier for the steps inside a job. Nothing is allocated after creation. */
#define _POSIX_C_SOURCE 200809L
#include "cpu/fast.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define GRU_PAUSE() _mm_pause()
#else
#define GRU_PAUSE() ((void)0)
#endif

/* Spin this long for a new job before sleeping (a forward called in a loop finds its
 * workers awake), and this many barrier spins before yielding the core. */
#define GRU_POOL_SPIN_NS 200000L
#define GRU_BARRIER_SPINS_BEFORE_YIELD 20000

typedef struct gru__epoch {
    _Alignas(64) atomic_ulong v;
    char pad[64 - sizeof(atomic_ulong)];
} gru__epoch;

typedef struct gru__worker {
    gru__pool *pool;
    int tid;
    pthread_t th;
} gru__worker;

struct gru__pool {
    int nth;
    gru__worker *workers;                /* (nth - 1) */
    int started;                         /* workers created */
    /* job hand-off */
    _Alignas(64) atomic_uint gen;        /* incremented for each job */
    atomic_int stop;
    gru__pool_fn fn;
    void *ctx;
    _Alignas(64) atomic_int pending;     /* workers still in the current job */
    _Alignas(64) atomic_int sleepers;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* barrier: thread t publishes how many barriers it has reached in epoch[t].v (one
     * cache line each); a barrier waits until every other thread's count reaches its own.
     * No read-modify-write on a shared line: one line transfer per peer per barrier. */
    gru__epoch *epoch;                   /* (nth) */
};

static long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void *worker_main(void *arg)
{
    gru__worker *w = arg;
    gru__pool *p = w->pool;
    unsigned seen = 0; /* gen is 0 when the pool is created */
    for (;;) {
        /* wait for a new generation: spin, then sleep */
        long t0 = now_ns();
        int spins = 0;
        while (atomic_load_explicit(&p->gen, memory_order_acquire) == seen &&
               !atomic_load_explicit(&p->stop, memory_order_relaxed)) {
            GRU_PAUSE();
            if (++spins == 256) {
                spins = 0;
                if (now_ns() - t0 > GRU_POOL_SPIN_NS) {
                    pthread_mutex_lock(&p->mu);
                    atomic_fetch_add(&p->sleepers, 1);
                    while (atomic_load(&p->gen) == seen && !atomic_load(&p->stop))
                        pthread_cond_wait(&p->cv, &p->mu);
                    atomic_fetch_sub(&p->sleepers, 1);
                    pthread_mutex_unlock(&p->mu);
                }
            }
        }
        if (atomic_load(&p->stop))
            break;
        seen = atomic_load_explicit(&p->gen, memory_order_acquire);
        p->fn(p->ctx, w->tid, p->nth);
        atomic_fetch_sub_explicit(&p->pending, 1, memory_order_release);
    }
    return NULL;
}

int gru__pool_create(int nth, gru__pool **out)
{
    *out = NULL;
    if (nth < 2)
        return gru__error(GRU_ERR_ARG, "threads: expected >= 2 for a pool, got %d", nth);
    gru__pool *p = gru__alloc(sizeof *p);
    if (!p)
        return gru__error(GRU_ERR_NOMEM, "threads: out of memory");
    p->nth = nth;
    atomic_init(&p->gen, 0);
    atomic_init(&p->stop, 0);
    atomic_init(&p->pending, 0);
    atomic_init(&p->sleepers, 0);
    if (pthread_mutex_init(&p->mu, NULL)) {
        gru__free(p);
        return gru__error(GRU_ERR_NOMEM, "threads: cannot create a mutex");
    }
    if (pthread_cond_init(&p->cv, NULL)) {
        pthread_mutex_destroy(&p->mu);
        gru__free(p);
        return gru__error(GRU_ERR_NOMEM, "threads: cannot create a condition variable");
    }
    p->workers = gru__alloc((size_t)(nth - 1) * sizeof *p->workers);
    p->epoch = gru__alloc((size_t)nth * sizeof *p->epoch);
    if (!p->workers || !p->epoch) {
        gru__pool_destroy(p);
        return gru__error(GRU_ERR_NOMEM, "threads: out of memory");
    }
    for (int i = 0; i < nth - 1; i++) {
        p->workers[i].pool = p;
        p->workers[i].tid = i + 1;
        if (pthread_create(&p->workers[i].th, NULL, worker_main, &p->workers[i])) {
            gru__pool_destroy(p);
            return gru__error(GRU_ERR_NOMEM, "threads: cannot start worker thread %d of %d",
                              i + 1, nth - 1);
        }
        p->started++;
    }
    *out = p;
    return GRU_OK;
}

void gru__pool_destroy(gru__pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->started; i++)
        pthread_join(p->workers[i].th, NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    gru__free(p->workers);
    gru__free(p->epoch);
    gru__free(p);
}

void gru__pool_run(gru__pool *p, gru__pool_fn fn, void *ctx)
{
    if (!p || p->nth < 2) {
        fn(ctx, 0, 1);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    atomic_store(&p->pending, p->nth - 1);
    atomic_fetch_add(&p->gen, 1); /* seq_cst: pairs with the sleepers check below */
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    fn(ctx, 0, p->nth);
    int spins = 0;
    while (atomic_load_explicit(&p->pending, memory_order_acquire) > 0) {
        GRU_PAUSE();
        if (++spins > GRU_BARRIER_SPINS_BEFORE_YIELD) {
            spins = 0;
            sched_yield();
        }
    }
}

void gru__pool_arrive(gru__pool *p, int tid)
{
    if (!p || p->nth < 2)
        return;
    /* Every thread of a job calls the same number of barriers, so the counts agree
     * across jobs too and never need resetting. */
    unsigned long mine = atomic_load_explicit(&p->epoch[tid].v, memory_order_relaxed) + 1;
    atomic_store_explicit(&p->epoch[tid].v, mine, memory_order_release);
}

void gru__pool_wait(gru__pool *p, int tid)
{
    if (!p || p->nth < 2)
        return;
    const unsigned long mine = atomic_load_explicit(&p->epoch[tid].v, memory_order_relaxed);
    for (int i = 0; i < p->nth; i++) {
        if (i == tid)
            continue;
        int spins = 0;
        while (atomic_load_explicit(&p->epoch[i].v, memory_order_acquire) < mine) {
            GRU_PAUSE();
            if (++spins > GRU_BARRIER_SPINS_BEFORE_YIELD) {
                spins = 0;
                sched_yield();
            }
        }
    }
}

void gru__pool_barrier(gru__pool *p, int tid)
{
    gru__pool_arrive(p, tid);
    gru__pool_wait(p, tid);
}
