package io.gaio;

import io.gaio.spi.TransportListener;
import io.gaio.spi.TransportProvider;
import io.gaio.spi.TransportSocket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.FutureListener;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The proactor engine, the same for every transport. Requests enter through a lock-free inbox from any thread;
 * everything else happens on one event loop thread: delegation, per-connection queues, the single deadline timer,
 * swap buffers, and staging of completions, which {@link CompletionQueue} hands to {@code waitIO()} once per loop
 * pass. The engine never references its {@link Watcher}, so an unreferenced watcher can be cleaned.
 */
final class Engine {
    /** One daemon thread for every watcher's and every connection's cleanup. */
    static final Cleaner CLEANER = Cleaner.create();

    private static final System.Logger LOG = System.getLogger("io.gaio");
    /** Submissions handled per task, so that a flood of submissions cannot starve I/O on the loop. */
    private static final int DRAIN_QUANTUM = 4096;
    private static final long SHUTDOWN_WAIT_SECONDS = 10;

    final TransportProvider transport;
    final IoEventLoop loop;
    final SwapBuffers swap;
    final CompletionQueue completions;
    /** Scratch array for gathering writes; loop thread only. */
    final ByteBuf[] iov = new ByteBuf[64];

    private final IoEventLoopGroup ownedGroup;
    /** Where batches go on the loop; null when a thread collects them with {@code waitIO()}. */
    private final CompletionHandler handler;
    private final Deadlines deadlines = new Deadlines();
    /** Delegated connections, by their caller's object. */
    private final ConnTable conns = new ConnTable();
    /** Connections the watcher owns from the start: accepted or connected. */
    private final ConnList owned = new ConnList();
    private final List<Acceptor> acceptors = new ArrayList<>();
    private final ArrayDeque<Conn> starved = new ArrayDeque<>();
    private final Queue<Object> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicBoolean reliefScheduled = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch shutDown = new CountDownLatch(1);
    private final Runnable drainTask = this::drainInbox;
    private final Runnable flushTask = this::flush;
    private final Runnable expireTask = this::expireDeadlines;
    private final Runnable reliefTask = this::relieveStarved;
    /**
     * Closes the watcher when its event loop terminates, typically a user's group shut down under it: nothing else
     * would wake a thread in {@code waitIO()}, and Netty closes the sockets registered with a loop only when the loop
     * sees the shutdown after an I/O pass, not when it arrives while the loop runs tasks.
     */
    private final FutureListener<Object> loopTerminated = terminated -> close();
    private boolean flushScheduled;
    private ScheduledFuture<?> timer;
    private long timerDeadline;

    Engine(TransportProvider transport, IoEventLoop loop, IoEventLoopGroup ownedGroup, ByteBufAllocator allocator,
           int swapBufferSize, int maxSwapBuffers, CompletionHandler handler) {
        this.transport = transport;
        this.loop = loop;
        this.ownedGroup = ownedGroup;
        this.handler = handler;
        this.swap = new SwapBuffers(allocator, swapBufferSize, maxSwapBuffers, this::scheduleRelief);
        this.completions = new CompletionQueue(swap);
        // Last, with every field set: the listener runs at once if the loop has already terminated.
        loop.terminationFuture().addListener(loopTerminated);
    }

    // ---- any thread ----

