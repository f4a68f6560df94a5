/*
 * The load generator of gaio's benchmarks: one thread, non-blocking sockets, edge-triggered epoll, no allocation
 * after start-up, so that it spends less CPU per message than any server it drives (the runner reports its CPU use).
 *
 *   loadgen -m MODE -p PORT [-h HOST] [-c N] [-s BYTES] [-r ROUNDS] [-d SECONDS] [-W SECONDS] [-w WINDOW]
 *           [-S SOURCE_ADDRESS] [-T TIMEOUT_SECONDS] [-M] [-t]
 *
 * Modes (every echoed byte is checked against what was sent):
 *   burst     N connections each send S bytes once and wait for the echo; wall time from the first connect to the
 *             last echo, and connect-to-echo latency per connection.
 *   pingpong  N connections each echo one S-byte message to get going, then, all at once, R round trips of S bytes
 *             each (the next message leaves when the last one is back); messages/s and round-trip latency.
 *   stream    N connections (1 by default) send S-byte chunks (64 KiB by default) as fast as the server echoes them;
 *             MB/s (10^6 bytes) echoed back during -d seconds, after -W seconds of warm-up.
 *   handshake N connections at a time, R rounds (N × R connections in all): each connects (and with -t completes
 *             the TLS handshake), echoes one S-byte message, closes, and a new connection takes its place;
 *             handshakes/s over the whole run, and latency from the connect to the end of the handshake (TCP: the
 *             connect).
 *   idle      -c takes an ascending list (e.g. 1000,10000): opens connections up to each total, each echoing S bytes
 *             once, prints "IDLE <total>" and waits for a line on stdin before going on. The server's connections
 *             then idle with a read pending, which is when the runner samples the server's memory.
 *
 * -w bounds the connections that are connecting or waiting for their first echo (default 4000): the server's accept
 * queue can then never overflow its somaxconn of 4096, which would cost dropped handshakes and 1 s retransmissions.
 * -S binds connections to a source address (the next address after each 20,000 connections), so the runner can give
 * every run fresh 4-tuples. Connections are closed with a reset at the end, leaving no TIME_WAIT behind.
 *
 * -M marks the window in which the runner counts the server's system calls and context switches: "WINDOW begin" on
 * stdout before the work (burst: the first connect; pingpong: the round trips, after the connections are open;
 * stream: the warm-up, after the connection is open), "WINDOW end" after it (before the connections are closed), each
 * followed by a wait for a line on stdin, so that the runner reads its counters while the server idles. The window
 * holds the measured phase and, for the stream, its warm-up: a pause between the two would stall the stream.
 *
 * -t speaks TLS (OpenSSL, non-blocking) on every connection: TLS 1.3 only, TLS_AES_128_GCM_SHA256, X25519, no
 * session resumption (every handshake is a full one) and no certificate check (the servers' certificates are
 * self-signed; the signature over the handshake is still verified). Messages, payloads and checks are the same,
 * in plaintext; without -t nothing goes through OpenSSL.
 *
 * Prints one line "RESULT key=value ..." on stdout: cpu_pct is this process's CPU use during the measured phase,
 * cpu_total_ns its CPU time since it started, window_bytes (stream) the bytes echoed in the -M window. Exit status:
 * 0, 3 when a connection failed, 4 on timeout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define MAX_EVENTS 1024
#define RECV_SIZE (64 * 1024)
#define CONNS_PER_SOURCE 20000
#define MAX_STEPS 16

enum mode { BURST, PINGPONG, STREAM, IDLE, HANDSHAKE };
enum phase { OPENING, ROUND_TRIPS, STREAMING, CHURNING };
enum state { UNUSED, CONNECTING, HANDSHAKING, ACTIVE, FAILED };

struct conn {
    int fd;
    SSL *ssl;         /* with -t only */
    uint8_t state;
    uint8_t busy;     /* counts towards the current target: connecting, or echoes still to come */
    uint32_t rounds;  /* echoes completed in the current phase */
    uint64_t sent;    /* bytes sent of the current message (stream: in total) */
    uint64_t recvd;   /* bytes received of the current message (stream: in total) */
    uint64_t started; /* when the current message (burst: the connect) began, in ns */
};

