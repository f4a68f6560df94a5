package io.gaio.iouring;

import io.netty.channel.IoRegistration;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.uring.IoUringIoOps;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;

/**
 * What every gaio io_uring handle does with its registration: submit operations on its descriptor, counted, and
 * give the registration up only once the last of them completed. Netty delivers no completion to a cancelled
 * registration, so a buffer lent to a submission in flight would never come back, and a handle's own bookkeeping
 * (a poll it thinks outstanding) would never be cleared. Loop thread only.
 */
final class Submissions {
    /** The tag of an {@code IORING_OP_ASYNC_CANCEL}'s own completion; handles number their tags from 1. */
    static final short CANCEL = 0;
    /** What Netty's {@code IoRegistration.submit} returns when the registration no longer takes submissions. */
    private static final long REFUSED = 0;

    private final int fd;
    private IoRegistration registration;
    /** Submissions whose completion has not come yet. */
    private int outstanding;
    private boolean closed;

    /** Submissions on {@code fd}, the descriptor every one of them but a cancellation names. */
    Submissions(int fd) {
        this.fd = fd;
    }

    /** The registration, once the engine registered the handle; until then every submission fails. */
    void attach(IoRegistration registration) {
        this.registration = registration;
    }

    /**
     * Queues one submission; the loop hands it to the kernel at its next {@code io_uring_enter}.
     *
     * @return its id, for {@link #cancel}; never 0
     * @throws IOException when the handle is not registered yet, or the loop takes no more submissions
     */
    long submit(byte opcode, long address, int length, int opFlags, short tag) throws IOException {
        if (registration == null) {
            throw new IOException("not registered with an io_uring event loop yet");
        }
        long id = registration.submit(new IoUringIoOps(opcode, (byte) 0, (short) 0, fd, 0L, address, length,
                opFlags, (long) tag, (short) 0, (short) 0, 0, 0L));
        if (id == REFUSED) {
            throw new IOException("the io_uring event loop takes no more submissions: it is shutting down");
        }
        outstanding++;
        return id;
    }

    /** A one-shot {@code IORING_OP_POLL_ADD}: completes once the descriptor is ready for {@code events}. */
    long poll(int events, short tag) throws IOException {
        return submit(Uring.OP_POLL_ADD, 0, 0, events, tag);
    }

    /**
     * Asks the kernel to end submission {@code id} soon; nothing when {@code id} is 0 (nothing in flight). Best
     * effort: a submission that ends before the cancellation reaches it completes as it is, and either way it
     * still completes, the cancellation with tag {@link #CANCEL} besides.
     *
     * @throws RejectedExecutionException off the loop thread once the loop terminated
     */
    void cancel(long id) {
        if (id == 0 || registration == null) {
            return;
        }
        long cancel = registration.submit(new IoUringIoOps(Uring.OP_ASYNC_CANCEL, (byte) 0, (short) 0, -1, 0L, id,
                0, 0, (long) CANCEL, (short) 0, (short) 0, 0, 0L));
        if (cancel != REFUSED) {
            outstanding++;
        }
    }

    /** Counts one completion in, after the handle dealt with it: a closed handle's last gives up the registration. */
    void completed() {
        outstanding--;
        releaseIfDone();
    }

    /**
     * Closes the handle: cancels what is in flight, closes the descriptor at once (each submission in flight holds
     * its own reference to the socket, so the number may be reused safely), and gives up the registration at the
     * last completion, or now when nothing is in flight.
     *
     * @param descriptor the handle's descriptor, closed even when the loop is gone
     * @param inFlight   the ids of the submissions in flight, each once; 0 for none
     */
    void close(FileDescriptor descriptor, long... inFlight) throws IOException {
        closed = true;
        try {
            for (long id : inFlight) {
                cancel(id);
            }
            releaseIfDone();
        } catch (RejectedExecutionException loopTerminated) {
            // Closed off a terminated loop (a watcher closed after its group): the ring went with the loop, and the
            // kernel cancelled what was in flight.
        } finally {
            descriptor.close();
        }
    }

    private void releaseIfDone() {
        if (closed && outstanding == 0 && registration != null) {
            try {
                registration.cancel();
            } catch (RejectedExecutionException loopTerminated) {
                // The loop is gone, and its ring with it.
            }
        }
    }
}
