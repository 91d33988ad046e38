#ifndef CATALOG_CSCOREBOARD_H
#define CATALOG_CSCOREBOARD_H
/* The pool's shared-memory scoreboard: its layout (defined here once: the Swift side
   reads the sizes, states and counter indices from these definitions) and the atomic,
   seqlocked accessors Swift goes through. Header-only so the per-request calls inline;
   scoreboard.c checks the layout at compile time. */
#include <sys/mman.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* ======================================================================
   The scoreboard: one MAP_SHARED|MAP_ANONYMOUS mapping made by the master before
   it forks, so every worker writes into the same memory.

   - One slot per worker process. Only that worker writes its slot while it lives
     (the master fills it before fork and clears it after reaping), so a seqlock
     is enough: the writer makes `seq` odd, writes, makes it even; readers copy and
     retry when `seq` changed or was odd.
   - Counters are 64-bit atomics (relaxed: they are statistics).
   - Per (method, route template, status): a count, a latency sum and histogram
     buckets, in an open-addressing table whose entries are claimed with a CAS.

   Swift sees the mapping only as a raw pointer and goes through these functions, so
   the large fixed arrays are never imported as Swift tuples.
   ====================================================================== */

#define CATALOG_SB_MAGIC 0x43415441534231ULL /* "CATASB1" */
#define CATALOG_SB_SLOTS 544                 /* 256 workers x 2 generations, plus slack */
#define CATALOG_SB_METHOD_LEN 16
#define CATALOG_SB_PATH_LEN 192
#define CATALOG_SB_ID_LEN 136
#define CATALOG_SB_ROUTES 512
#define CATALOG_SB_ROUTE_LEN 112
#define CATALOG_SB_BUCKETS 13
#define CATALOG_SB_PASSWORD_SLOTS 64         /* the most CATALOG_PASSWORD_SLOTS allows */

enum catalog_slot_state {
    CATALOG_SLOT_FREE = 0,
    CATALOG_SLOT_STARTING = 1,
    CATALOG_SLOT_IDLE = 2,
    CATALOG_SLOT_READING = 3,
    CATALOG_SLOT_HANDLING = 4,
    CATALOG_SLOT_WRITING = 5,
    CATALOG_SLOT_EXITING = 6,
};

/* Pool-wide counters (monotonic) and gauges (set by the master). */
enum catalog_counter {
    CATALOG_C_REQUESTS = 0,       /* requests answered by any worker */
    CATALOG_C_DB_RECONNECTS,      /* broken PostgreSQL connections replaced */
    CATALOG_C_WORKERS_STARTED,    /* forks */
    CATALOG_C_WORKERS_CRASHED,    /* died with a signal or non-zero status after starting */
    CATALOG_C_WORKERS_TIMED_OUT,  /* killed by the master for exceeding --timeout */
    CATALOG_C_WORKERS_RECYCLED,   /* exited after --max-requests */
    CATALOG_C_WORKERS_RETIRED,    /* stopped by reload / TTOU */
    CATALOG_C_START_FAILURES,     /* died before becoming ready */
    CATALOG_C_RELOADS,            /* completed HUP reloads */
    CATALOG_C_RELOADS_FAILED,     /* aborted HUP reloads */
    CATALOG_C_ROUTE_OVERFLOW,     /* observations dropped: route table full */
    CATALOG_G_CONFIGURED_WORKERS, /* gauge */
    CATALOG_G_GENERATION,         /* gauge */
    CATALOG_G_MASTER_PID,         /* gauge */
    CATALOG_G_MASTER_STARTED_MS,  /* gauge: wall clock, ms since the epoch */
    CATALOG_G_TIMEOUT_MS,         /* gauge */
    CATALOG_G_PASSWORD_SLOTS,     /* gauge: hashes allowed at once across the pool */
    CATALOG_C_PASSWORD_CLAIMS,    /* password hashes admitted */
    CATALOG_C_PASSWORD_REFUSED,   /* password hashes refused: every slot was busy (503) */
    CATALOG_C_LOGINS_THROTTLED,   /* sign-ins refused by the per-account throttle (429) */
    CATALOG_C_HANDOFFS_BUSY,      /* kept connections holding a request, passed on by a busy worker */
    CATALOG_C_HANDOFFS_LEAVING,   /* kept connections passed on by a leaving worker */
    CATALOG_COUNTER_COUNT
};