    /** Queues a request or a free for the loop; on the loop thread, e.g. from a completion handler, runs it now. */
    void submit(Object command) {
        if (closed.get()) {
            throw new WatcherClosedException();
        }
        if (loop.inEventLoop()) {
            dispatchNow(command);
            return;
        }
        inbox.offer(command);
        if (closed.get() && inbox.remove(command)) {
            // close() ran between the check and the offer; had the command stayed, nothing would ever close its
            // connection.
            throw new WatcherClosedException();
        }
        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(drainTask);
            } catch (RejectedExecutionException e) {
                // The user's event loop group was shut down under the watcher. The command is refused, so its
                // connection stays the caller's.
                inbox.remove(command);
                close();
                throw new WatcherClosedException();
            }
        }
    }

    List<OpResult> take(long timeoutNanos) throws InterruptedException {
        if (handler != null) {
            throw new IllegalStateException("this watcher hands its completions to its CompletionHandler on the event "
                    + "loop; waitIO() has nothing to return. Build the watcher without a handler to use waitIO()");
        }
        return completions.take(timeoutNanos);
    }

    boolean isClosed() {
        return closed.get();
    }

    /**
     * A connection the watcher owns, for a connect about to be submitted or an accept completing: the engine's
     * state and the caller's handle, which the Cleaner watches.
     */
    Connection newConnection(Conn conn, InetSocketAddress remote) {
        Connection c = new Connection(conn, remote);
        conn.cleanable = CLEANER.register(c, new CollectedConnection(this, conn));
        return c;
    }

    /** Opens a listening socket and registers it with the event loop; the caller's thread waits for that. */
    Listener listen(InetSocketAddress address, ListenOptions options) throws IOException {
        if (closed.get()) {
            throw new WatcherClosedException();
        }
        Acceptor acceptor = new Acceptor(this, options);
        acceptor.socket = transport.listen(address, options.backlog, options.reuseAddress, options.reusePort,
                acceptor);
        try {
            onLoop(() -> {
                if (closed.get()) {
                    throw new WatcherClosedException();
                }
                Future<IoRegistration> registered = loop.register(acceptor.socket);
                if (!registered.isSuccess()) {
                    throw new IOException("the event loop refused the listening socket: " + registered.cause(),
                            registered.cause());
                }
                acceptor.socket.attach(registered.getNow());
                acceptors.add(acceptor);
                return null;
            });
        } catch (IOException | RuntimeException e) {
            acceptor.socket.close();
            throw e;
        }
        return new Listener(acceptor);
    }

    /** Closes a listener on the loop, completing its pending accepts, and waits for that. */
    void closeListener(Acceptor acceptor) {
        if (acceptor.closed || closed.get()) {
            return;
        }
        try {
            onLoop(() -> {
                if (acceptors.remove(acceptor)) {
                    acceptor.close(acceptor.closedError());
                    flushSoon();
                }
                return null;
            });
        } catch (IOException loopGone) {
            // The loop shut down, and closed the watcher with the listener.
        }
    }

    /** A connection's local or remote address, asked on the loop; null when closed or not connected. */
    InetSocketAddress addressOf(Conn conn, boolean local) {
        try {
            return onLoop(() -> conn.closed || !conn.isEstablished() ? null
                    : local ? conn.socket.localAddress() : conn.socket.remoteAddress());
        } catch (IOException closedMeanwhile) {
            return null;
        }
    }

    <T> T getOption(Conn conn, SocketOption<T> option) throws IOException {
        return onLoop(() -> established(conn).getOption(option));
    }

    <T> void setOption(Conn conn, SocketOption<T> option, T value) throws IOException {
        onLoop(() -> {
            established(conn).setOption(option, value);
            return null;
        });
    }

    private static TransportSocket established(Conn conn) throws IOException {
        if (conn.closed) {
            throw new ClosedChannelException();
        }
        if (!conn.isEstablished()) {
            throw new IOException("the connection is not established yet: set options before the connect with "
                    + "ConnectOptions.option, or once its CONNECT completed");
        }
        return conn.socket;
    }

    /** Runs {@code task} on the event loop and waits for it; on the loop thread, runs it now. */
    private <T> T onLoop(Callable<T> task) throws IOException {
        if (loop.inEventLoop()) {
            return call(task);
        }
        Future<T> done;
        try {
            done = loop.submit(() -> call(task)).awaitUninterruptibly();
        } catch (RejectedExecutionException e) {
            throw new ClosedChannelException();
        }
        if (done.isSuccess()) {
            return done.getNow();
        }
        Throwable cause = done.cause();
        if (cause instanceof IOException) {
            throw (IOException) cause;
        }
        if (cause instanceof RuntimeException) {
            throw (RuntimeException) cause;
        }
        throw new IOException(cause);
    }

    private static <T> T call(Callable<T> task) throws IOException {
        try {
            return task.call();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /** Closes every socket, drops pending requests and stops an owned event loop; returns when that is done. */
    void close() {
        if (closed.compareAndSet(false, true)) {
            loop.terminationFuture().removeListener(loopTerminated);
            completions.close();
            if (loop.inEventLoop()) {
                shutDownOnLoop();
            } else {
                try {
                    loop.execute(this::shutDownOnLoop);
                } catch (RejectedExecutionException e) {
                    // The loop is gone (Netty may or may not have closed the sockets registered with it): tidy up
                    // here, on this thread, since no loop thread will touch the engine again.
                    shutDownOnLoop();
                }
            }
        }
        if (!loop.inEventLoop()) {
            try {
                shutDown.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
                if (ownedGroup != null) {
                    ownedGroup.terminationFuture().await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void scheduleRelief() {
        if (reliefScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(reliefTask);
            } catch (RejectedExecutionException ignored) {
                // Closing: nobody waits for swap space any more.
            }
        }
    }

    /** The Cleaner's action for a connection object collected without {@code free}. */
    private static final class CollectedConnection implements Runnable {
        private final Engine engine;
        private final Conn conn;

        CollectedConnection(Engine engine, Conn conn) {
            this.engine = engine;
            this.conn = conn;
        }

        @Override
        public void run() {
            if (!conn.closed && !engine.closed.get()) {
                try {
                    engine.submit(conn);
                } catch (RuntimeException ignored) {
                    // The watcher closed meanwhile, and closed the socket with it.
                }
            }
        }
    }

    /** A {@code free(connection)} on its way to the loop. */
    static final class FreeRequest {
        final Object connection;

        FreeRequest(Object connection) {
            this.connection = connection;
        }
    }

    /** A {@code connect} on its way to the loop; {@link #result} is the request that completes. */
    static final class ConnectRequest {
        final OpResult result;
        final InetSocketAddress remote;
        final ConnectOptions options;

        ConnectRequest(OpResult result, InetSocketAddress remote, ConnectOptions options) {
            this.result = result;
            this.remote = remote;
            this.options = options;
        }
    }

    // ---- loop thread ----

    private void drainInbox() {
        drainScheduled.set(false);
        for (int i = 0; i < DRAIN_QUANTUM; i++) {
            Object command = inbox.poll();
            if (command == null) {
                break;
            }
            if (closed.get()) {
                // The connections these requests handed over are the watcher's to close, before or after
                // shutDownOnLoop closed the delegated ones.
                inbox.add(command);
                closeUndelegated();
                break;
            }
            try {
                dispatch(command);
            } catch (Throwable t) {
                logUnexpected(t);
            }
        }
        if (!inbox.isEmpty() && drainScheduled.compareAndSet(false, true)) {
            loop.execute(drainTask);
        }
        if (!starved.isEmpty()) {
            // A caller that submits may have released retained swap slices on the way.
            relieveStarved();
        } else {
            flush();
        }
    }

    /**
     * A submission made on the loop thread skips the inbox: nothing can be ahead of it from the same thread, since
     * this thread never uses the inbox, and the request starts at once.
     */
    private void dispatchNow(Object command) {
        try {
            dispatch(command);
        } catch (Throwable t) {
            logUnexpected(t);
        }
        flushSoon();
    }

    private void dispatch(Object command) {
        if (command instanceof OpResult) {
            OpResult r = (OpResult) command;
            if (r.operation == Operation.ACCEPT) {
                r.listener.acceptor.enqueue(r);
                return;
            }
            Conn conn = connectionOf(r);
            if (conn == null) {
                return;
            }
            if (r.hasDeadline) {
                deadlines.add(r);
                armTimer(r.deadlineNanos);
            }
            conn.enqueue(r);
        } else if (command instanceof ConnectRequest) {
            connect((ConnectRequest) command);
        } else if (command instanceof FreeRequest) {
            Object connection = ((FreeRequest) command).connection;
            Conn conn = connection instanceof Connection ? ((Connection) connection).state : conns.get(connection);
            if (conn != null) {
                conn.close(new ConnectionClosedException("the connection was freed with Watcher.free()"));
            }
        } else {
            ((Conn) command).close(new ConnectionClosedException(
                    "the connection object was garbage collected without Watcher.free(); gaio closed its socket"));
        }
    }

    /** The connection a request names, delegated now if this is its first request; null when it has ended. */
    private Conn connectionOf(OpResult r) {
        if (r.connection instanceof Connection) {
            Conn conn = ((Connection) r.connection).state;
            if (conn.closed) {
                complete(r, new ConnectionClosedException("the connection is closed (freed, its connect failed, or "
                        + "collected); submit requests on an open connection"));
                return null;
            }
            return conn;
        }
        Conn conn = conns.get(r.connection);
        return conn != null ? conn : delegate(r);
    }

    /** Creates, configures and registers the socket of a {@code connect}, then starts connecting. */
    private void connect(ConnectRequest c) {
        OpResult r = c.result;
        Conn conn = ((Connection) r.connection).state;
        if (conn.closed) {
            // Freed before the connect reached the loop.
            complete(r, new ConnectionClosedException("the connection was freed before its connect started"));
            return;
        }
        IOException failed = null;
        try {
            conn.socket = c.options.newSocket(transport, c.remote, conn, loop);
            c.options.options.applyTo(conn.socket);
            if (c.options.localAddress != null) {
                conn.socket.bind(c.options.localAddress);
            }
        } catch (IOException e) {
            failed = e;
        } catch (RuntimeException e) {
            failed = new IOException("could not prepare the socket to connect to " + c.remote + ": " + e, e);
        }
        if (failed == null) {
            failed = register(conn);
        }
        if (failed != null) {
            complete(r, failed);
            conn.close(new ConnectionClosedException("the connect failed: " + failed, failed));
            return;
        }
        owned.add(conn);
        if (r.hasDeadline) {
            deadlines.add(r);
            armTimer(r.deadlineNanos);
        }
        conn.connect(r, c.remote);
    }

    /** Registers a connection's socket with the event loop, on the loop thread; returns the error, or null. */
    IOException register(Conn conn) {
        Future<IoRegistration> registered = loop.register(conn.socket.ioHandle());
        if (!registered.isSuccess()) {
            // On the loop thread registration completes at once.
            return new IOException("the event loop refused the connection: " + registered.cause(),
                    registered.cause());
        }
        try {
            conn.socket.attach(registered.getNow());
        } catch (RuntimeException e) {
            // For example epoll_ctl failing with ENOSPC at the epoll watch limit.
            return new IOException("the transport could not watch the connection: " + e, e);
        }
        return null;
    }

    /** Makes an accepted connection the watcher's; returns the caller's handle. */
    Connection own(Conn conn) {
        owned.add(conn);
        return newConnection(conn, null);
    }

    /** The first request naming a connection hands it to the transport. */
    private Conn delegate(OpResult r) {
        Conn conn = new Conn(this, r.connection);
        try {
            conn.socket = transport.adopt(r.connection, conn);
        } catch (IOException | RuntimeException e) {
            complete(r, new ConnectionClosedException("gaio could not take over " + r.connection + " (" + e
                    + "); is it closed? Submit only open, connected sockets", e));
            return null;
        }
        IOException failed = register(conn);
        if (failed != null) {
            closeQuietly(conn.socket);
            complete(r, new ConnectionClosedException(failed.getMessage(), failed.getCause()));
            return null;
        }
        conns.put(conn);
        if (transport.duplicatesSockets()) {
            conn.cleanable = CLEANER.register(r.connection, new CollectedConnection(this, conn));
        }
        return conn;
    }

    /** Finishes a request and stages its result; callers publish the batch with {@link #flush} or {@link #flushSoon}. */
    void complete(OpResult r, Throwable error) {
        r.error = error;
        discard(r);
        completions.stage(r);
    }

    /** Forgets a request without completing it, for a closing watcher. */
    void discard(OpResult r) {
        deadlines.remove(r);
        r.owner = null;
    }

    /** Publishes the staged batch after the loop has handled every ready socket of this pass. */
    void flushSoon() {
        if (!flushScheduled && completions.hasStaged()) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    private void flush() {
        flushScheduled = false;
        if (handler == null) {
            completions.publish();
            return;
        }
        try {
            completions.deliver(handler);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "gaio: the completion handler threw; the watcher goes on", t);
        }
    }

    void forget(Conn conn) {
        if (conn.owner != null) {
            conns.remove(conn);
        } else {
            owned.remove(conn);
        }
        if (conn.starved) {
            conn.starved = false;
            starved.remove(conn);
        }
    }

    /** Parks a connection whose read found no swap space, until a consumer releases some. */
    void starve(Conn conn) {
        if (!conn.starved) {
            conn.starved = true;
            starved.add(conn);
        }
    }

    private void relieveStarved() {
        reliefScheduled.set(false);
        for (int n = starved.size(); n > 0 && !closed.get(); n--) {
            Conn conn = starved.poll();
            conn.unstarve();
            if (conn.starved) {
                break;
            }
        }
        flush();
    }

    private void armTimer(long deadline) {
        if (timer != null) {
            if (timerDeadline - deadline <= 0) {
                return;
            }
            timer.cancel(false);
        }
        timerDeadline = deadline;
        timer = loop.schedule(expireTask, deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    private void expireDeadlines() {
        timer = null;
        long now = System.nanoTime();
        OpResult r;
        while ((r = deadlines.peek()) != null && r.deadlineNanos - now <= 0) {
            deadlines.remove(r);
            r.owner.expire(r);
        }
        if (r != null) {
            armTimer(r.deadlineNanos);
        }
        flush();
    }

    private void shutDownOnLoop() {
        try {
            closeUndelegated();
            for (Acceptor acceptor : acceptors) {
                acceptor.close(null);
            }
            acceptors.clear();
            for (Conn conn : conns.drain()) {
                conn.close(null);
            }
            for (Conn conn : owned.drain()) {
                conn.close(null);
            }
            starved.clear();
            deadlines.clear();
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
            completions.discardStaged();
            swap.close();
        } catch (Throwable t) {
            logUnexpected(t);
        } finally {
            shutDown.countDown();
            if (ownedGroup != null) {
                ownedGroup.shutdownGracefully(0, SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * A connection named only by requests still in the inbox was handed over all the same: the caller was told the
     * watcher owns it, so closing the watcher closes it too.
     */
    private void closeUndelegated() {
        for (Object command; (command = inbox.poll()) != null; ) {
            if (command instanceof OpResult && isDelegation((OpResult) command)
                    && conns.get(((OpResult) command).connection) == null) {
                try {
                    closeQuietly(transport.adopt(((OpResult) command).connection, (readable, writable) -> { }));
                } catch (IOException | RuntimeException alreadyClosed) {
                    // Closed before, possibly by an earlier request in this loop.
                }
            }
        }
    }

    /** Whether a request names a caller's object (rather than a {@link Connection} or a listener). */
    private static boolean isDelegation(OpResult r) {
        return r.operation != Operation.ACCEPT && !(r.connection instanceof Connection);
    }

    private void closeQuietly(TransportSocket socket) {
        try {
            socket.close();
        } catch (IOException | RuntimeException e) {
            logUnexpected(e);
        }
    }

    void logUnexpected(Throwable t) {
        LOG.log(System.Logger.Level.WARNING, "gaio: unexpected error on the event loop", t);
    }
}
