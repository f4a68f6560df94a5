package io.gaio.benchmarks.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ThreadFactory;

/**
 * A virtual thread per connection, blocking sockets and a 4 KB buffer each: the plain JDK 21+ way. The module
 * compiles for Java 17, so {@code Thread.ofVirtual()} is reached by reflection; on an older JDK
 * {@link #unavailabilityReason()} says why the server cannot run.
 */
public final class VirtualThreadEchoServer implements EchoServer {
    private static final int BUFFER_SIZE = 4096;

    private final ThreadFactory virtualThreads;
    private ServerSocket listener;

    /**
     * A server that starts a virtual thread per connection.
     *
     * @throws IllegalStateException on a JDK without virtual threads
     */
    public VirtualThreadEchoServer() {
        String reason = unavailabilityReason();
        if (reason != null) {
            throw new IllegalStateException(reason);
        }
        this.virtualThreads = virtualThreadFactory();
    }

    /**
     * Why this JDK cannot run the server.
     *
     * @return {@code null} on JDK 21 and later, else the reason
     */
    public static String unavailabilityReason() {
        return Runtime.version().feature() >= 21 ? null : "virtual threads need JDK 21 or later, this is JDK "
                + Runtime.version() + "; point the runner at one with --jdk21 PATH";
    }

    private static ThreadFactory virtualThreadFactory() {
        try {
            // Thread.ofVirtual().factory(), through the Java 17 API.
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            return (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create virtual threads on JDK " + Runtime.version(), e);
        }
    }

    @Override
    public InetSocketAddress start(InetSocketAddress address) throws IOException {
        listener = new ServerSocket();
        listener.bind(address, BACKLOG);
        virtualThreads.newThread(this::acceptLoop).start();
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    private void acceptLoop() {
        try {
            while (true) {
                Socket socket = listener.accept();
                socket.setTcpNoDelay(true);
                virtualThreads.newThread(() -> echo(socket)).start();
            }
        } catch (IOException stopped) {
            // close() was called.
        }
    }

    private static void echo(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            byte[] buffer = new byte[BUFFER_SIZE];
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (IOException dropped) {
            // Reset by the peer: the load generator closes with a reset.
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
    }
}
