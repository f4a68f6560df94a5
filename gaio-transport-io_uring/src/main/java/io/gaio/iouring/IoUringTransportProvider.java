package io.gaio.iouring;

import io.gaio.unix.UnixTransportProvider;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringSocketChannel;

/**
 * The Linux transport {@code io_uring}: Netty's io_uring loop ({@link IoUringIoHandler}), with each read into a
 * request's own buffer and each write submitted to the kernel, which completes them; reads without a buffer wait
 * for readability with a poll submission and then read into the watcher's swap buffers, so an idle connection holds
 * no buffer. See {@link IoUringSocket}.
 *
 * <p>Opt-in: its priority, {@value #PRIORITY}, is below every other transport's, so a watcher uses it only when it
 * is named ({@code -Dgaio.transport=io_uring} or {@code Watcher.builder().transport("io_uring")}). Where Netty's
 * io_uring cannot run (not Linux, a kernel before 5.9, io_uring disabled by seccomp or
 * {@code kernel.io_uring_disabled}), {@link #unavailabilityCause()} is Netty's reason.
 *
 * <p>Listeners and connects of the watcher's own go through the same readiness path as swap reads: a listener waits
 * for a POLLIN poll and then accepts with a native {@code accept4} ({@link IoUringListener}); a connect is a
 * non-blocking {@code connect} on the event loop, then a POLLOUT poll whose completion says the outcome can be read
 * ({@link IoUringSocket}). No JDK object, no duplicate.
 *
 * <p>Existing connections: JDK {@link java.nio.channels.SocketChannel}s, through a duplicate of their descriptor
 * (see {@link UnixTransportProvider} for what happens to them on delegation). Netty's own
 * {@link IoUringSocketChannel}s are refused ({@code UnsupportedConnectionException}): once deregistered, Netty
 * closes such a channel through its ring, which then takes no submission, so the close never completes and its
 * descriptor stays open.
 *
 * <p>A watcher's own loop gets a completion queue of {@value #DEFAULT_CQ_SIZE} entries (system property
 * {@value #CQ_SIZE_PROPERTY}, a power of two of at least 4,096), not Netty's 4,096: every idle connection keeps a
 * poll or a receive in flight, and thousands of them completing in one pass overflowed the default (Netty's
 * "CompletionQueue overflow detected" warning, then a slower recovery of the overflowed completions). The queue is
 * shared memory of 16 bytes an entry, 512 KiB per loop. Loops of a user's own group keep the configuration the
 * user gave them.
 */
public final class IoUringTransportProvider extends UnixTransportProvider {
    /** Below nio's 0: never chosen unless named. */
    static final int PRIORITY = -10;
    /** The completion queue size of a watcher's own loop. */
    static final String CQ_SIZE_PROPERTY = "gaio.io_uring.cqSize";
    /** Two entries for each of 16,384 connections: a read or poll, and a write. */
    static final int DEFAULT_CQ_SIZE = 32_768;

    /** Called by {@link java.util.ServiceLoader}; touches no native code. */
    public IoUringTransportProvider() {
        super("io_uring", PRIORITY, IoUringIoHandle.class, null, IoUring::unavailabilityCause,
                IoUring::ensureAvailability, IoUringTransportProvider::handlerFactory, IoUringSocket::new,
                IoUringListener::new);
    }

    /** Netty's io_uring loop with the completion queue sized as {@value #CQ_SIZE_PROPERTY} says. */
    private static IoHandlerFactory handlerFactory() {
        int cqSize = Integer.getInteger(CQ_SIZE_PROPERTY, DEFAULT_CQ_SIZE);
        if (cqSize < 4096 || Integer.bitCount(cqSize) != 1) {
            throw new IllegalArgumentException("-D" + CQ_SIZE_PROPERTY + " must be a power of two of at least 4096 "
                    + "(the submission ring's size), not " + cqSize);
        }
        return IoUringIoHandler.newFactory(new IoUringIoHandlerConfig().setCqSize(cqSize));
    }
}
