#ifndef CATALOG_CPROCESS_H
#define CATALOG_CPROCESS_H
/* The few system calls the pre-fork master and the worker's wait need that Swift cannot
   make directly (implemented in process.c). */
#include <signal.h>

/// Ask the kernel to send `sig` to this process when its parent dies, so a worker
/// never outlives its master (prctl is variadic and so not callable from Swift).
int catalog_set_parent_death_signal(int sig);

/// Set the process name shown by `ps`/`top` (the comm field, 15 bytes).
int catalog_set_process_name(const char *name);

/* The worker's readiness wait (epoll; Swift cannot name EPOLLEXCLUSIVE or unpack the
   packed epoll_event portably, hence these three). */

/// A new epoll instance (close-on-exec), or -1 with errno.
int catalog_poller_create(void);

/// Adds `fd` for readability. `exclusive` (the shared listening socket): a new connection
/// wakes one waiting worker rather than all of them (EPOLLEXCLUSIVE, Linux 4.5).
int catalog_poller_add(int poller, int fd, int exclusive);

int catalog_poller_remove(int poller, int fd);

/// Waits for one readable descriptor, for at most `timeout_ms`, with `mask` as the signal
/// mask during the wait (atomic, so a signal unblocked only here is never lost between a
/// check and the wait). One event per call: epoll moves a reported level-triggered
/// descriptor to the back of its ready list, so ready connections are served in turn.
/// Returns 1 with `*fd` set, 0 on timeout, -1 with errno (EINTR: a signal arrived).
int catalog_poller_wait(int poller, int timeout_ms, const sigset_t *mask, int *fd);

/* Handing a connection from one worker to another (SCM_RIGHTS; Swift cannot use the
   CMSG macros). One descriptor per datagram, never blocking. */

/// Sends `fd` over the datagram socket `sock`. 0, or -1 with errno (EAGAIN: queue full).
int catalog_send_descriptor(int sock, int fd);

/// Receives one descriptor from `sock`: the descriptor, or -1 with errno (EAGAIN: none).
int catalog_receive_descriptor(int sock);

#endif
