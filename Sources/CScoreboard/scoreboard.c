/* The scoreboard is header-only (its accessors inline into the worker's request path);
   this file checks at compile time what the layout promises. */
#include "CScoreboard.h"
#include <stddef.h>

/* Counters are 64-bit atomics: every slot of the array must be naturally aligned. */
_Static_assert(offsetof(catalog_scoreboard, counters) % 8 == 0, "counters are 8-byte aligned");
_Static_assert(offsetof(catalog_sb_slot, started_wall_ms) % 8 == 0, "slot timestamps are 8-byte aligned");
_Static_assert(offsetof(catalog_sb_route, count) % 8 == 0, "route counts are 8-byte aligned");
/* The password slots hold pids, claimed by a 32-bit CAS. */
_Static_assert(sizeof(((catalog_scoreboard *)0)->password_claims[0]) == sizeof(int32_t), "password claims are pids");
/* The counter enum and the array agree. */
_Static_assert(sizeof(((catalog_scoreboard *)0)->counters) / sizeof(uint64_t) == CATALOG_COUNTER_COUNT, "one slot per counter");
