package io.gaio.benchmarks.server;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * One of the echo servers the benchmark compares. {@link ServerMain} starts it, prints its address, and then answers
 * the runner's memory questions until its standard input closes.
 */
public interface EchoServer extends AutoCloseable {
    /** The backlog of every listening socket: the system's somaxconn, so that a burst of connects is not dropped. */
    int BACKLOG = 4096;

    /**
     * Starts listening and serving.
     *
     * @param address where to listen
     * @return the address it listens on (with the port chosen, if port 0 was asked for)
     * @throws IOException when it cannot listen
     */
    InetSocketAddress start(InetSocketAddress address) throws IOException;

    /**
     * Native memory this server holds in direct buffers outside the JDK's own accounting (Netty's allocators), in
     * bytes; 0 for servers that use only JDK buffers.
     *
     * @return bytes, or 0 when unknown
     */
    default long extraDirectMemory() {
        return 0;
    }

    /** Stops serving and closes every connection. */
    @Override
    void close();
}