static struct {
    enum mode mode;
    int conns[MAX_STEPS];
    int steps;
    uint32_t size;
    uint32_t rounds;
    double duration, warmup;
    int window;
    int timeout;
    struct sockaddr_in server;
    int bind_source;
    uint32_t source; /* host byte order */
    int marks;
    int tls;
} cfg = {.size = 64, .rounds = 100, .duration = 5, .warmup = 1, .window = 4000, .timeout = 300};

static int ep;
static SSL_CTX *tls_ctx;
static struct conn *conns;
static enum phase phase;
static uint32_t msg_size; /* bytes per message in the current phase */
static char *payload;     /* the bytes every message carries, from offset 0 */
static uint32_t payload_len;
static char recv_buf[RECV_SIZE];
static uint64_t *lat;
static size_t lat_n, lat_cap;
static int next_conn, inflight, settled, errors, ok, launched, total;
static uint64_t first_connect, last_echo, deadline;
static const char *first_error;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static uint64_t cpu_ns(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u
           + (uint64_t) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
}

static void usage(void) {
    fprintf(stderr, "usage: loadgen -m burst|pingpong|stream|idle|handshake -p PORT [-h HOST] [-c N[,N...]] "
                    "[-s BYTES] [-r ROUNDS] [-d SECONDS] [-W SECONDS] [-w WINDOW] [-S SOURCE_ADDRESS] [-T SECONDS] "
                    "[-M] [-t]\n");
    exit(2);
}

/* Any failure is an error, even on a connection that has done its part: the servers never close first. */
static void fail(struct conn *c, int err) {
    errors++;
    if (first_error == NULL) {
        first_error = strerror(err);
        fprintf(stderr, "loadgen: connection %ld failed: %s\n", (long) (c - conns), first_error);
    }
    if (c->busy) {
        c->busy = 0;
        settled++;
        if (phase == OPENING || phase == CHURNING) {
            inflight--;
        }
    }
    SSL_free(c->ssl);
    c->ssl = NULL;
    close(c->fd);
    c->fd = -1;
    c->state = FAILED;
}

/* Closes with a reset, leaving no TIME_WAIT behind (nor a close_notify: the servers see the reset). */
static void reset_close(struct conn *c) {
    struct linger reset = {.l_onoff = 1, .l_linger = 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    SSL_free(c->ssl);
    c->ssl = NULL;
    close(c->fd);
    c->fd = -1;
}

/*
 * What a failed TLS call means, as errno: EAGAIN when it waits for the socket (either direction: edge-triggered
 * epoll reports both, and every event retries whatever is unfinished), ECONNRESET for the peer's close_notify.
 */
static int tls_errno(struct conn *c, int ret) {
    switch (SSL_get_error(c->ssl, ret)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        return EAGAIN;
    case SSL_ERROR_ZERO_RETURN:
        return ECONNRESET;
    case SSL_ERROR_SYSCALL:
        return errno != 0 ? errno : ECONNRESET; /* 0: the peer closed without close_notify */
    default:
        if (first_error == NULL) {
            ERR_print_errors_fp(stderr);
        }
        ERR_clear_error();
        return EPROTO;
    }
}

/* send(), or one TLS write of plaintext; -1 with errno EAGAIN when it would block, as send() does. */
static ssize_t conn_send(struct conn *c, const char *buf, size_t len) {
    if (c->ssl == NULL) {
        return send(c->fd, buf, len, MSG_NOSIGNAL);
    }
    int n = SSL_write(c->ssl, buf, (int) len);
    if (n <= 0) {
        errno = tls_errno(c, n);
        return -1;
    }
    return n;
}

/* recv(), or one TLS read of plaintext (at most one record's); -1 with errno EAGAIN when nothing waits. */
static ssize_t conn_recv(struct conn *c, char *buf, size_t len) {
    if (c->ssl == NULL) {
        return recv(c->fd, buf, len, 0);
    }
    int n = SSL_read(c->ssl, buf, (int) len);
    if (n <= 0) {
        errno = tls_errno(c, n);
        return -1;
    }
    return n;
}

static void start_connect(int i) {
    struct conn *c = &conns[i];
    c->state = CONNECTING;
    c->busy = 1;
    c->started = now_ns();
    if (first_connect == 0) {
        first_connect = c->started;
    }
    inflight++;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        fail(c, errno);
        return;
    }
    if (tls_ctx != NULL) {
        c->ssl = SSL_new(tls_ctx);
        if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
            fail(c, ENOMEM);
            return;
        }
        SSL_set_connect_state(c->ssl);
    }
    int one = 1;
    if (cfg.mode == STREAM) {
        /* Elsewhere a message goes out only when nothing is in flight, which Nagle never delays: save the call. */
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (cfg.bind_source) {
        /* The port is picked at connect() time, per 4-tuple, instead of one port per source address at bind(). */
        setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        struct sockaddr_in src = {.sin_family = AF_INET, .sin_port = 0,
                                  .sin_addr.s_addr = htonl(cfg.source + (uint32_t) (i / CONNS_PER_SOURCE))};
        if (bind(c->fd, (struct sockaddr *) &src, sizeof src) < 0) {
            fail(c, errno);
            return;
        }
    }
    if (connect(c->fd, (struct sockaddr *) &cfg.server, sizeof cfg.server) < 0 && errno != EINPROGRESS) {
        fail(c, errno);
        return;
    }
    /* Both directions, edge-triggered, once: a descriptor that is ready when added gets an event at once. */
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
        fail(c, errno);
    }
}

