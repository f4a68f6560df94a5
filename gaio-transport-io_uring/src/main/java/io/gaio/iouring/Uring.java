package io.gaio.iouring;

/**
 * The io_uring opcodes and the poll, errno and send-flag values gaio's submissions use. Netty keeps its copies
 * package-private ({@code io.netty.channel.uring.Native}); these are the kernel's ABI values on Linux
 * ({@code <linux/io_uring.h>}, {@code <asm-generic/poll.h>}, {@code <asm-generic/errno.h>},
 * {@code <linux/socket.h>}), which never change once released.
 */
final class Uring {
    /** {@code IORING_OP_WRITEV}: a gathering write from an iovec array. */
    static final byte OP_WRITEV = 2;
    /** {@code IORING_OP_POLL_ADD}: completes once the descriptor is ready for the events asked. */
    static final byte OP_POLL_ADD = 6;
    /** {@code IORING_OP_ASYNC_CANCEL}: cancels the submission with the given user data. */
    static final byte OP_ASYNC_CANCEL = 14;
    /** {@code IORING_OP_SEND}: {@code send(2)} from one memory range. */
    static final byte OP_SEND = 26;
    /** {@code IORING_OP_RECV}: {@code recv(2)} into one memory range. */
    static final byte OP_RECV = 27;

    /** {@code POLLIN}. */
    static final int POLLIN = 0x1;
    /** {@code POLLOUT}. */
    static final int POLLOUT = 0x4;
    /** {@code POLLRDHUP}: the peer shut down its side; reported as readable, so the read sees the end. */
    static final int POLLRDHUP = 0x2000;

    /** {@code EINTR}. */
    static final int EINTR = 4;
    /** {@code ECANCELED}: the completion of a cancelled submission. */
    static final int ECANCELED = 125;

    /** {@code MSG_NOSIGNAL}: a send to a closed connection fails with EPIPE instead of raising SIGPIPE. */
    static final int MSG_NOSIGNAL = 0x4000;

    private Uring() {
    }
}
