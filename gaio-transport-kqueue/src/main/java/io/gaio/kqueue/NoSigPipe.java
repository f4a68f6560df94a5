package io.gaio.kqueue;

import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.util.Locale;

/**
 * Sets SO_NOSIGPIPE on the transport's sockets, so that a write to a connection the peer has closed fails with EPIPE
 * without raising SIGPIPE. Netty writes with plain {@code write}/{@code writev}, which take no flags such as
 * MSG_NOSIGNAL, so without the option the kernel signals the process: HotSpot ignores SIGPIPE, but a handler the
 * application (or a native library) installed would run on every such write. Linux has no such socket option; this
 * serves the kqueue transport, which runs on macOS and the BSDs only.
 */
final class NoSigPipe {
    /** {@code SOL_SOCKET} on macOS and the BSDs (Linux's is 1). */
    static final int SOL_SOCKET = 0xffff;
    /** This system's {@code SO_NOSIGPIPE}, or 0 where there is none. */
    private static final int OPTION = option(System.getProperty("os.name", ""));

    private NoSigPipe() {
    }

    /**
     * {@code SO_NOSIGPIPE} on the system named {@code osName} ({@code os.name}): {@code 0x1022} on macOS (an Apple
     * addition, in XNU's {@code sys/socket.h}), {@code 0x0800} on FreeBSD and DragonFly, 0 (none) elsewhere; OpenBSD
     * has no such option.
     */
    static int option(String osName) {
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return 0x1022;
        }
        return os.contains("freebsd") || os.contains("dragonfly") ? 0x0800 : 0;
    }

    /** Sets the option on {@code socket} where the system has it; best effort. */
    static void set(Socket socket) {
        if (OPTION == 0) {
            return;
        }
        try {
            socket.setIntOpt(SOL_SOCKET, OPTION, 1);
        } catch (IOException e) {
            // XNU refuses socket options (EINVAL) once a connection is shut down in both directions, e.g. reset by
            // the peer before it was accepted. Nothing is lost that the option could save: such a socket's next
            // write fails with EPIPE either way, and HotSpot ignores the SIGPIPE unless the application took it over.
        }
    }
}