typedef struct catalog_sb_slot {
    uint32_t seq;
    int32_t pid;
    uint32_t generation;
    uint32_t state;
    int64_t started_wall_ms;     /* wall clock when forked */
    int64_t request_started_ms;  /* CLOCK_MONOTONIC */
    int64_t heartbeat_ms;        /* CLOCK_MONOTONIC */
    uint64_t requests;
    uint64_t peak_rss_kb;
    char method[CATALOG_SB_METHOD_LEN];
    char path[CATALOG_SB_PATH_LEN];
    char request_id[CATALOG_SB_ID_LEN];
} catalog_sb_slot;

typedef struct catalog_sb_route {
    uint32_t state; /* 0 empty, 1 being claimed, 2 ready */
    uint32_t status;
    char method[CATALOG_SB_METHOD_LEN];
    char route[CATALOG_SB_ROUTE_LEN];
    uint64_t count;
    uint64_t sum_us;
    uint64_t buckets[CATALOG_SB_BUCKETS]; /* non-cumulative; +Inf = count */
} catalog_sb_route;

typedef struct catalog_scoreboard {
    uint64_t magic;
    uint64_t counters[CATALOG_COUNTER_COUNT];
    /* Password-hashing slots: 0 when free, else the pid of the worker hashing. Claimed
       with a CAS; a worker that dies mid-hash is released by the master when it reaps it. */
    int32_t password_claims[CATALOG_SB_PASSWORD_SLOTS];
    catalog_sb_slot slots[CATALOG_SB_SLOTS];
    catalog_sb_route routes[CATALOG_SB_ROUTES];
} catalog_scoreboard;

/* Scalar view of a slot, for Swift (strings are copied out separately). */
typedef struct catalog_slot_info {
    int32_t pid;
    uint32_t generation;
    uint32_t state;
    int64_t started_wall_ms;
    int64_t request_started_ms;
    int64_t heartbeat_ms;
    uint64_t requests;
    uint64_t peak_rss_kb;
} catalog_slot_info;

typedef struct catalog_route_info {
    uint32_t status;
    uint64_t count;
    uint64_t sum_us;
    uint64_t buckets[CATALOG_SB_BUCKETS];
} catalog_route_info;

static const double catalog_sb_bucket_bounds[CATALOG_SB_BUCKETS] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
};

static inline int catalog_sb_slot_count(void) { return CATALOG_SB_SLOTS; }
static inline int catalog_sb_route_count(void) { return CATALOG_SB_ROUTES; }
static inline int catalog_sb_bucket_count(void) { return CATALOG_SB_BUCKETS; }
static inline double catalog_sb_bucket_bound(int i) { return catalog_sb_bucket_bounds[i]; }
static inline int catalog_sb_method_len(void) { return CATALOG_SB_METHOD_LEN; }
static inline int catalog_sb_path_len(void) { return CATALOG_SB_PATH_LEN; }
static inline int catalog_sb_id_len(void) { return CATALOG_SB_ID_LEN; }
static inline int catalog_sb_route_len(void) { return CATALOG_SB_ROUTE_LEN; }
static inline unsigned long catalog_sb_size(void) { return sizeof(catalog_scoreboard); }

