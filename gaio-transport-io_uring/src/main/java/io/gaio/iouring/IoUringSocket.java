package io.gaio.iouring;

import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportSocket;
import io.gaio.unix.SocketIo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.IovArray;
import io.netty.channel.unix.Limits;
import io.netty.channel.unix.Socket;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoOps;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.RejectedExecutionException;

/**
 * The watcher's socket on io_uring, a completion-based {@link TransportSocket}.
 *
 * <ul>
 *   <li>A read into a request's own direct buffer is an {@code IORING_OP_RECV} into that buffer's memory, lent to
 *       the kernel until its completion ({@link TransportSocket#IN_FLIGHT}).</li>
 *   <li>A read into the watcher's shared swap buffers ({@link #read}) must not hold a slot while the connection is
 *       idle: it reads at once, and when nothing is there it submits an {@code IORING_OP_POLL_ADD} for POLLIN, which
 *       holds no buffer, and reports readability when that completes. (Netty keeps its kernel-provided buffer rings,
 *       the kernel's own form of a swap buffer, to its own channels: a foreign handle cannot reach them.)</li>
 *   <li>Writes are an {@code IORING_OP_SEND} of one buffer or an {@code IORING_OP_WRITEV} of several direct
 *       buffers, their iovec array in pooled memory held until the completion. Heap buffers, which the kernel
 *       cannot be given (the collector moves them), go through {@link SocketIo}'s bounce buffer at once, and wait
 *       for a POLLOUT poll when the socket is full. Reads into heap buffers do the same with POLLIN.</li>
 *   <li>{@link #cancel} and {@link #close()} submit {@code IORING_OP_ASYNC_CANCEL} for what is in flight. The
 *       descriptor is closed at once (a submission in flight holds its own reference to the socket, so the number
 *       may be reused safely); the registration stays until the last completion, so that every lent buffer comes
 *       back through {@link #submitRead}/{@link #write}.</li>
 * </ul>
 * A submission the kernel answers with EAGAIN (the descriptor is non-blocking) waits for a poll and is submitted
 * again. Everything runs on the event loop thread.
 */
final class IoUringSocket implements TransportSocket, IoUringIoHandle {
    private static final System.Logger LOG = System.getLogger("io.gaio.iouring");
    /** What Netty's {@code IoRegistration.submit} returns when the registration no longer takes submissions. */
    private static final long REFUSED = 0;
    private static final int EAGAIN = 11;

    // Tags carried in each submission's user data, to tell the completions apart.
    private static final short RECV = 1;
    private static final short SEND = 2;
    private static final short POLL_IN = 3;
    private static final short POLL_OUT = 4;
    private static final short CANCEL = 5;

    private final Socket socket;
    private final int fd;
    private final ReadinessListener listener;
    private IoRegistration registration;
    private boolean closed;
    /** Submissions whose completion has not come yet; the registration is cancelled only at zero. */
    private int outstanding;

    /** The buffer a receive is lent, else null; {@link #recvId} is 0 while it waits for a poll after EAGAIN. */
    private ByteBuf recvBuffer;
    private long recvId;
    private boolean recvDone;
    private int recvResult;

    /** Whether a write is in flight (submitted, or waiting for a poll after EAGAIN). */
    private boolean sending;
    private long sendId;
    private boolean sendDone;
    private int sendResult;
    private long sendAddress;
    private int sendLength;
    /** The iovec array of a gathering write in flight, else null. */
    private IovArray sendIov;

    private long pollInId;
    private long pollOutId;

    IoUringSocket(Socket socket, ReadinessListener listener) {
        this.socket = socket;
        this.fd = socket.intValue();
        this.listener = listener;
    }

    @Override
    public void attach(IoRegistration registration) {
        this.registration = registration;
    }

    /** Every operation is submitted when it is needed: nothing to watch. */
    @Override
    public void interest(boolean read, boolean write) {
    }

    @Override
    public int read(ByteBuf dst) throws IOException {
        checkOpen();
        int n = SocketIo.read(socket, dst);
        if (n == 0) {
            pollIn();
        }
        return n;
    }

