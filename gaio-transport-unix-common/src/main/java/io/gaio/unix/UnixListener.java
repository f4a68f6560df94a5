package io.gaio.unix;

import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportListener;
import io.gaio.spi.TransportSocket;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiFunction;

/**
 * A listening socket the watcher owns, accepting natively ({@code accept4} with SOCK_NONBLOCK and SOCK_CLOEXEC on
 * Linux) into sockets of its transport. Watched edge-triggered from registration to close: a native transport adds
 * only how it asks its event loop for that ({@link #watch}). A transport that must ask for each readiness anew
 * overrides {@link #wouldBlock}. Everything but {@link #localAddress()} runs on the event loop thread.
 *
 * <p>An edge-triggered listening socket raises an event for every arrival (arrivals between two waits merge into
 * one), so the engine, which accepts until nothing is queued while accepts are pending, never misses one.
 */
public abstract class UnixListener implements TransportListener {
    private static final System.Logger LOG = System.getLogger("io.gaio.unix");
    /** Room for an address as Netty's {@code accept} writes it: a length byte, then up to 16 + 4 + 4 bytes. */
    private static final int ACCEPTED_ADDRESS_SIZE = 26;

    private final Socket socket;
    private final InetSocketAddress localAddress;
    private final BiFunction<Socket, ReadinessListener, ? extends TransportSocket> sockets;
    private final ReadinessListener listener;
    private final byte[] acceptedAddress = new byte[ACCEPTED_ADDRESS_SIZE];
    private IoRegistration registration;
    private boolean closed;

    /**
     * A listener that owns {@code socket} from now on.
     *
     * @param socket   a bound, listening, non-blocking TCP socket; closed by {@link #close()}
     * @param sockets  the transport's socket for an accepted descriptor
     * @param listener where readiness goes
     */
    protected UnixListener(Socket socket, BiFunction<Socket, ReadinessListener, ? extends TransportSocket> sockets,
                           ReadinessListener listener) {
        this.socket = socket;
        this.localAddress = socket.localAddress();
        this.sockets = sockets;
        this.listener = listener;
    }

    /**
     * Asks the event loop for edge-triggered readability, once, right after registration.
     *
     * @param registration the listener's registration
     */
    protected abstract void watch(IoRegistration registration);

    /**
     * Called when {@link #accept} found nothing queued, so that readiness follows when a connection arrives;
     * edge-triggered transports have nothing to do.
     *
     * @param registration the listener's registration
     * @throws IOException when the transport cannot watch for arrivals
     */
    protected void wouldBlock(IoRegistration registration) throws IOException {
    }

    /**
     * Whether {@code event} means that connections may be waiting; every event does, unless overridden.
     *
     * @param event an event the loop delivered for this listener
     * @return whether to report readiness
     */
    protected boolean isArrival(IoEvent event) {
        return true;
    }

    /**
     * Withdraws what {@link #watch} asked for, before the registration is cancelled and the descriptor closed; see
     * {@link EdgeTriggeredSocket#unwatch}. Nothing by default.
     *
     * @param registration the listener's registration, still valid
     */
    protected void unwatch(IoRegistration registration) {
    }

    /**
     * The listening descriptor.
     *
     * @return the socket, open until {@link #close()}
     */
    protected final Socket socket() {
        return socket;
    }

    @Override
    public final void attach(IoRegistration registration) {
        this.registration = registration;
        watch(registration);
    }

    @Override
    public final void handle(IoRegistration registration, IoEvent event) {
        // Anything escaping here makes Netty log it and pause the whole loop for about a second.
        try {
            if (isArrival(event)) {
                listener.onReadiness(true, false);
            }
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "gaio: unexpected error while handling a listener's event", t);
        }
    }

    /** Watched from registration to close: nothing to change. */
    @Override
    public final void interest(boolean accept) {
    }

    @Override
    public final TransportSocket accept(ReadinessListener accepted) throws IOException {
        int fd = socket.accept(acceptedAddress);
        if (fd < 0) {
            wouldBlock(registration);
            return null;
        }
        Socket s = new Socket(fd);
        try {
            return sockets.apply(s, accepted);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    @Override
    public final InetSocketAddress localAddress() {
        return localAddress;
    }

    /**
     * Withdraws the watch ({@link #unwatch}) and cancels the registration first, so that the event loop never watches
     * a reused descriptor number, then closes the descriptor.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (registration != null) {
            try {
                unwatch(registration);
                registration.cancel();
            } catch (RejectedExecutionException loopTerminated) {
                // The loop is gone and watches nothing any more.
            }
        }
        socket.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + localAddress + ")";
    }
}
