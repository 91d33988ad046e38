#ifndef CATALOG_CFASTCGI_SHIM_H
#define CATALOG_CFASTCGI_SHIM_H
/* libfcgi's request-level API (never fcgi_stdio.h), plus the few process helpers
   the pre-fork master needs that Swift cannot call directly (variadic prctl). */
#include <fcgiapp.h>
#include <sys/prctl.h>
#include <signal.h>

/// Ask the kernel to send `sig` to this process when its parent dies, so a worker
/// never outlives its master (prctl is variadic and so not callable from Swift).
static inline int catalog_set_parent_death_signal(int sig) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0, 0, 0);
}

/// Set the process name shown by `ps`/`top` (the comm field, 15 bytes).
static inline int catalog_set_process_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}
#endif
