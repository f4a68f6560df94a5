package io.gaio;

import io.gaio.spi.LayeredConnection;
import io.gaio.spi.LayeredSocket;
import io.gaio.spi.ReadinessListener;
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
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
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
    /** What {@link Watcher#metrics()} reports; written here and by the engine's parts, on the loop. */
    final Counters counters = new Counters();
    final SwapBuffers swap;
    final CompletionQueue completions;
    /** Scratch array for gathering writes; loop thread only. */
    final ByteBuf[] iov = new ByteBuf[64];

    private final IoEventLoopGroup ownedGroup;
    /** Where batches go on the loop; null when a thread collects them with {@code waitIO()}. */
    private final CompletionHandler handler;
    private final DeadlineTimer deadlines;
    /** Delegated connections, by their caller's object. */
    private final ConnTable conns = new ConnTable();
    /** Connections the watcher owns from the start: accepted or connected. */
    private final ConnList owned = new ConnList();
    private final List<Acceptor> acceptors = new ArrayList<>();
    private final StarvedReads starved;
    private final Queue<Object> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicBoolean reliefScheduled = new AtomicBoolean();
    private final Shutdown shutdown = new Shutdown(this);
    private final Runnable drainTask = this::drainInbox;
    private final Runnable flushTask = this::flush;
    private final Runnable reliefTask = this::relieveStarved;
    /**
     * Closes the watcher when its event loop terminates, typically a user's group shut down under it: nothing else
     * would wake a thread in {@code waitIO()}, and Netty closes the sockets registered with a loop only when the loop
     * sees the shutdown after an I/O pass, not when it arrives while the loop runs tasks. A close that was waiting
     * for the loop ends here too.
     */
    private final FutureListener<Object> loopTerminated = terminated -> shutdown.loopTerminated();
    private boolean flushScheduled;
    /** Set by the close's sweep: completions wait, so that what the close ends goes out as one last batch. */
    private boolean holdingLastBatch;
    /** Whether a graceful shutdown waits for the pending requests to complete. */
    private boolean draining;

    Engine(TransportProvider transport, IoEventLoop loop, IoEventLoopGroup ownedGroup, ByteBufAllocator allocator,
           int swapBufferSize, int maxSwapBuffers, CompletionHandler handler) {
        this.transport = transport;
        this.loop = loop;
        this.ownedGroup = ownedGroup;
        this.handler = handler;
        this.swap = new SwapBuffers(allocator, swapBufferSize, maxSwapBuffers, this::scheduleRelief, counters);
        this.completions = new CompletionQueue(swap, transport.name());
        this.starved = new StarvedReads(counters, transport.name(), maxSwapBuffers, swapBufferSize);
        this.deadlines = new DeadlineTimer(loop, this::flush);
        // Last, with every field set: the listener runs at once if the loop has already terminated.
        loop.terminationFuture().addListener(loopTerminated);
    }

    // ---- any thread ----

    /** Queues a request or a free for the loop; on the loop thread, e.g. from a completion handler, runs it now. */
    void submit(Object command) {
        if (!shutdown.isOpen()) {
            throw shutdown.refusal();
        }
        if (loop.inEventLoop()) {
            dispatchNow(command);
            return;
        }
        inbox.offer(command);
        if (!shutdown.isOpen() && inbox.remove(command)) {
            // The close began between the check and the offer. Once closing, the loop polls the inbox only in its
            // one sweep (closeEverything): whichever of that poll and this remove wins decides, so a command is
            // either refused here or completed by the sweep, never lost after the last batch.
            throw shutdown.refusal();
        }
        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(drainTask);
            } catch (RejectedExecutionException e) {
                // The user's event loop group was shut down under the watcher. A command still queued is refused,
                // so its connection stays the caller's; one the loop took completes in the close.
                boolean refused = inbox.remove(command);
                close();
                if (refused) {
                    throw shutdown.refusal();
                }
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
        return !shutdown.isOpen();
    }

    /** A snapshot of the counters; any thread. */
    WatcherMetrics metrics() {
        return new WatcherMetrics(transport.name(), counters, swap.maxChunks, swap.chunkSize);
    }

    /** The error of a submission to a closed or closing watcher. */
    WatcherClosedException refusal() {
        return shutdown.refusal();
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
        if (isClosed()) {
            throw refusal();
        }
        Acceptor acceptor = new Acceptor(this, options);
        acceptor.socket = transport.listen(address, options.backlog, options.reuseAddress, options.reusePort,
                acceptor);
        try {
            LoopCalls.run(loop, () -> {
                if (isClosed()) {
                    throw refusal();
                }
                Future<IoRegistration> registered = loop.register(acceptor.socket);
                if (!registered.isSuccess()) {
                    throw new IOException("the event loop refused the listening socket: " + registered.cause(),
                            registered.cause());
                }
                acceptor.socket.attach(registered.getNow());
                acceptors.add(acceptor);
                counters.setRelease(Counters.LISTENERS, acceptors.size());
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
        if (acceptor.closed || isClosed()) {
            return;
        }
        try {
            LoopCalls.run(loop, () -> {
                if (acceptors.remove(acceptor)) {
                    counters.setRelease(Counters.LISTENERS, acceptors.size());
                    acceptor.close(acceptor.closedError());
                    flushSoon();
                }
                return null;
            });
        } catch (IOException loopGone) {
            // The loop shut down, and closed the watcher with the listener.
        }
    }

    /**
     * Closes every listener and connection, completes every pending request with {@link WatcherClosedException}
     * and stops an owned event loop ({@link Shutdown}); off the loop, returns when the last batch is out.
     */
    void close() {
        shutdown.close();
        awaitFinished(0);
    }

    /**
     * Stops taking requests, lets the pending writes, {@code shutdownOutput}s and connects finish for at most
     * {@code timeoutNanos}, then closes ({@link Shutdown}); off the loop, returns when the last batch is out.
     */
    void shutdownGracefully(long timeoutNanos) {
        shutdown.shutDownGracefully(timeoutNanos);
        awaitFinished(timeoutNanos);
    }

    private void awaitFinished(long drainNanos) {
        if (loop.inEventLoop()) {
            return;
        }
        try {
            shutdown.await(TimeUnit.NANOSECONDS.toSeconds(drainNanos) + SHUTDOWN_WAIT_SECONDS);
            if (ownedGroup != null) {
                ownedGroup.terminationFuture().await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
            if (!conn.closed && !engine.isClosed()) {
                try {
                    engine.submit(conn);
                } catch (RuntimeException ignored) {
                    // The watcher closed meanwhile, and closed the socket with it.
                }
            }
        }
    }

    // ---- loop thread ----

    private void drainInbox() {
        drainScheduled.set(false);
        // Once closing, the inbox is the sweep's (see submit).
        for (int i = 0; i < DRAIN_QUANTUM && shutdown.isOpen(); i++) {
            Object command = inbox.poll();
            if (command == null) {
                break;
            }
            try {
                dispatch(command);
            } catch (Throwable t) {
                logUnexpected(t);
            }
        }
        if (!inbox.isEmpty() && shutdown.isOpen() && drainScheduled.compareAndSet(false, true)) {
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
            counters.taken(r.operation);
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
            }
            conn.enqueue(r);
        } else if (command instanceof ConnectRequest) {
            counters.taken(Operation.CONNECT);
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
        connectionsChanged();
        if (r.hasDeadline) {
            deadlines.add(r);
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
        connectionsChanged();
        return newConnection(conn, null);
    }

    /** The first request naming a connection hands it to the transport. */
    private Conn delegate(OpResult r) {
        Conn conn = new Conn(this, r.connection);
        try {
            conn.socket = adopt(r.connection, conn);
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
        connectionsChanged();
        if (transport.duplicatesSockets()) {
            conn.cleanable = CLEANER.register(r.connection, new CollectedConnection(this, conn));
        }
        return conn;
    }

    /** Has the transport take over a caller's object; a {@link LayeredConnection}'s own one under its layer. */
    private TransportSocket adopt(Object connection, ReadinessListener listener) throws IOException {
        if (!(connection instanceof LayeredConnection)) {
            return transport.adopt(connection, listener);
        }
        LayeredConnection layeredConnection = (LayeredConnection) connection;
        LayeredSocket layered = layeredConnection.newSocket(listener, loop);
        TransportSocket adopted;
        try {
            adopted = transport.adopt(layeredConnection.connection(), layered);
        } catch (IOException | RuntimeException e) {
            // The layer's state (a TLS session's engine and buffers) is released by its socket's close.
            closeQuietly(layered);
            throw e;
        }
        return ListenOptions.wrap(layered, adopted);
    }

    /** Finishes a request and stages its result; callers publish the batch with {@link #flush} or {@link #flushSoon}. */
    void complete(OpResult r, Throwable error) {
        r.error = error;
        counters.completed(r);
        deadlines.remove(r);
        r.owner = null;
        completions.stage(r);
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
        if (holdingLastBatch) {
            return;
        }
        if (handler == null) {
            completions.publish();
        } else {
            try {
                completions.deliver(handler);
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, "gaio: the completion handler threw; the watcher goes on", t);
            }
        }
        if (draining && counters.pendingPlain() == 0) {
            draining = false;
            shutdown.drained();
        }
    }

    void forget(Conn conn) {
        if (conn.owner != null) {
            conns.remove(conn);
        } else {
            owned.remove(conn);
        }
        connectionsChanged();
        starved.remove(conn);
    }

    private void connectionsChanged() {
        counters.setRelease(Counters.CONNECTIONS, conns.size() + owned.size());
    }

    /** Parks a connection whose read found no swap space, until a consumer releases some. */
    void starve(Conn conn) {
        starved.park(conn);
    }

    private void relieveStarved() {
        reliefScheduled.set(false);
        for (int n = starved.size(); n > 0; n--) {
            Conn conn = starved.next();
            conn.unstarve();
            if (conn.starved) {
                break;
            }
        }
        starved.settled();
        flush();
    }

    /**
     * The start of a graceful shutdown ({@link Shutdown}): what was submitted before still counts, so the inbox is
     * dispatched one last time; then listeners close, which ends their accepts with {@code reason}, and reads end
     * with it at once (a read the transport holds once it comes back). Writes, {@code shutdownOutput}s and connects
     * go on; once none is pending, {@link #flush} tells the shutdown.
     */
    void stopTakingRequests(WatcherClosedException reason) {
        for (Object command; (command = inbox.poll()) != null; ) {
            try {
                dispatch(command);
            } catch (Throwable t) {
                logUnexpected(t);
            }
        }
        for (Acceptor acceptor : acceptors) {
            acceptor.close(reason);
        }
        acceptors.clear();
        counters.setRelease(Counters.LISTENERS, 0);
        conns.forEach(conn -> conn.endReads(reason));
        owned.forEach(conn -> conn.endReads(reason));
        draining = true;
        flush();
    }

    /**
     * The close's sweep ({@link Shutdown}): closes every listener and connection, which completes their pending
     * requests with {@code reason} (lent ones once the transport returns them), then completes the requests still in
     * the inbox. Loop thread, or any one thread once the loop is gone.
     */
    void closeEverything(WatcherClosedException reason) {
        holdingLastBatch = true;
        try {
            for (Acceptor acceptor : acceptors) {
                acceptor.close(reason);
            }
            acceptors.clear();
            counters.setRelease(Counters.LISTENERS, 0);
            // Queued requests first, so that each connection's requests still complete in order.
            for (Conn conn : conns.drain()) {
                conn.close(reason);
            }
            for (Conn conn : owned.drain()) {
                conn.close(reason);
            }
            connectionsChanged();
            for (Object command; (command = inbox.poll()) != null; ) {
                endUndispatched(command, reason);
            }
            starved.clear();
            deadlines.clear();
        } catch (Throwable t) {
            logUnexpected(t);
        }
    }

    /**
     * Completes a request that was taken but never reached the loop. A connection it named for the first time was
     * handed over all the same (the caller was told the watcher owns it), so it is closed too.
     */
    private void endUndispatched(Object command, WatcherClosedException reason) {
        if (command instanceof ConnectRequest) {
            counters.taken(Operation.CONNECT);
            complete(((ConnectRequest) command).result, reason);
            ((Connection) ((ConnectRequest) command).result.connection).state.close(reason);
        } else if (command instanceof OpResult) {
            OpResult r = (OpResult) command;
            counters.taken(r.operation);
            complete(r, reason);
            if (isDelegation(r)) {
                try {
                    closeQuietly(adopt(r.connection, (readable, writable) -> { }));
                } catch (IOException | RuntimeException alreadyClosed) {
                    // Closed before, by its own close or by an earlier request of this sweep.
                }
            }
        }
        // A free or a collected connection: the sweep closed it already.
    }

    /** Publishes the last batch, or hands it to the handler, and releases the swap buffers ({@link Shutdown}). */
    void finish() {
        loop.terminationFuture().removeListener(loopTerminated);
        holdingLastBatch = false;
        try {
            flush();
        } catch (Throwable t) {
            logUnexpected(t);
        } finally {
            completions.finish();
            swap.close();
            if (ownedGroup != null) {
                ownedGroup.shutdownGracefully(0, SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    /** A closed connection still lends buffers to the transport: the close waits for them. */
    void linger() {
        shutdown.linger();
    }

    /** A closed connection got its last lent buffer back. */
    void lentReturned() {
        shutdown.lentReturned();
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
