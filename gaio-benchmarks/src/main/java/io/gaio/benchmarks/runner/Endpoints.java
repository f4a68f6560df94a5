package io.gaio.benchmarks.runner;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Fresh addresses for every run, so that no run meets the TIME_WAIT sockets or port reuse of an earlier one: each
 * server process listens on a new port, and each load connects from the next loopback source address
 * (127.0.0.2 … 127.0.0.254, round robin). The load generator also closes with a reset, leaving no TIME_WAIT at all.
 */
final class Endpoints {
    private static final int FIRST_PORT = 21000;
    private static final int LAST_PORT = 29999;
    private static final int FIRST_SOURCE = 2;
    private static final int LAST_SOURCE = 254;

    private int port = FIRST_PORT - 1;
    private int source = FIRST_SOURCE - 1;

    /** A port that is free on 127.0.0.1 right now. */
    int nextPort() throws IOException {
        for (int tries = 0; tries <= LAST_PORT - FIRST_PORT; tries++) {
            port = port >= LAST_PORT ? FIRST_PORT : port + 1;
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return port;
            } catch (IOException inUse) {
                // Try the next one.
            }
        }
        throw new IOException("no free port in " + FIRST_PORT + "-" + LAST_PORT);
    }

    /** The next source address, e.g. {@code 127.0.0.7}. */
    String nextSource() {
        source = source >= LAST_SOURCE ? FIRST_SOURCE : source + 1;
        return "127.0.0." + source;
    }
}
