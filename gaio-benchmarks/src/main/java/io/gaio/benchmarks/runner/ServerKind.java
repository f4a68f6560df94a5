package io.gaio.benchmarks.runner;

import java.util.Arrays;
import java.util.List;

/** The echo servers the runner can compare; how each is started is up to {@link Launcher}. */
enum ServerKind {
    NETTY_EPOLL("netty-epoll", "Netty 4.2 epoll echo handler, 1 event loop thread, pooled allocator", "netty"),
    GAIO_EPOLL("gaio-epoll", "gaio, epoll transport, swap-buffer reads", "gaio", "--transport", "epoll"),
    GAIO_EPOLL_ON_LOOP("gaio-epoll-onloop", "gaio, epoll transport, swap-buffer reads, echoed on the event loop by "
            + "a CompletionHandler (no waitIO() thread)", "gaio", "--transport", "epoll", "--collect", "loop"),
    GAIO_NIO("gaio-nio", "gaio, nio transport, swap-buffer reads", "gaio", "--transport", "nio"),
    GAIO_EPOLL_4K("gaio-epoll-4k", "gaio, epoll transport, a 4 KB buffer per connection", "gaio",
            "--transport", "epoll", "--buffer", "4096"),
    GAIO_IO_URING("gaio-io_uring", "gaio, io_uring transport, swap-buffer reads (poll, then read)", "gaio",
            "--transport", "io_uring"),
    GAIO_IO_URING_4K("gaio-io_uring-4k", "gaio, io_uring transport, a 4 KB buffer per connection (recv submitted "
            + "into it)", "gaio", "--transport", "io_uring", "--buffer", "4096"),
    VTHREADS("vthreads", "a virtual thread per connection, blocking sockets, 4 KB buffer (JDK 21+)", "vthreads"),
    JDK_ASYNC("jdk-async", "JDK AsynchronousSocketChannel, 1-thread group, 4 KB direct buffer each", "jdk-async"),
    C_EPOLL("c-epoll", "C, edge-triggered epoll, 1 thread: the ceiling");

    /** The server every ratio is taken against. */
    static final ServerKind BASELINE = NETTY_EPOLL;
    /** What the runner compares when not told otherwise, in the order it alternates them. */
    static final List<ServerKind> DEFAULTS = List.of(NETTY_EPOLL, GAIO_EPOLL, GAIO_EPOLL_ON_LOOP,
            GAIO_IO_URING, GAIO_IO_URING_4K, GAIO_NIO, VTHREADS, JDK_ASYNC, C_EPOLL);
    /** What the TLS plan compares when not told otherwise: Netty's SslHandler against gaio's TlsLayer. */
    static final List<ServerKind> TLS_DEFAULTS = List.of(NETTY_EPOLL, GAIO_EPOLL, GAIO_IO_URING, GAIO_NIO);

    final String id;
    final String description;
    /** {@code ServerMain}'s arguments; empty for the C server. */
    final List<String> serverMainArgs;

    ServerKind(String id, String description, String... serverMainArgs) {
        this.id = id;
        this.description = description;
        this.serverMainArgs = List.of(serverMainArgs);
    }

    boolean isJava() {
        return !serverMainArgs.isEmpty();
    }

    /** Whether {@code ServerMain} can run it over TLS ({@code --tls}): the gaio and Netty servers. */
    boolean hasTlsVariant() {
        return isJava() && List.of("gaio", "netty").contains(serverMainArgs.get(0));
    }

    static ServerKind byId(String id) {
        for (ServerKind k : values()) {
            if (k.id.equals(id)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown server '" + id + "'; known: "
                + Arrays.stream(values()).map(k -> k.id).toList());
    }
}