    @Override
    public int submitRead(ByteBuf dst) throws IOException {
        if (recvBuffer != null) {
            if (!recvDone) {
                return IN_FLIGHT;
            }
            int res = recvResult;
            recvBuffer = null;
            recvDone = false;
            if (res > 0) {
                return res;
            }
            if (res == 0) {
                return -1;
            }
            if (res == -Uring.ECANCELED || res == -Uring.EINTR) {
                return 0;
            }
            throw Errors.newIOException("recv", res);
        }
        checkOpen();
        if (!dst.hasMemoryAddress()) {
            return read(dst);
        }
        recvBuffer = dst;
        submitRecv();
        return IN_FLIGHT;
    }

    private void submitRecv() throws IOException {
        try {
            recvId = submit(Uring.OP_RECV, recvBuffer.memoryAddress() + recvBuffer.writerIndex(),
                    recvBuffer.writableBytes(), 0, RECV);
        } catch (IOException e) {
            recvBuffer = null;
            throw e;
        }
    }

    @Override
    public long write(ByteBuf[] srcs, int count) throws IOException {
        if (sending) {
            if (!sendDone) {
                return IN_FLIGHT;
            }
            int res = sendResult;
            sending = false;
            sendDone = false;
            if (res >= 0) {
                return res;
            }
            if (res == -Uring.ECANCELED || res == -Uring.EINTR) {
                return 0;
            }
            throw Errors.newIOException("send", res);
        }
        checkOpen();
        ByteBuf first = srcs[0];
        if (count == 1 && first.hasMemoryAddress()) {
            sendAddress = first.memoryAddress() + first.readerIndex();
            sendLength = first.readableBytes();
        } else if (first.isDirect()) {
            sendIov = gather(srcs, count);
        } else {
            long n = SocketIo.write(socket, srcs, count);
            if (n == 0) {
                pollOut();
            }
            return n;
        }
        sending = true;
        submitSend();
        return IN_FLIGHT;
    }

    /**
     * The leading direct buffers' iovecs, in pooled native memory sized for them, that the kernel reads later.
     * Netty deprecated this constructor for {@code IovArray(int)}, which allocates fresh unpooled memory with a
     * cleaner on every call: too slow for one array per write, and the pooled one is released at the completion.
     */
    @SuppressWarnings("deprecation")
    private static IovArray gather(ByteBuf[] srcs, int count) {
        int entries = 0;
        for (int i = 0; i < count && srcs[i].isDirect() && entries < Limits.IOV_MAX; i++) {
            entries += srcs[i].nioBufferCount();
        }
        entries = Math.min(entries, Limits.IOV_MAX);
        IovArray iov = new IovArray(PooledByteBufAllocator.DEFAULT.directBuffer(entries * IovArray.IOV_SIZE));
        for (int i = 0; i < count && srcs[i].isDirect(); i++) {
            if (!iov.add(srcs[i], srcs[i].readerIndex(), srcs[i].readableBytes())) {
                break;
            }
        }
        return iov;
    }

    private void submitSend() throws IOException {
        try {
            sendId = sendIov == null
                    ? submit(Uring.OP_SEND, sendAddress, sendLength, Uring.MSG_NOSIGNAL, SEND)
                    : submit(Uring.OP_WRITEV, sendIov.memoryAddress(0), sendIov.count(), 0, SEND);
        } catch (IOException e) {
            sending = false;
            releaseIov();
            throw e;
        }
    }

    @Override
    public void cancel(boolean read, boolean write) {
        if (read && recvBuffer != null && !recvDone) {
            cancelRecv();
        }
        if (write && sending && !sendDone) {
            cancelSend();
        }
    }

    /** A receive waiting for a poll after EAGAIN is cancelled through the poll; it then reports 0 bytes. */
    private void cancelRecv() {
        if (recvId != 0) {
            submitCancel(recvId);
        } else if (pollInId != 0) {
            submitCancel(pollInId);
        }
    }