/* Sends what is left of the current message; returns -1 on error. */
static int send_rest(struct conn *c) {
    while (c->sent < msg_size) {
        ssize_t n = conn_send(c, payload + c->sent, msg_size - c->sent);
        if (n < 0) {
            return errno == EAGAIN ? 0 : -1;
        }
        c->sent += (uint64_t) n;
    }
    return 0;
}

static void begin_message(struct conn *c) {
    c->sent = 0;
    c->recvd = 0;
    c->started = now_ns();
    if (send_rest(c) < 0) {
        fail(c, errno);
    }
}

/* handshake mode: the connection has echoed; it closes and the next one takes its place. */
static void replace(struct conn *c) {
    reset_close(c);
    c->busy = 0;
    inflight--;
    settled++;
    ok++;
    c->state = UNUSED;
    if (launched < total) {
        launched++;
        start_connect((int) (c - conns));
    }
}

/* A whole message came back. */
static void on_echo(struct conn *c) {
    uint64_t now = now_ns();
    last_echo = now;
    if (phase == CHURNING) {
        replace(c);
        return;
    }
    if (phase == OPENING) {
        if (cfg.mode == BURST) {
            lat[lat_n++] = now - c->started;
        }
        c->busy = 0;
        inflight--;
        settled++;
        ok++;
        return;
    }
    lat[lat_n++] = now - c->started;
    if (++c->rounds < cfg.rounds) {
        begin_message(c);
    } else {
        c->busy = 0;
        settled++;
    }
}

/*
 * Reads until the socket is empty, checking every byte against what was sent. A short read means it is empty:
 * under edge triggering, bytes arriving later raise a new event, so the extra recv() that would return EAGAIN is
 * saved (one system call per message, as Netty saves it too). A TLS read returns one record, short or not: there a
 * whole echo (outside the stream), with no record's rest left in OpenSSL, says it instead, since the servers send
 * nothing after an echo until the next message.
 */
static void receive(struct conn *c) {
    for (ssize_t n = RECV_SIZE; n == RECV_SIZE || c->ssl != NULL;) {
        n = conn_recv(c, recv_buf, RECV_SIZE);
        if (n < 0) {
            if (errno == EAGAIN) {
                return;
            }
            if (errno != EINTR) {
                fail(c, errno);
                return;
            }
            n = RECV_SIZE; /* interrupted: read again */
            continue;
        }
        if (n == 0) {
            fail(c, ECONNRESET); /* the server closed first, which none of them should */
            return;
        }
        if (phase == STREAMING) {
            /* The stream repeats the payload: byte k of the stream is payload[k % payload_len]. */
            for (size_t done = 0; done < (size_t) n;) {
                size_t off = (size_t) (c->recvd % payload_len);
                size_t len = (size_t) n - done < payload_len - off ? (size_t) n - done : payload_len - off;
                if (memcmp(recv_buf + done, payload + off, len) != 0) {
                    fail(c, EBADMSG);
                    return;
                }
                done += len;
                c->recvd += len;
            }
            continue;
        }
        if (c->recvd + (uint64_t) n > c->sent || memcmp(recv_buf, payload + c->recvd, (size_t) n) != 0) {
            fail(c, EBADMSG);
            return;
        }
        c->recvd += (uint64_t) n;
        if (c->recvd == msg_size) {
            on_echo(c);
            if (c->state != ACTIVE || (c->ssl != NULL && SSL_pending(c->ssl) == 0)) {
                return;
            }
        }
    }
}

