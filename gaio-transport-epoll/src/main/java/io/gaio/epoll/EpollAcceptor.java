package io.gaio.epoll;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.NativeInetAddress;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.FutureListener;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A listening TCP socket of gaio's own, for the {@code epoll} transport: it accepts {@link EpollConnection}s, which a
 * watcher takes over without duplicating their descriptors (JDK and Netty channels need a duplicate).
 *
 * <p>With {@code reusePort}, several acceptors (in one process or several) listen on the same address and port
 * (SO_REUSEPORT), and the kernel spreads incoming connections over them by a hash of each connection's addresses and
 * ports: gaio's acceptor load balancing. A typical server runs one watcher per core and one acceptor per watcher:
 * <pre>{@code
 * Watcher w = Watcher.open();
 * EpollAcceptor acceptor = EpollAcceptor.open(w.eventLoop(), new InetSocketAddress("0.0.0.0", 9000), 1024, true);
 * new Thread(() -> {
 *     try {
 *         while (true) w.read(null, acceptor.accept(), null);
 *     } catch (IOException | InterruptedException | WatcherClosedException e) { ... }
 * }).start();
 * }</pre>
 *
 * <p>Accepting is non-blocking ({@code accept4} with SOCK_NONBLOCK and SOCK_CLOEXEC); the listening socket is
 * registered edge-triggered on an epoll event loop, typically the watcher's own, which wakes the threads blocked in
 * {@link #accept()} when connections arrive. Those threads are the caller's: the acceptor starts none. Closing the
 * acceptor, or shutting down the event loop's group, makes pending and later {@code accept()} calls throw.
 */
public final class EpollAcceptor implements AutoCloseable {
    /** Room for an address as Netty's {@code accept} writes it: a length byte, then up to 16 + 4 + 4 bytes. */
    private static final int ACCEPTED_ADDRESS_SIZE = 25;
    /** The first wait after a failed accept; it doubles while failures go on (Go's net/http does the same). */
    private static final long MIN_BACK_OFF_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long MAX_BACK_OFF_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final LinuxSocket listener;
    private final InetSocketAddress localAddress;
    private final IoEventLoop loop;
    private final Readiness readiness = new Readiness();
    private final byte[] acceptedAddress = new byte[ACCEPTED_ADDRESS_SIZE];
    /**
     * Closes the acceptor when its event loop terminates. Netty closes registered handles when a loop shuts down only
     * if the shutdown is seen after an I/O pass; one that arrives while the loop runs tasks ends the loop without.
     */
    private final FutureListener<Object> onLoopTermination = terminated -> close();
    /** Counts readiness events, so that a waiter can tell whether one came since its last attempt; guarded by this. */
    private long events;
    /** The wait after a failed accept (0 when the last accept did not fail) and when it ends; guarded by this. */
    private long backOffNanos;
    private long backOffUntil;
    /** Guarded by this: the listener descriptor is closed only after this is set, never during an accept. */
    private boolean closed;
    private IoRegistration registration;

    private EpollAcceptor(LinuxSocket listener, InetSocketAddress localAddress, IoEventLoop loop) {
        this.listener = listener;
        this.localAddress = localAddress;
        this.loop = loop;
    }

    /**
     * Binds and listens on {@code address}, and registers for readiness on the next event loop of {@code group}.
     *
     * @param group     an event loop group running Netty's {@code EpollIoHandler}, for example
     *                  {@code watcher.eventLoop()} of a watcher on the {@code epoll} transport
     * @param address   where to listen; port 0 picks a free port (see {@link #localAddress()})
     * @param backlog   the most connections the kernel queues before they are accepted
     * @param reusePort whether to set SO_REUSEPORT, so that other sockets with it set may listen on the same address
     *                  and port; every one of them must set it, or binding fails
     * @return the acceptor, listening
     * @throws BindException            when another socket listens there (without SO_REUSEPORT on both) or the
     *                                  address is not local
     * @throws IOException              when the socket cannot be created, bound or registered
     * @throws IllegalArgumentException when {@code group} does not run the epoll I/O handler
     */
    public static EpollAcceptor open(IoEventLoopGroup group, InetSocketAddress address, int backlog,
                                     boolean reusePort) throws IOException {
        Objects.requireNonNull(address, "address");
        IoEventLoop loop = Objects.requireNonNull(group, "group").next();
        if (!loop.isCompatible(EpollIoHandle.class)) {
            throw new IllegalArgumentException("the event loop does not run Netty's EpollIoHandler: pass the event "
                    + "loop of a watcher on the epoll transport, or a MultiThreadIoEventLoopGroup created with "
                    + "EpollIoHandler.newFactory()");
        }
        if (address.isUnresolved()) {
            throw new IOException("cannot listen on an unresolved address: " + address);
        }
        Epoll.ensureAvailability();
        LinuxSocket listener = LinuxSocket.newSocketStream(address.getAddress() instanceof Inet6Address);
        try {
            listener.setReuseAddress(true);
            listener.setReusePort(reusePort);
            bind(listener, address, reusePort);
            listener.listen(backlog);
            EpollAcceptor acceptor = new EpollAcceptor(listener, listener.localAddress(), loop);
            acceptor.register();
            loop.terminationFuture().addListener(acceptor.onLoopTermination);
            return acceptor;
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
    }

    private static void bind(LinuxSocket listener, InetSocketAddress address, boolean reusePort)
            throws IOException {
        try {
            listener.bind(address);
        } catch (IOException e) {
            BindException b = new BindException("could not listen on " + address + ": " + e.getMessage()
                    + (reusePort ? "; every socket listening there must set SO_REUSEPORT (reusePort true)"
                    : "; to share the port with other listeners, open every one of them with reusePort true"));
            b.initCause(e);
            throw b;
        }
    }

    private void register() throws IOException {
        Future<IoRegistration> registered = loop.register(readiness).awaitUninterruptibly();
        if (!registered.isSuccess()) {
            throw new IOException("the event loop refused the listening socket", registered.cause());
        }
        IoRegistration r = registered.getNow();
        synchronized (this) {
            registration = r;
        }
        try {
            // Edge-triggered: every arriving connection wakes the waiters once, and they accept until EAGAIN.
            r.submit(EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLET));
        } catch (RuntimeException e) {
            r.cancel();
            throw new IOException("epoll refused the listening socket: " + e.getMessage(), e);
        }
    }

    /**
     * Where this acceptor listens.
     *
     * @return the bound address, with the actual port when it was opened with port 0
     */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /**
     * Waits for the next connection and accepts it. Several threads may wait at once; each connection goes to one.
     *
     * @return the connection, non-blocking; hand it to a watcher with a first request, or close it
     * @throws ClosedChannelException      when the acceptor was closed before the call
     * @throws AsynchronousCloseException  when the acceptor was closed while waiting
     * @throws IOException                 when {@code accept} fails, for example at the process's descriptor limit
     *                                     (EMFILE); the acceptor stays usable, and the next call waits before it
     *                                     tries again (5 ms, doubling up to 1 s while accepts keep failing), so
     *                                     that a loop calling {@code accept()} again after such an error does not
     *                                     spin while the connection waits in the kernel's queue
     * @throws InterruptedException        when the waiting thread is interrupted
     */
    public EpollConnection accept() throws IOException, InterruptedException {
        LinuxSocket accepted;
        int addressLength;
        synchronized (this) {
            if (closed) {
                throw new ClosedChannelException();
            }
            while (true) {
                awaitBackOff();
                long seen = events;
                int fd;
                try {
                    fd = listener.accept(acceptedAddress);
                } catch (IOException e) {
                    // EMFILE, ENFILE, ENOBUFS...: the connection stays queued, and edge-triggered epoll will not
                    // report it again, so a caller retrying at once would spin until descriptors are freed.
                    backOffNanos = backOffNanos == 0 ? MIN_BACK_OFF_NANOS
                            : Math.min(MAX_BACK_OFF_NANOS, 2 * backOffNanos);
                    backOffUntil = System.nanoTime() + backOffNanos;
                    throw e;
                }
                if (fd >= 0) {
                    backOffNanos = 0;
                    accepted = LinuxSocket.newSocket(fd);
                    addressLength = acceptedAddress[0];
                    break;
                }
                // Nothing queued: wait for an event that came after this attempt.
                while (events == seen && !closed) {
                    wait();
                }
                if (closed) {
                    throw new AsynchronousCloseException();
                }
            }
            try {
                InetSocketAddress remote = NativeInetAddress.address(acceptedAddress, 1, addressLength);
                InetSocketAddress local = localAddress.getAddress().isAnyLocalAddress()
                        ? accepted.localAddress() : localAddress;
                return new EpollConnection(accepted, local, remote);
            } catch (RuntimeException e) {
                accepted.close();
                throw e;
            }
        }
    }

    /** Waits out the back-off after a failed accept; a readiness event does not end it, a close does. */
    private void awaitBackOff() throws InterruptedException, AsynchronousCloseException {
        long left;
        while (backOffNanos != 0 && !closed && (left = backOffUntil - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        if (closed) {
            throw new AsynchronousCloseException();
        }
    }

    /**
     * Whether the acceptor still listens.
     *
     * @return {@code false} once closed, or once its event loop was shut down
     */
    public synchronized boolean isOpen() {
        return !closed;
    }

    /**
     * Stops listening and wakes every thread waiting in {@link #accept()}. Connections accepted before stay open;
     * those queued in the kernel and not yet accepted are reset. Harmless when called again.
     */
    @Override
    public void close() {
        IoRegistration r;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
            r = registration;
        }
        loop.terminationFuture().removeListener(onLoopTermination);
        // The registration goes first, on the loop, so that epoll never watches a reused descriptor number.
        if (loop.inEventLoop()) {
            release(r);
        } else {
            try {
                loop.execute(() -> release(r));
            } catch (RejectedExecutionException loopGone) {
                // The loop shut down, and cancelled every registration when it went.
                release(null);
            }
        }
    }

    private void release(IoRegistration r) {
        if (r != null) {
            r.cancel();
        }
        try {
            listener.close();
        } catch (IOException ignored) {
            // Nothing is lost: no accept runs any more.
        }
    }

    @Override
    public String toString() {
        return "EpollAcceptor(" + localAddress + (isOpen() ? ")" : ", closed)");
    }

    /** Counts readiness events and wakes the threads in {@link #accept()}; runs on the event loop thread. */
    private final class Readiness implements EpollIoHandle {
        @Override
        public LinuxSocket fd() {
            return listener;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            synchronized (EpollAcceptor.this) {
                events++;
                EpollAcceptor.this.notifyAll();
            }
        }

        /** Called by Netty when the event loop shuts down with the socket still registered. */
        @Override
        public void close() {
            EpollAcceptor.this.close();
        }
    }
}
