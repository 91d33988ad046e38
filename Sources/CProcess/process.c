/* What Swift cannot call directly for the process manager and the worker's wait:
   variadic prctl, epoll (a packed struct, and EPOLLEXCLUSIVE), descriptor passing (the
   CMSG macros). See CProcess.h. */
#define _GNU_SOURCE
#include "CProcess.h"
#include <sys/prctl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <errno.h>
#include <string.h>

int catalog_set_parent_death_signal(int sig) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0, 0, 0);
}

int catalog_set_process_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

int catalog_poller_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int catalog_poller_add(int poller, int fd, int exclusive) {
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = EPOLLIN | (exclusive ? EPOLLEXCLUSIVE : 0);
    event.data.fd = fd;
    return epoll_ctl(poller, EPOLL_CTL_ADD, fd, &event);
}

int catalog_poller_remove(int poller, int fd) {
    return epoll_ctl(poller, EPOLL_CTL_DEL, fd, NULL);
}

int catalog_poller_wait(int poller, int timeout_ms, const sigset_t *mask, int *fd) {
    struct epoll_event event;
    int n = epoll_pwait(poller, &event, 1, timeout_ms, mask);
    if (n == 1) *fd = event.data.fd;
    return n;
}

/* One byte of payload and room for one descriptor: what both directions exchange. */
struct descriptor_message {
    char byte;
    struct iovec iov;
    struct msghdr header;
    union { char buffer[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
};

static void descriptor_message_init(struct descriptor_message *m) {
    memset(m, 0, sizeof *m);
    m->byte = 'c';
    m->iov.iov_base = &m->byte;
    m->iov.iov_len = 1;
    m->header.msg_iov = &m->iov;
    m->header.msg_iovlen = 1;
    m->header.msg_control = m->control.buffer;
    m->header.msg_controllen = sizeof m->control.buffer;
}

int catalog_send_descriptor(int sock, int fd) {
    struct descriptor_message m;
    descriptor_message_init(&m);
    struct cmsghdr *header = CMSG_FIRSTHDR(&m.header);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &fd, sizeof(int));
    ssize_t sent;
    do { sent = sendmsg(sock, &m.header, MSG_DONTWAIT | MSG_NOSIGNAL); } while (sent < 0 && errno == EINTR);
    return sent == 1 ? 0 : -1;
}

int catalog_receive_descriptor(int sock) {
    struct descriptor_message m;
    descriptor_message_init(&m);
    ssize_t received;
    do { received = recvmsg(sock, &m.header, MSG_DONTWAIT); } while (received < 0 && errno == EINTR);
    if (received <= 0) return -1;
    struct cmsghdr *header = CMSG_FIRSTHDR(&m.header);
    if (header == NULL || header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) { errno = EPROTO; return -1; }
    int fd;
    memcpy(&fd, CMSG_DATA(header), sizeof(int));
    return fd;
}
