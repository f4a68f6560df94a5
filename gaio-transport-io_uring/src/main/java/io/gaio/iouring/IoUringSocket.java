package io.gaio.iouring;

import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportSocket;
import io.gaio.unix.SocketIo;
import io.gaio.unix.UnixSocket;
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
import java.io.IOException;
import java.nio.channels.ClosedChannelException;

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
 *   <li>A connect under way ({@link #connectPending()}) waits for a POLLOUT poll, which completes when the connect
 *       ended either way; the engine then asks {@link #finishConnect()} for the outcome.</li>
 * </ul>
 * A submission the kernel answers with EAGAIN (the descriptor is non-blocking) waits for a poll and is submitted
 * again. Everything runs on the event loop thread.
 */
final class IoUringSocket extends UnixSocket implements IoUringIoHandle {
    private static final System.Logger LOG = System.getLogger("io.gaio.iouring");
    private static final int EAGAIN = 11;

    // Tags carried in each submission's user data, to tell the completions apart.
    private static final short RECV = 1;
    private static final short SEND = 2;
    private static final short POLL_IN = 3;
    private static final short POLL_OUT = 4;

    private final ReadinessListener listener;
    /** Counts what is in flight, so that the registration outlives it (lent buffers come back). */
    private final Submissions submissions;
    private boolean closed;

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
        super(socket);
        this.listener = listener;
        this.submissions = new Submissions(socket.intValue());
    }

    @Override
    public void attach(IoRegistration registration) {
        submissions.attach(registration);
    }

    /** Every operation is submitted when it is needed: nothing to watch. */
    @Override
    public void interest(boolean read, boolean write) {
    }

    @Override
    public int read(ByteBuf dst) throws IOException {
        checkOpen();
        int n = SocketIo.read(socket(), dst);
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
            recvId = submissions.submit(Uring.OP_RECV, recvBuffer.memoryAddress() + recvBuffer.writerIndex(),
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
            long n = SocketIo.write(socket(), srcs, count);
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
                    ? submissions.submit(Uring.OP_SEND, sendAddress, sendLength, Uring.MSG_NOSIGNAL, SEND)
                    : submissions.submit(Uring.OP_WRITEV, sendIov.memoryAddress(0), sendIov.count(), 0, SEND);
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
        submissions.cancel(recvId != 0 ? recvId : pollInId);
    }

    private void cancelSend() {
        submissions.cancel(sendId != 0 ? sendId : pollOutId);
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        // Anything escaping here makes Netty log it and pause the whole loop for about a second.
        try {
            IoUringIoEvent completion = (IoUringIoEvent) event;
            try {
                complete((short) completion.userData(), completion.res());
            } finally {
                // Even when complete() failed: a closed socket's registration goes only when the count reaches 0.
                submissions.completed();
            }
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "gaio: unexpected error while handling an io_uring completion", t);
        }
    }

    private void complete(short tag, int res) throws IOException {
        switch (tag) {
            case RECV:
                recvId = 0;
                // A refused poll ends the receive as cancelled: left waiting, its buffer would never come back.
                if (res == -EAGAIN && !closed && resubmitted(this::pollIn)) {
                    return;
                }
                if (res == -EAGAIN) {
                    res = -Uring.ECANCELED;
                }
                recvDone = true;
                recvResult = res;
                listener.onReadiness(true, false);
                return;
            case SEND:
                sendId = 0;
                if (res == -EAGAIN && !closed && resubmitted(this::pollOut)) {
                    return;
                }
                if (res == -EAGAIN) {
                    res = -Uring.ECANCELED;
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
        // A receive or send waiting after EAGAIN is in flight as its poll, a connect under way as the POLLOUT poll.
        submissions.close(socket(), recvId, sendId, pollInId, pollOutId);
    }

    /**
     * A connect is under way: a POLLOUT poll reports writable readiness when it has ended, whether it succeeded or
     * failed (POLLERR and POLLHUP are always reported), and {@link #finishConnect()} tells which.
     */
    @Override
    protected void connectPending() throws IOException {
        checkOpen();
        pollOut();
    }

    private void pollIn() throws IOException {
        if (pollInId == 0) {
            pollInId = submissions.poll(Uring.POLLIN | Uring.POLLRDHUP, POLL_IN);
        }
    }

    private void pollOut() throws IOException {
        if (pollOutId == 0) {
            pollOutId = submissions.poll(Uring.POLLOUT, POLL_OUT);
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
}