static void stream_send(struct conn *c) {
    for (;;) {
        size_t off = (size_t) (c->sent % payload_len);
        ssize_t n = conn_send(c, payload + off, payload_len - off);
        if (n < 0) {
            if (errno != EAGAIN) {
                fail(c, errno);
            }
            return;
        }
        c->sent += (uint64_t) n;
    }
}

/* Connected, and with -t through the handshake: the first message leaves. */
static void connected(struct conn *c) {
    uint64_t connect_started = c->started;
    if (cfg.mode == HANDSHAKE) {
        lat[lat_n++] = now_ns() - connect_started;
    }
    begin_message(c);
    c->started = connect_started; /* burst latency includes the connect */
}

static void drive(struct conn *c, uint32_t events) {
    if (c->state == CONNECTING) {
        if (events & (EPOLLERR | EPOLLHUP)) {
            int err = ECONNREFUSED;
            socklen_t len = sizeof err;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
            fail(c, err != 0 ? err : ECONNREFUSED);
            return;
        }
        if (!(events & EPOLLOUT)) {
            return;
        }
        c->state = c->ssl != NULL ? HANDSHAKING : ACTIVE;
        if (c->state == ACTIVE) {
            connected(c);
        }
    }
    if (c->state == HANDSHAKING) {
        int r = SSL_do_handshake(c->ssl);
        if (r != 1) {
            int err = tls_errno(c, r);
            if (err != EAGAIN) {
                fail(c, err);
            }
            return;
        }
        c->state = ACTIVE;
        connected(c);
    }
    if (c->state != ACTIVE) {
        return;
    }
    if (phase == STREAMING) {
        stream_send(c);
    } else if (send_rest(c) < 0) {
        fail(c, errno);
    }
    if (c->state == ACTIVE) {
        receive(c);
    }
}

/*
 * Runs the event loop until settled == target (OPENING, ROUND_TRIPS), until the clock passes `until` (STREAMING), or
 * until no connection is left (CHURNING: each that ends starts the next while any are left to start).
 */
static void run(int target, uint64_t until) {
    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        while (phase == OPENING && next_conn < target && inflight < cfg.window) {
            start_connect(next_conn++);
        }
        uint64_t now = now_ns();
        if ((phase == STREAMING && now >= until) || (phase == CHURNING && inflight == 0)
            || ((phase == OPENING || phase == ROUND_TRIPS) && settled >= target)) {
            return;
        }
        if (now >= deadline) {
            printf("RESULT mode=timeout settled=%d target=%d\n", settled, target);
            fprintf(stderr, "loadgen: timed out after %d s with %d of %d connections done\n", cfg.timeout, settled,
                    target);
            exit(4);
        }
        int n = epoll_wait(ep, events, MAX_EVENTS, phase == STREAMING ? 10 : 1000);
        for (int i = 0; i < n; i++) {
            drive(events[i].data.ptr, events[i].events);
        }
    }
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

static uint64_t percentile(double q) {
    if (lat_n == 0) {
        return 0;
    }
    size_t i = (size_t) (q * (double) lat_n);
    return lat[i < lat_n ? i : lat_n - 1];
}

static void print_latency(void) {
    qsort(lat, lat_n, sizeof *lat, compare_u64);
    printf(" p50_ns=%llu p99_ns=%llu p999_ns=%llu max_ns=%llu", (unsigned long long) percentile(0.50),
           (unsigned long long) percentile(0.99), (unsigned long long) percentile(0.999),
           (unsigned long long) percentile(1.0));
}

static void print_common(int n, uint64_t wall, uint64_t cpu) {
    printf("RESULT mode=%s conns=%d size=%u ok=%d errors=%d wall_ns=%llu cpu_pct=%.1f cpu_total_ns=%llu",
           (const char *[]) {"burst", "pingpong", "stream", "idle", "handshake"}[cfg.mode], n, cfg.size, ok, errors,
           (unsigned long long) wall, wall == 0 ? 0.0 : 100.0 * (double) cpu / (double) wall,
           (unsigned long long) cpu_ns());
}

