package io.gaio.unix;

import io.gaio.spi.ReadinessListener;
import io.netty.buffer.ByteBuf;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;

/**
 * A delegated socket the watcher owns, watched edge-triggered for both directions from registration to close, with
 * reads and writes straight between the descriptor and the buffers' native memory. A native transport adds only how
 * it asks its event loop for edge-triggered readiness ({@link #watch}) and how it reads an event ({@link #readiness});
 * its subclass also implements the transport's Netty handle interface (an {@code EpollIoHandle} is known by its
 * descriptor, a {@code KQueueIoHandle} by its descriptor number).
 *
 * <p>Life cycle: the engine registers the socket with its event loop and calls {@link #attach}, which calls
 * {@link #watch} once; events go to the {@link ReadinessListener} until {@link #close()} calls {@link #unwatch},
 * cancels the registration and closes the descriptor. Everything runs on the event loop thread.
 */
public abstract class EdgeTriggeredSocket extends UnixSocket {
    /** A bit of {@link #readiness}: the socket may have bytes, an end of stream or an error to read. */
    protected static final int READABLE = 1;
    /** A bit of {@link #readiness}: the socket may accept bytes, or have an error to report on write. */
    protected static final int WRITABLE = 2;
    /**
     * A bit of {@link #readiness}: the peer ended its stream, or the socket has an error. Reads never skip from then
     * on: this may be the last edge the socket raises, and the end of stream must be read even if a read drained the
     * bytes before it.
     */
    protected static final int ENDING = 4;

    private static final System.Logger LOG = System.getLogger("io.gaio.unix");

    private final ReadinessListener listener;
    private IoRegistration registration;
    /** Why the event loop refused the socket; reported by every read and write, since attach() cannot fail. */
    private RuntimeException refused;
    /**
     * Whether the last read found fewer bytes than it had room for, with no readable edge since. The kernel's queue
     * was empty then, and bytes arriving later raise a new edge, so the next read would find EAGAIN, unless the next
     * message already came (measured: it mostly had, so few system calls are saved: 2.2 to 2.16 per echo at 10,000
     * connections). What the skip bought is the tail: p99.9 at 10,000 connections 1.5-1.8 s without it, 0.16-0.20 s
     * with it (docs/ARCHITECTURE.md).
     */
    private boolean drained;
    /** Whether an {@link #ENDING} edge came: reads never skip any more. */
    private boolean ending;

    /**
     * A socket that owns {@code socket} from now on.
     *
     * @param socket   a non-blocking TCP socket, connected or about to connect; closed by {@link #close()}
     * @param listener where readiness goes
     */
    protected EdgeTriggeredSocket(Socket socket, ReadinessListener listener) {
        super(socket);
        this.listener = listener;
    }

    /**
     * Asks the event loop for edge-triggered readiness in both directions, once, right after registration.
     *
     * @param registration the socket's registration with its event loop
     * @throws RuntimeException when the event loop refuses, for example at a kernel limit of watched descriptors;
     *                          the first read or write then reports it
     */
    protected abstract void watch(IoRegistration registration);

    /**
     * Reads an event of the transport's event loop.
     *
     * @param event an event the loop delivered for this socket
     * @return {@link #READABLE} and/or {@link #WRITABLE}; errors and hang-ups count as both, and add
     *         {@link #ENDING}
     */
    protected abstract int readiness(IoEvent event);

    /**
     * Withdraws what {@link #watch} asked for, before the registration is cancelled and the descriptor closed. Only a
     * transport whose requests wait in a change list until the loop's next wait (kqueue) needs it: a request still
     * queued there would otherwise reach whatever file gets the descriptor number next. Nothing by default (epoll
     * applies each request at once, and closing the descriptor ends it).
     *
     * @param registration the socket's registration, still valid
     */
    protected void unwatch(IoRegistration registration) {
    }

    @Override
    public final void attach(IoRegistration registration) {
        this.registration = registration;
        try {
            watch(registration);
        } catch (RuntimeException e) {
            refused = e;
        }
    }

    @Override
    public final void handle(IoRegistration registration, IoEvent event) {
        // Anything escaping here makes Netty log it and pause the whole loop for about a second.
        try {
            int ready = readiness(event);
            if ((ready & READABLE) != 0) {
                drained = false;
            }
            if ((ready & ENDING) != 0) {
                ending = true;
            }
            listener.onReadiness((ready & READABLE) != 0, (ready & WRITABLE) != 0);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "gaio: unexpected error while handling a readiness event", t);
        }
    }

    /** Edge-triggered for both directions since {@link #attach}: nothing to change. */
    @Override
    public final void interest(boolean read, boolean write) {
    }

    @Override
    public final int read(ByteBuf dst) throws IOException {
        checkWatched();
        if (drained) {
            return 0;
        }
        int room = Math.min(dst.writableBytes(), SocketIo.BOUNCE_SIZE);
        int n = SocketIo.read(socket(), dst);
        // Short of the room even through the bounce buffer: the kernel had no more (TCP's recvmsg copies while bytes
        // are queued). Only a watched socket gets the edge that ends the skipping.
        drained = n >= 0 && n < room && !ending && registration != null;
        return n;
    }

    @Override
    public final long write(ByteBuf[] srcs, int count) throws IOException {
        checkWatched();
        return SocketIo.write(socket(), srcs, count);
    }

    @Override
    public final void close() throws IOException {
        if (registration != null) {
            try {
                unwatch(registration);
                // On the loop thread this takes the socket off the event loop at once, before its number can be
                // reused.
                registration.cancel();
            } catch (RejectedExecutionException loopTerminated) {
                // Off a terminated loop (a watcher closed after its group): no readiness comes any more, and closing
                // the descriptor takes it out of the kernel's epoll or kqueue set.
            }
        }
        socket().close();
    }

    private void checkWatched() throws IOException {
        if (refused != null) {
            throw new IOException("the event loop refused the socket: " + refused.getMessage(), refused);
        }
    }
}
