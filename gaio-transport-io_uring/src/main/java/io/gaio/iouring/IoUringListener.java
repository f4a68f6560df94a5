package io.gaio.iouring;

import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportSocket;
import io.gaio.unix.UnixListener;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.util.function.BiFunction;

/**
 * The watcher's listening socket on io_uring: poll + accept. A ring has no standing interest to register, so when an
 * {@code accept4} finds nothing queued ({@link #wouldBlock}) the listener submits a one-shot
 * {@code IORING_OP_POLL_ADD} for POLLIN, and its completion is the arrival the engine waits for; the engine then
 * accepts natively ({@link UnixListener}) until nothing is queued, which arms the next poll. An idle listener with
 * no accept pending holds no submission once its last poll completed. (An {@code IORING_OP_ACCEPT} would save the
 * {@code accept4} after each poll, but a connection it takes is the transport's to hold until the engine asks, and
 * to close when the listener closes first; a poll takes nothing.)
 *
 * <p>Closing with a poll in flight first shuts the socket's reading side down, which on a listening socket stops it
 * listening at once (the poll holds its own reference to the socket, which closing the descriptor would not end
 * before the poll does), then submits {@code IORING_OP_ASYNC_CANCEL} for the poll and closes the descriptor; the
 * number may be reused safely at once. The registration stays until the poll's last completion came, as
 * {@link IoUringSocket}'s does, so that nothing completes onto a registration Netty has forgotten.
 */
final class IoUringListener extends UnixListener implements IoUringIoHandle {
    /** The tag of the poll's completion, told apart from {@link Submissions#CANCEL}. */
    private static final short POLL_IN = 1;

    private final Submissions submissions;
    /** The poll in flight, else 0. */
    private long pollId;
    private boolean closed;

    IoUringListener(Socket socket, BiFunction<Socket, ReadinessListener, ? extends TransportSocket> sockets,
                    ReadinessListener listener) {
        super(socket, sockets, listener);
        this.submissions = new Submissions(socket.intValue());
    }

    /** Nothing to ask for yet: the first poll is submitted when an accept finds nothing queued. */
    @Override
    protected void watch(IoRegistration registration) {
        submissions.attach(registration);
    }

    /** One poll at a time: a second would only report the same arrival twice. */
    @Override
    protected void wouldBlock(IoRegistration registration) throws IOException {
        if (pollId == 0 && !closed) {
            pollId = submissions.poll(Uring.POLLIN, POLL_IN);
        }
    }

    /**
     * The poll's completion, whatever its result, is an arrival while the listener is open: an error shows in the
     * {@code accept4} that follows, and nothing queued arms the next poll. A cancellation's own completion is not.
     */
    @Override
    protected boolean isArrival(IoEvent event) {
        boolean poll = (short) ((IoUringIoEvent) event).userData() == POLL_IN;
        if (poll) {
            pollId = 0;
        }
        submissions.completed();
        return poll && !closed;
    }

    /**
     * Stops listening at once, cancels the poll in flight, closes the descriptor, and gives up the registration once
     * the last completion came. Idempotent.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (pollId != 0) {
            try {
                // The poll holds the socket until the kernel takes the cancellation, which the loop submits only
                // after this returns; Listener.close() promises the port free at once. SHUT_RD on a listening
                // socket stops it listening now (queued connections are reset, a listener with SO_REUSEADDR may
                // bind the port again) and wakes the poll.
                socket().shutdown(true, false);
            } catch (IOException alreadyGone) {
                // Closing the descriptor below ends it all the same, only later.
            }
        }
        submissions.close(socket(), pollId);
    }
}
