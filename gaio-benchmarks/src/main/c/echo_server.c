/*
 * The ceiling: a plain C echo server, one thread, non-blocking sockets, edge-triggered epoll.
 *
 *   echo_server PORT [HOST]        prints "READY <port>" once it listens on HOST:PORT (127.0.0.1 by default)
 *
 * Bytes are read into one shared 64 KiB buffer and written straight back. Only when the peer does not take them all
 * (the stream load) does a connection get a buffer of its own for the rest, and it stops reading until that buffer
 * has gone out: the same back-pressure a proactor gets by not submitting the next read.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE (64 * 1024)
#define MAX_EVENTS 1024

struct conn {
    int fd;
    char *pending; /* bytes read but not yet written back, or NULL */
    size_t pending_off, pending_len;
};

static char buf[BUF_SIZE];

static void die(const char *what) {
    perror(what);
    exit(1);
}

static void close_conn(struct conn *c) {
    close(c->fd); /* closing the last descriptor also removes it from the epoll set */
    free(c->pending);
    free(c);
}

/* Writes what is pending; returns 1 when nothing is left, 0 when the socket is full, -1 on error. */
static int flush_pending(struct conn *c) {
    while (c->pending_off < c->pending_len) {
        ssize_t n = send(c->fd, c->pending + c->pending_off, c->pending_len - c->pending_off, MSG_NOSIGNAL);
        if (n < 0) {
            return errno == EAGAIN ? 0 : -1;
        }
        c->pending_off += (size_t) n;
    }
    free(c->pending);
    c->pending = NULL;
    return 1;
}

/*
 * Echoes until the socket has nothing more to read (edge-triggered: every event must be drained). A short read means
 * the socket is empty and bytes arriving later raise a new event, so no read() is spent on EAGAIN.
 */
static void serve(struct conn *c) {
    if (c->pending != NULL) {
        int done = flush_pending(c);
        if (done < 0) {
            close_conn(c);
        }
        if (done <= 0) {
            return; /* EPOLLOUT will call again; reading waits until the echo of the last read has gone out */
        }
    }
    for (ssize_t n = BUF_SIZE; n == BUF_SIZE;) {
        n = read(c->fd, buf, BUF_SIZE);
        if (n < 0 && errno == EINTR) {
            n = BUF_SIZE;
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            return;
        }
        if (n <= 0) {
            close_conn(c);
            return;
        }
        ssize_t sent = send(c->fd, buf, (size_t) n, MSG_NOSIGNAL);
        if (sent < 0 && errno != EAGAIN) {
            close_conn(c);
            return;
        }
        if (sent < n) {
            size_t off = sent < 0 ? 0 : (size_t) sent;
            c->pending_len = (size_t) n - off;
            c->pending_off = 0;
            c->pending = malloc(c->pending_len);
            if (c->pending == NULL) {
                die("malloc");
            }
            memcpy(c->pending, buf + off, c->pending_len);
            return;
        }
    }
}

static void accept_all(int listener, int ep) {
    for (;;) {
        int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN) {
                return;
            }
            if (errno != EINTR && errno != ECONNABORTED) {
                perror("accept4");
                return; /* e.g. EMFILE: the listener stays readable, so the next epoll_wait retries */
            }
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        if (c == NULL) {
            die("calloc");
        }
        c->fd = fd;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
            die("epoll_ctl");
        }
        /* No read here: adding a descriptor that is already readable queues an event for it. */
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [HOST]\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(argv[1]))};
    if (inet_pton(AF_INET, argc > 2 ? argv[2] : "127.0.0.1", &addr.sin_addr) != 1) {
        fprintf(stderr, "bad host\n");
        return 2;
    }
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (listener < 0 || bind(listener, (struct sockaddr *) &addr, sizeof addr) < 0 || listen(listener, 4096) < 0) {
        die("listen");
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL}; /* level-triggered: accept_all may stop early */
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, listener, &lev) < 0) {
        die("epoll");
    }
    printf("READY %d\n", ntohs(addr.sin_port));
    fflush(stdout);

    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(ep, events, MAX_EVENTS, -1);
        if (n < 0 && errno != EINTR) {
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            if (events[i].data.ptr == NULL) {
                accept_all(listener, ep);
            } else {
                serve(events[i].data.ptr);
            }
        }
    }
}
