package io.gaio;

import java.net.InetSocketAddress;

/**
 * A listening TCP socket the watcher owns, opened with {@link Watcher#listen}. Connections are taken from it with
 * accept requests ({@link Watcher#accept}), which complete like reads and writes, in batches, each with a new
 * {@link Connection}. Many accepts may be pending on one listener; they complete in submission order. Nothing is
 * accepted while no accept is pending: the kernel queues arriving connections up to the backlog.
 *
 * <p>When an accept fails, for example at the process's descriptor limit (EMFILE, ENFILE), the accept at the head
 * completes with the error and the listener waits before it tries again: 5 ms, doubling up to 1 s while failures go
 * on, whether or not accepts are submitted meanwhile, so that an application which resubmits at once does not spin
 * while the connection stays queued in the kernel. The connections still queued are accepted once descriptors are
 * free again.
 */
public final class Listener implements AutoCloseable {
    final Acceptor acceptor;

    Listener(Acceptor acceptor) {
        this.acceptor = acceptor;
    }

    /**
     * Where the listener is bound.
     *
     * @return the address, with the port the kernel chose when port 0 was asked for
     */
    public InetSocketAddress localAddress() {
        return acceptor.socket.localAddress();
    }

    /**
     * Whether the listener still listens.
     *
     * @return {@code false} once closed, directly or by closing its watcher
     */
    public boolean isOpen() {
        return !acceptor.closed;
    }

    /**
     * Stops listening. Accepts still pending complete with {@link ConnectionClosedException}; connections accepted
     * before stay open; those queued in the kernel and not yet accepted are reset. Blocks until the socket is closed
     * (unless called on the watcher's event loop), so that the port can be bound again at once. Harmless when called
     * again, or after the watcher closed.
     */
    @Override
    public void close() {
        acceptor.engine.closeListener(acceptor);
    }

    @Override
    public String toString() {
        return "Listener(" + acceptor.socket.localAddress() + (acceptor.closed ? ", closed)" : ")");
    }
}