static inline int64_t catalog_monotonic_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static inline int64_t catalog_wall_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/// The shared mapping (zero-filled), or NULL with errno set.
static inline void *catalog_sb_create(void) {
    void *p = mmap(NULL, sizeof(catalog_scoreboard), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    ((catalog_scoreboard *)p)->magic = CATALOG_SB_MAGIC;
    return p;
}

/* ---------------------------------------------------------------- counters */
static inline void catalog_sb_add(void *sb, int counter, uint64_t n) {
    __atomic_fetch_add(&((catalog_scoreboard *)sb)->counters[counter], n, __ATOMIC_RELAXED);
}
static inline void catalog_sb_set(void *sb, int counter, uint64_t value) {
    __atomic_store_n(&((catalog_scoreboard *)sb)->counters[counter], value, __ATOMIC_RELAXED);
}
static inline uint64_t catalog_sb_get(const void *sb, int counter) {
    return __atomic_load_n(&((const catalog_scoreboard *)sb)->counters[counter], __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------- password slots */
/// Worker: claims one of the first `limit` password slots for `pid`; the slot's index, or
/// -1 when all are busy.
static inline int catalog_password_claim(void *sb, int32_t pid, int limit) {
    catalog_scoreboard *board = (catalog_scoreboard *)sb;
    if (limit > CATALOG_SB_PASSWORD_SLOTS) limit = CATALOG_SB_PASSWORD_SLOTS;
    for (int i = 0; i < limit; i++) {
        int32_t expected = 0;
        if (__atomic_compare_exchange_n(&board->password_claims[i], &expected, pid, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
            return i;
        }
    }
    return -1;
}
/// Worker: gives back slot `index` if `pid` still holds it.
static inline void catalog_password_release(void *sb, int index, int32_t pid) {
    if (index < 0 || index >= CATALOG_SB_PASSWORD_SLOTS) return;
    int32_t expected = pid;
    __atomic_compare_exchange_n(&((catalog_scoreboard *)sb)->password_claims[index], &expected, 0, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}
/// Master, after reaping `pid`: frees any slot it died holding. Returns how many.
static inline int catalog_password_release_all(void *sb, int32_t pid) {
    int released = 0;
    for (int i = 0; i < CATALOG_SB_PASSWORD_SLOTS; i++) {
        int32_t expected = pid;
        if (pid != 0 && __atomic_compare_exchange_n(&((catalog_scoreboard *)sb)->password_claims[i], &expected, 0, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
            released++;
        }
    }
    return released;
}
/// Any process: slots held right now.
static inline int catalog_password_in_use(const void *sb) {
    int used = 0;
    for (int i = 0; i < CATALOG_SB_PASSWORD_SLOTS; i++) {
        if (__atomic_load_n(&((const catalog_scoreboard *)sb)->password_claims[i], __ATOMIC_RELAXED) != 0) used++;
    }
    return used;
}

/* ---------------------------------------------------------------- slots */
static inline catalog_sb_slot *catalog_sb_slot_at(void *sb, int index) {
    return &((catalog_scoreboard *)sb)->slots[index];
}
static inline void catalog_slot_write_begin(catalog_sb_slot *s) {
    __atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
}
static inline void catalog_slot_write_end(catalog_sb_slot *s) {
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
}
static inline void catalog_copy_field(char *dst, int capacity, const char *src, int length) {
    if (length < 0) length = 0;
    if (length > capacity - 1) length = capacity - 1;
    if (length > 0) memcpy(dst, src, (size_t)length);
    memset(dst + length, 0, (size_t)(capacity - length));
}

/// Master, before fork: the slot now belongs to a starting worker of `generation`.
static inline void catalog_slot_prepare(void *sb, int index, uint32_t generation) {
    catalog_sb_slot *s = catalog_sb_slot_at(sb, index);
    catalog_slot_write_begin(s);
    s->pid = 0;
    s->generation = generation;
    s->state = CATALOG_SLOT_STARTING;
    s->started_wall_ms = catalog_wall_ms();
    s->request_started_ms = 0;
    s->heartbeat_ms = catalog_monotonic_ms();
    s->requests = 0;
    s->peak_rss_kb = 0;
    memset(s->method, 0, sizeof s->method);
    memset(s->path, 0, sizeof s->path);
    memset(s->request_id, 0, sizeof s->request_id);
    catalog_slot_write_end(s);
}

/// Master, after reaping: the slot is free again.
static inline void catalog_slot_release(void *sb, int index) {
    catalog_sb_slot *s = catalog_sb_slot_at(sb, index);
    catalog_slot_write_begin(s);
    s->pid = 0;
    s->state = CATALOG_SLOT_FREE;
    s->request_started_ms = 0;
    memset(s->method, 0, sizeof s->method);
    memset(s->path, 0, sizeof s->path);
    memset(s->request_id, 0, sizeof s->request_id);
    catalog_slot_write_end(s);
}

/// Worker: the state changes (idle, reading, writing, exiting); heartbeat refreshed.
/// READING starts the request clock and forgets the previous request.
static inline void catalog_slot_set_state(void *sb, int index, int32_t pid, uint32_t state) {
    catalog_sb_slot *s = catalog_sb_slot_at(sb, index);
    int64_t now = catalog_monotonic_ms();
    catalog_slot_write_begin(s);
    s->pid = pid;
    s->state = state;
    s->heartbeat_ms = now;
    if (state == CATALOG_SLOT_READING) {
        s->request_started_ms = now;
        memset(s->method, 0, sizeof s->method);
        memset(s->path, 0, sizeof s->path);
        memset(s->request_id, 0, sizeof s->request_id);
    }
    catalog_slot_write_end(s);
}

/// Worker: the request is parsed and being handled.
static inline void catalog_slot_begin_handling(void *sb, int index,
                                               const char *method, int method_len,
                                               const char *path, int path_len,
                                               const char *request_id, int id_len) {
    catalog_sb_slot *s = catalog_sb_slot_at(sb, index);
    catalog_slot_write_begin(s);
    s->state = CATALOG_SLOT_HANDLING;
    s->heartbeat_ms = catalog_monotonic_ms();
    catalog_copy_field(s->method, CATALOG_SB_METHOD_LEN, method, method_len);
    catalog_copy_field(s->path, CATALOG_SB_PATH_LEN, path, path_len);
    catalog_copy_field(s->request_id, CATALOG_SB_ID_LEN, request_id, id_len);
    catalog_slot_write_end(s);
}

/// Worker: the response is written; back to idle (the last request stays visible).
static inline void catalog_slot_end_request(void *sb, int index, uint64_t peak_rss_kb) {
    catalog_sb_slot *s = catalog_sb_slot_at(sb, index);
    catalog_slot_write_begin(s);
    s->state = CATALOG_SLOT_IDLE;
    s->requests += 1;
    s->heartbeat_ms = catalog_monotonic_ms();
    if (peak_rss_kb > s->peak_rss_kb) s->peak_rss_kb = peak_rss_kb;
    catalog_slot_write_end(s);
    __atomic_fetch_add(&((catalog_scoreboard *)sb)->counters[CATALOG_C_REQUESTS], 1, __ATOMIC_RELAXED);
}

static inline void catalog_slot_heartbeat(void *sb, int index) {
    catalog_sb_slot *s = catalog_sb_slot_at(sb, index);
    catalog_slot_write_begin(s);
    s->heartbeat_ms = catalog_monotonic_ms();
    catalog_slot_write_end(s);
}

/// Any process: how many slots other than `except` hold an idle worker, counting no further
/// than `limit`. Reads only each slot's state word (one aligned 32-bit load, no seqlock):
/// a worker's busy watcher asks this before passing a waiting connection on, and a state a
/// moment old is as good as an exact one there.
static inline int catalog_sb_idle_workers(const void *sb, int except, int limit) {
    const catalog_scoreboard *board = (const catalog_scoreboard *)sb;
    int idle = 0;
    for (int i = 0; i < CATALOG_SB_SLOTS && idle < limit; i++) {
        if (i != except && __atomic_load_n(&board->slots[i].state, __ATOMIC_RELAXED) == CATALOG_SLOT_IDLE) idle++;
    }
    return idle;
}

/// Any process: a consistent copy of a slot. Returns 1 on success, 0 if a writer kept
/// it busy (practically never: writes take nanoseconds).
static inline int catalog_slot_read(const void *sb, int index, catalog_slot_info *info,
                                    char *method, char *path, char *request_id) {
    const catalog_sb_slot *s = &((const catalog_scoreboard *)sb)->slots[index];
    for (int attempt = 0; attempt < 1000; attempt++) {
        uint32_t before = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
        if (before & 1) continue;
        info->pid = s->pid;
        info->generation = s->generation;
        info->state = s->state;
        info->started_wall_ms = s->started_wall_ms;
        info->request_started_ms = s->request_started_ms;
        info->heartbeat_ms = s->heartbeat_ms;
        info->requests = s->requests;
        info->peak_rss_kb = s->peak_rss_kb;
        if (method) memcpy(method, s->method, CATALOG_SB_METHOD_LEN);
        if (path) memcpy(path, s->path, CATALOG_SB_PATH_LEN);
        if (request_id) memcpy(request_id, s->request_id, CATALOG_SB_ID_LEN);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) == before) {
            if (method) method[CATALOG_SB_METHOD_LEN - 1] = 0;
            if (path) path[CATALOG_SB_PATH_LEN - 1] = 0;
            if (request_id) request_id[CATALOG_SB_ID_LEN - 1] = 0;
            return 1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- routes */
static inline uint64_t catalog_hash(const char *a, int alen, const char *b, int blen, uint32_t status) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (int i = 0; i < alen; i++) { h ^= (unsigned char)a[i]; h *= 1099511628211ULL; }
    h ^= 0xff; h *= 1099511628211ULL;
    for (int i = 0; i < blen; i++) { h ^= (unsigned char)b[i]; h *= 1099511628211ULL; }
    h ^= status; h *= 1099511628211ULL;
    return h;
}

static inline int catalog_field_equals(const char *field, int capacity, const char *s, int len) {
    if (len > capacity - 1) len = capacity - 1;
    return memcmp(field, s, (size_t)len) == 0 && field[len] == 0;
}

/// Worker: one answered request. A stuck claim (a worker killed mid-claim) is skipped
/// after a bounded wait; the renderer merges duplicate keys, so nothing is lost.
static inline void catalog_route_record(void *sb, const char *method, int method_len,
                                        const char *route, int route_len, uint32_t status, double seconds) {
    catalog_scoreboard *board = (catalog_scoreboard *)sb;
    if (method_len > CATALOG_SB_METHOD_LEN - 1) method_len = CATALOG_SB_METHOD_LEN - 1;
    if (route_len > CATALOG_SB_ROUTE_LEN - 1) route_len = CATALOG_SB_ROUTE_LEN - 1;
    uint64_t h = catalog_hash(method, method_len, route, route_len, status);
    int bucket = CATALOG_SB_BUCKETS;
    for (int i = 0; i < CATALOG_SB_BUCKETS; i++) {
        if (seconds <= catalog_sb_bucket_bounds[i]) { bucket = i; break; }
    }
    uint64_t micros = seconds > 0 ? (uint64_t)(seconds * 1e6) : 0;
    for (int probe = 0; probe < CATALOG_SB_ROUTES; probe++) {
        catalog_sb_route *e = &board->routes[(h + (uint64_t)probe) % CATALOG_SB_ROUTES];
        uint32_t state = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
        if (state == 0) {
            uint32_t expected = 0;
            if (__atomic_compare_exchange_n(&e->state, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
                e->status = status;
                catalog_copy_field(e->method, CATALOG_SB_METHOD_LEN, method, method_len);
                catalog_copy_field(e->route, CATALOG_SB_ROUTE_LEN, route, route_len);
                __atomic_store_n(&e->state, 2, __ATOMIC_RELEASE);
                state = 2;
            } else {
                state = expected;
            }
        }
        for (int spin = 0; state == 1 && spin < 100000; spin++) state = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
        if (state != 2) continue;
        if (e->status != status || !catalog_field_equals(e->method, CATALOG_SB_METHOD_LEN, method, method_len)
            || !catalog_field_equals(e->route, CATALOG_SB_ROUTE_LEN, route, route_len)) continue;
        __atomic_fetch_add(&e->count, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&e->sum_us, micros, __ATOMIC_RELAXED);
        if (bucket < CATALOG_SB_BUCKETS) __atomic_fetch_add(&e->buckets[bucket], 1, __ATOMIC_RELAXED);
        return;
    }
    __atomic_fetch_add(&board->counters[CATALOG_C_ROUTE_OVERFLOW], 1, __ATOMIC_RELAXED);
}

/// Any process: entry `index` if it is in use (returns 1), with its key copied out.
static inline int catalog_route_read(const void *sb, int index, catalog_route_info *info, char *method, char *route) {
    const catalog_sb_route *e = &((const catalog_scoreboard *)sb)->routes[index];
    if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != 2) return 0;
    info->status = e->status;
    info->count = __atomic_load_n(&e->count, __ATOMIC_RELAXED);
    info->sum_us = __atomic_load_n(&e->sum_us, __ATOMIC_RELAXED);
    for (int i = 0; i < CATALOG_SB_BUCKETS; i++) info->buckets[i] = __atomic_load_n(&e->buckets[i], __ATOMIC_RELAXED);
    memcpy(method, e->method, CATALOG_SB_METHOD_LEN);
    memcpy(route, e->route, CATALOG_SB_ROUTE_LEN);
    method[CATALOG_SB_METHOD_LEN - 1] = 0;
    route[CATALOG_SB_ROUTE_LEN - 1] = 0;
    return 1;
}

static inline uint64_t catalog_route_bucket(const catalog_route_info *info, int i) { return info->buckets[i]; }

#endif
