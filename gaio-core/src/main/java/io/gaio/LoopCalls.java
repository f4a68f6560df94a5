package io.gaio;

import io.gaio.spi.LayeredSocket;
import io.gaio.spi.TransportSocket;
import io.netty.channel.IoEventLoop;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;

/**
 * What other threads ask of the event loop and wait for: a connection's addresses and socket options (the socket is
 * the loop's), a listener opened or closed. On the loop thread itself the call runs at once.
 */
final class LoopCalls {
    private LoopCalls() {
    }

    /** A connection's local or remote address, asked on the loop; null when closed or not connected. */
    static InetSocketAddress addressOf(Conn conn, boolean local) {
        try {
            return run(conn.engine.loop, () -> conn.closed || !conn.isEstablished() ? null
                    : local ? conn.socket.localAddress() : conn.socket.remoteAddress());
        } catch (IOException closedMeanwhile) {
            return null;
        }
    }

    /** What the connection's layer tells as {@code type}, asked on the loop; null without a layer or a loop. */
    static <T> T describe(Conn conn, Class<T> type) {
        try {
            return run(conn.engine.loop, () -> conn.socket instanceof LayeredSocket
                    ? ((LayeredSocket) conn.socket).describe(type) : null);
        } catch (IOException loopGone) {
            return null;
        }
    }

    static <T> T getOption(Conn conn, SocketOption<T> option) throws IOException {
        return run(conn.engine.loop, () -> established(conn).getOption(option));
    }

    static <T> void setOption(Conn conn, SocketOption<T> option, T value) throws IOException {
        run(conn.engine.loop, () -> {
            established(conn).setOption(option, value);
            return null;
        });
    }

    private static TransportSocket established(Conn conn) throws IOException {
        if (conn.closed) {
            throw new ClosedChannelException();
        }
        if (!conn.isEstablished()) {
            throw new IOException("the connection is not established yet: set options before the connect with "
                    + "ConnectOptions.option, or once its CONNECT completed");
        }
        return conn.socket;
    }

    /**
     * Runs {@code task} on {@code loop} and waits for it; on the loop thread, runs it now.
     *
     * @throws ClosedChannelException when the loop takes no more tasks
     */
    static <T> T run(IoEventLoop loop, Callable<T> task) throws IOException {
        if (loop.inEventLoop()) {
            return call(task);
        }
        Future<T> done;
        try {
            done = loop.submit(() -> call(task)).awaitUninterruptibly();
        } catch (RejectedExecutionException e) {
            throw new ClosedChannelException();
        }
        if (done.isSuccess()) {
            return done.getNow();
        }
        Throwable cause = done.cause();
        if (cause instanceof IOException) {
            throw (IOException) cause;
        }
        if (cause instanceof RuntimeException) {
            throw (RuntimeException) cause;
        }
        throw new IOException(cause);
    }

    private static <T> T call(Callable<T> task) throws IOException {
        try {
            return task.call();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }
}