    private void cancelSend() {
        if (sendId != 0) {
            submitCancel(sendId);
        } else if (pollOutId != 0) {
            submitCancel(pollOutId);
        }
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        // Anything escaping here makes Netty log it and pause the whole loop for about a second.
        try {
            IoUringIoEvent completion = (IoUringIoEvent) event;
            outstanding--;
            complete((short) completion.userData(), completion.res());
            if (closed && outstanding == 0) {
                cancelRegistration();
            }
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "gaio: unexpected error while handling an io_uring completion", t);
        }
    }

    private void complete(short tag, int res) throws IOException {
        switch (tag) {
            case RECV:
                recvId = 0;
                if (res == -EAGAIN && !closed) {
                    pollIn();
                    return;
                }
                recvDone = true;
                recvResult = res;
                listener.onReadiness(true, false);
                return;
            case SEND:
                sendId = 0;
                if (res == -EAGAIN && !closed) {
                    pollOut();
                    return;
                }
                releaseIov();
                sendDone = true;
                sendResult = res;
                listener.onReadiness(false, true);
                return;
            case POLL_IN:
                pollInId = 0;
                if (recvBuffer != null && recvId == 0 && !recvDone) {
                    // A receive that met EAGAIN: submit it again, or end it if it was cancelled meanwhile. A refused
                    // submission drops the buffer, and the engine's next call reports the refusal.
                    if (res >= 0 && !closed && resubmitted(this::submitRecv)) {
                        return;
                    }
                    if (recvBuffer != null) {
                        recvDone = true;
                        recvResult = -Uring.ECANCELED;
                    }
                }
                listener.onReadiness(true, false);
                return;
            case POLL_OUT:
                pollOutId = 0;
                if (sending && sendId == 0 && !sendDone) {
                    if (res >= 0 && !closed && resubmitted(this::submitSend)) {
                        return;
                    }
                    if (sending) {
                        releaseIov();
                        sendDone = true;
                        sendResult = -Uring.ECANCELED;
                    }
                }
                listener.onReadiness(false, true);
                return;
            default:
                // A cancellation's own completion: the cancelled submission reports separately.
        }
    }

    /** Submits again after a poll; a refusal ends the operation as cancelled, so its buffer comes back. */
    private static boolean resubmitted(Submission submission) {
        try {
            submission.submit();
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private interface Submission {
        void submit() throws IOException;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (recvBuffer != null && !recvDone) {
                cancelRecv();
            }
            if (sending && !sendDone) {
                cancelSend();
            }
            if (pollInId != 0) {
                submitCancel(pollInId);
            }
            if (pollOutId != 0) {
                submitCancel(pollOutId);
            }
            if (outstanding == 0) {
                cancelRegistration();
            }
        } catch (RejectedExecutionException loopTerminated) {
            // Closed off a terminated loop (a watcher closed after its group): the ring went with the loop, and
            // the kernel cancelled what was in flight.
        } finally {
            socket.close();
        }
    }

    private void cancelRegistration() {
        if (registration != null) {
            try {
                registration.cancel();
            } catch (RejectedExecutionException loopTerminated) {
                // The loop is gone, and its ring with it.
            }
        }
    }

    private void pollIn() throws IOException {
        if (pollInId == 0) {
            pollInId = submit(Uring.OP_POLL_ADD, 0, 0, Uring.POLLIN | Uring.POLLRDHUP, POLL_IN);
        }
    }

    private void pollOut() throws IOException {
        if (pollOutId == 0) {
            pollOutId = submit(Uring.OP_POLL_ADD, 0, 0, Uring.POLLOUT, POLL_OUT);
        }
    }

    /** Queues one submission on this socket; the loop hands it to the kernel at its next {@code io_uring_enter}. */
    private long submit(byte opcode, long address, int length, int opFlags, short tag) throws IOException {
        long id = registration == null ? REFUSED : registration.submit(new IoUringIoOps(opcode, (byte) 0, (short) 0,
                fd, 0L, address, length, opFlags, (long) tag, (short) 0, (short) 0, 0, 0L));
        if (id == REFUSED) {
            throw new IOException("the io_uring event loop takes no more submissions: it is shutting down");
        }
        outstanding++;
        return id;
    }

    /** Best effort: a submission that ends before the cancellation reaches it completes as it is. */
    private void submitCancel(long target) {
        long id = registration.submit(new IoUringIoOps(Uring.OP_ASYNC_CANCEL, (byte) 0, (short) 0, -1, 0L, target, 0,
                0, (long) CANCEL, (short) 0, (short) 0, 0, 0L));
        if (id != REFUSED) {
            outstanding++;
        }
    }

    private void releaseIov() {
        if (sendIov != null) {
            sendIov.release();
            sendIov = null;
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public String toString() {
        return "IoUringSocket(fd " + fd + ")";
    }
}