/* With -M: tells the runner where the window begins or ends, and waits until it has read its counters. */
static void mark(const char *where) {
    if (!cfg.marks) {
        return;
    }
    char line[64];
    printf("WINDOW %s\n", where);
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL) {
        cfg.marks = 0; /* nobody listens: go on without waiting */
    }
}

static uint64_t stream_received(int n) {
    uint64_t bytes = 0;
    for (int i = 0; i < n; i++) {
        bytes += conns[i].recvd;
    }
    return bytes;
}

/* Opens connections up to `target`, each echoing one message of `size` bytes. */
static void open_conns(int target, uint32_t size) {
    phase = OPENING;
    msg_size = size;
    run(target, 0);
}

static void close_all(int n) {
    for (int i = 0; i < n; i++) {
        if (conns[i].state == ACTIVE || conns[i].state == CONNECTING || conns[i].state == HANDSHAKING) {
            reset_close(&conns[i]);
        }
    }
}

/* The client context of -t: the settings in the header comment, the same for every server. */
static SSL_CTX *tls_context(void) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1
        || SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1
        || SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256") != 1
        || SSL_CTX_set1_groups_list(ctx, "X25519") != 1) {
        ERR_print_errors_fp(stderr);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    /* Writes behave like send(): each record that went out counts, and a retry may pass the rest from anywhere. */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return ctx;
}

static void parse_conns(char *list) {
    for (char *tok = strtok(list, ","); tok != NULL; tok = strtok(NULL, ",")) {
        if (cfg.steps == MAX_STEPS) {
            usage();
        }
        cfg.conns[cfg.steps++] = atoi(tok);
    }
}

static void parse(int argc, char **argv) {
    const char *host = "127.0.0.1", *mode = NULL;
    int port = 0, opt;
    uint32_t size = 0;
    while ((opt = getopt(argc, argv, "m:p:h:c:s:r:d:W:w:S:T:Mt")) != -1) {
        switch (opt) {
        case 'm': mode = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'h': host = optarg; break;
        case 'c': parse_conns(optarg); break;
        case 's': size = (uint32_t) atol(optarg); break;
        case 'r': cfg.rounds = (uint32_t) atol(optarg); break;
        case 'd': cfg.duration = atof(optarg); break;
        case 'W': cfg.warmup = atof(optarg); break;
        case 'w': cfg.window = atoi(optarg); break;
        case 'T': cfg.timeout = atoi(optarg); break;
        case 'M': cfg.marks = 1; break;
        case 't': cfg.tls = 1; break;
        case 'S': {
            struct in_addr a;
            if (inet_pton(AF_INET, optarg, &a) != 1) {
                usage();
            }
            cfg.bind_source = 1;
            cfg.source = ntohl(a.s_addr);
            break;
        }
        default: usage();
        }
    }
    if (mode == NULL || port <= 0) {
        usage();
    }
    if (strcmp(mode, "burst") == 0) {
        cfg.mode = BURST;
    } else if (strcmp(mode, "pingpong") == 0) {
        cfg.mode = PINGPONG;
    } else if (strcmp(mode, "stream") == 0) {
        cfg.mode = STREAM;
    } else if (strcmp(mode, "idle") == 0) {
        cfg.mode = IDLE;
    } else if (strcmp(mode, "handshake") == 0) {
        cfg.mode = HANDSHAKE;
    } else {
        usage();
    }
    if (cfg.steps == 0) {
        cfg.conns[cfg.steps++] = cfg.mode == STREAM ? 1 : 100;
    }
    cfg.size = size > 0 ? size : cfg.mode == STREAM ? 64 * 1024 : 64;
    cfg.server.sin_family = AF_INET;
    cfg.server.sin_port = htons((uint16_t) port);
    if (inet_pton(AF_INET, host, &cfg.server.sin_addr) != 1 || cfg.window < 1 || cfg.rounds < 1) {
        usage();
    }
}

