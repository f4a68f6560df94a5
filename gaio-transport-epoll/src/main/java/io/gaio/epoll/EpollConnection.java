package io.gaio.epoll;

import io.netty.channel.epoll.LinuxSocket;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.net.InetSocketAddress;

/**
 * A TCP connection accepted by an {@link EpollAcceptor}, to be handed to a watcher on the {@code epoll} transport.
 *
 * <p>It holds the accepted descriptor and nothing else: it has no reads or writes of its own. The first request that
 * names it hands the descriptor itself to the watcher, without the duplication that JDK and Netty channels need.
 * From then on the watcher owns the socket and this object reports {@link #isOpen()} {@code false}; {@link #close()}
 * then does nothing, and dropping the object without {@code Watcher.free} lets the watcher's cleaner close the
 * socket, as for any connection on this transport. A connection never handed to a watcher should be closed; one
 * dropped unclosed has its descriptor closed when it is garbage collected.
 *
 * <p>Thread-safe: {@link #close()} may race with the hand-over, and exactly one of them gets the descriptor.
 */
public final class EpollConnection implements AutoCloseable {
    private final Descriptor descriptor;
    private final InetSocketAddress local;
    private final InetSocketAddress remote;

    EpollConnection(LinuxSocket socket, InetSocketAddress local, InetSocketAddress remote) {
        this.descriptor = new Descriptor(socket);
        this.local = local;
        this.remote = remote;
        Unclosed.CLEANER.register(this, descriptor);
    }

    /**
     * The address this connection was accepted on.
     *
     * @return the local address, also after the hand-over
     */
    public InetSocketAddress localAddress() {
        return local;
    }

    /**
     * The peer's address, as {@code accept} reported it.
     *
     * @return the remote address, also after the hand-over
     */
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    /**
     * Whether this object still holds the descriptor: neither closed nor handed to a watcher.
     *
     * @return {@code true} until {@link #close()} or the first request that names this connection
     */
    public boolean isOpen() {
        return descriptor.isHeld();
    }

    /**
     * Closes the connection unless a watcher took it over; harmless when called again or after the hand-over.
     *
     * @throws IOException when closing the descriptor fails
     */
    @Override
    public void close() throws IOException {
        descriptor.close();
    }

    /**
     * Hands the descriptor over, once: the caller owns it from then on.
     *
     * @return the socket
     * @throws IOException when the connection was closed or handed over before
     */
    LinuxSocket take() throws IOException {
        return descriptor.take();
    }

    @Override
    public String toString() {
        return "EpollConnection(" + local + " <- " + remote + (isOpen() ? ")" : ", handed over or closed)");
    }

    /** The descriptor and who holds it; also the cleaner's action, so it must not reference the connection. */
    private static final class Descriptor implements Runnable {
        private LinuxSocket socket;

        Descriptor(LinuxSocket socket) {
            this.socket = socket;
        }

        synchronized boolean isHeld() {
            return socket != null;
        }

        synchronized LinuxSocket take() throws IOException {
            LinuxSocket taken = socket;
            if (taken == null) {
                throw new IOException("the connection was closed, or already handed to a watcher");
            }
            socket = null;
            return taken;
        }

        synchronized void close() throws IOException {
            LinuxSocket held = socket;
            socket = null;
            if (held != null) {
                held.close();
            }
        }

        @Override
        public void run() {
            try {
                close();
            } catch (IOException ignored) {
                // Nobody is left to tell.
            }
        }
    }

    /** The cleaner of connections dropped while they still hold their descriptor; its thread starts on first use. */
    private static final class Unclosed {
        static final Cleaner CLEANER = Cleaner.create();
    }
}