int main(int argc, char **argv) {
    parse(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    int n = cfg.conns[cfg.steps - 1];
    conns = calloc((size_t) n, sizeof *conns);
    payload_len = cfg.size;
    payload = malloc(payload_len);
    lat_cap = cfg.mode == PINGPONG || cfg.mode == HANDSHAKE ? (size_t) n * cfg.rounds : (size_t) n;
    lat = malloc(lat_cap * sizeof *lat);
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (conns == NULL || payload == NULL || lat == NULL || ep < 0) {
        perror("loadgen: start-up");
        return 1;
    }
    if (cfg.tls && (tls_ctx = tls_context()) == NULL) {
        fprintf(stderr, "loadgen: no TLS client context\n");
        return 1;
    }
    for (uint32_t i = 0; i < payload_len; i++) {
        payload[i] = (char) (i * 31 + 7);
    }
    deadline = now_ns() + (uint64_t) cfg.timeout * 1000000000u;
    int status;

    switch (cfg.mode) {
    case BURST: {
        mark("begin");
        uint64_t cpu0 = cpu_ns();
        open_conns(n, cfg.size);
        uint64_t cpu = cpu_ns() - cpu0;
        mark("end");
        print_common(n, last_echo > first_connect ? last_echo - first_connect : 0, cpu);
        print_latency();
        break;
    }
    case PINGPONG: {
        open_conns(n, cfg.size);
        mark("begin");
        phase = ROUND_TRIPS;
        settled = 0;
        uint64_t cpu0 = cpu_ns(), t0 = now_ns();
        for (int i = 0; i < n; i++) {
            if (conns[i].state == ACTIVE) {
                conns[i].busy = 1;
                begin_message(&conns[i]);
            } else {
                settled++; /* failed to open: takes no part */
            }
        }
        run(n, 0);
        uint64_t wall = now_ns() - t0, cpu = cpu_ns() - cpu0;
        mark("end");
        print_common(n, wall, cpu);
        printf(" rounds=%u msgs=%zu msgs_per_s=%.0f", cfg.rounds, lat_n, (double) lat_n * 1e9 / (double) wall);
        print_latency();
        break;
    }
    case STREAM: {
        open_conns(n, 64);
        uint64_t window0 = stream_received(n);
        mark("begin");
        phase = STREAMING;
        for (int i = 0; i < n; i++) {
            drive(&conns[i], EPOLLOUT); /* nothing else would raise the first edge */
        }
        uint64_t start = now_ns() + (uint64_t) (cfg.warmup * 1e9);
        run(0, start);
        uint64_t bytes0 = stream_received(n), cpu0 = cpu_ns(), t0 = now_ns();
        run(0, t0 + (uint64_t) (cfg.duration * 1e9));
        uint64_t bytes = stream_received(n), wall = now_ns() - t0, cpu = cpu_ns() - cpu0;
        mark("end");
        print_common(n, wall, cpu);
        printf(" bytes=%llu mb_per_s=%.1f window_bytes=%llu", (unsigned long long) (bytes - bytes0),
               (double) (bytes - bytes0) * 1e3 / (double) wall, (unsigned long long) (bytes - window0));
        break;
    }
    case HANDSHAKE: {
        mark("begin");
        phase = CHURNING;
        msg_size = cfg.size;
        total = n * (int) cfg.rounds;
        uint64_t cpu0 = cpu_ns(), t0 = now_ns();
        for (launched = 0; launched < n; launched++) {
            start_connect(launched);
        }
        run(0, 0);
        uint64_t wall = now_ns() - t0, cpu = cpu_ns() - cpu0;
        mark("end");
        print_common(n, wall, cpu);
        printf(" rounds=%u handshakes=%d handshakes_per_s=%.0f", cfg.rounds, ok, (double) ok * 1e9 / (double) wall);
        print_latency();
        break;
    }
    case IDLE: {
        char line[64];
        for (int s = 0; s < cfg.steps; s++) {
            open_conns(cfg.conns[s], cfg.size);
            printf("IDLE %d ok=%d errors=%d\n", cfg.conns[s], ok, errors);
            fflush(stdout);
            if (fgets(line, sizeof line, stdin) == NULL) {
                break;
            }
        }
        print_common(n, 0, 0);
        break;
    }
    }
    printf("\n");
    fflush(stdout);
    close_all(n);
    status = errors > 0 ? 3 : 0;
    return status;
}
