package io.gaio;

import io.gaio.spi.LayeredConnection;
import io.gaio.spi.TransportProvider;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Submits reads and writes on many TCP connections and collects their completions in batches: the proactor of
 * gaio, on a Netty event loop.
 *
 * <p>Connections come from the watcher itself, accepted on its {@link Listener}s ({@link #listen}, {@link #accept})
 * or opened by {@link #connect}, as {@link Connection}s; or they are the caller's own (a JDK {@code SocketChannel},
 * a Netty channel), which the first request that names them <em>delegates</em> to the watcher (see the transport's
 * documentation for what happens to the caller's object). Requests never block and may come from any thread; one
 * thread collects the results with {@link #waitIO()} (or, built with a {@link CompletionHandler}, the event loop
 * hands them to it). An echo server:
 * <pre>{@code
 * try (Watcher w = Watcher.open();
 *      Listener l = w.listen(new InetSocketAddress(9000),
 *              ListenOptions.defaults().option(StandardSocketOptions.TCP_NODELAY, true))) {
 *     for (int i = 0; i < 64; i++) {
 *         w.accept(null, l);                             // accepts pending at once: no acceptor thread
 *     }
 *     while (true) {
 *         for (OpResult res : w.waitIO()) {
 *             if (res.operation() == Operation.ACCEPT) {
 *                 if (res.isSuccess()) {
 *                     w.read(null, res.connection(), null);  // null buffer: read into the swap buffer
 *                 }
 *                 w.accept(null, l);
 *             } else if (!res.isSuccess()) {
 *                 w.free(res.connection());              // end of stream or error
 *             } else if (res.operation() == Operation.READ) {
 *                 // echo: copy out of the swap buffer, which is valid only until the next waitIO()
 *                 w.write(null, res.connection(), res.buffer().copy());
 *             } else {
 *                 res.buffer().release();                 // our copy
 *                 w.read(null, res.connection(), null);
 *             }
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Rules, in short: a read completes when at least one byte arrived, a {@code readFull} when its buffer is full, a
 * write when all its bytes are written. Requests on one connection complete in submission order per direction, and
 * the two directions are independent. Nothing is read from a connection unless a read is pending on it, so a slow
 * consumer applies back-pressure by not submitting reads. Each request completes exactly once, with an error if it
 * fails; misuse (a null or unsupported connection, an empty buffer, a closed watcher) throws at submission.
 *
 * <p>Buffers: a read fills the caller's buffer from its writer index up to its capacity ({@code writableBytes()}) and
 * advances the writer index; a write sends the readable bytes and advances the reader index. The caller must not touch
 * a buffer while its request is pending, and keeps the duty to release its own buffers. A read without a buffer
 * lands in a swap buffer shared by all connections and returns a slice of it (see {@link OpResult}).
 */
public final class Watcher implements AutoCloseable {
    /** The default size of one swap buffer, 64 KiB: the most a read without a buffer returns. */
    public static final int DEFAULT_SWAP_BUFFER_SIZE = 64 * 1024;
    /** The default bound on swap buffers alive at once, 256 (16 MiB at the default size). */
    public static final int DEFAULT_MAX_SWAP_BUFFERS = 256;

    private final Engine engine;

    private Watcher(Engine engine) {
        this.engine = engine;
        // The action holds the engine, never this watcher, so an unreferenced watcher can be collected and closed. It
        // stays registered after close(): batches nobody collected hold swap buffers until the watcher is gone.
        Engine.CLEANER.register(this, new Unreachable(engine));
    }

    /**
     * A watcher with default settings on its own event loop thread, using the transport named by
     * {@code -Dgaio.transport}, else the best available one.
     *
     * @return a new watcher; close it when done
     * @throws TransportUnavailableException when no usable transport is found
     */
    public static Watcher open() {
        return builder().build();
    }

    /**
     * A builder for a watcher with non-default settings.
     *
     * @return a new builder with default settings
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads at least one byte into {@code buffer}, or into the swap buffer when {@code buffer} is {@code null}.
     *
     * @param context    any object, returned unchanged in the result
     * @param connection a connection the transport supports; delegated to this watcher on first use
     * @param buffer     where to read, from its writer index; {@code null} to use the swap buffer
     * @throws UnsupportedConnectionException when the connection is null or of an unsupported type
     * @throws EmptyBufferException           when the buffer has no writable bytes
     * @throws IllegalArgumentException       when the buffer is released or read-only
     * @throws WatcherClosedException         when the watcher is closed
     */
    public void read(Object context, Object connection, ByteBuf buffer) {
        submitRead(context, connection, buffer, false, null);
    }

    /**
     * Like {@link #read}, but completes with {@link DeadlineExceededException} if nothing arrived within
     * {@code timeout} (measured on the monotonic clock from now).
     *
     * @param context    any object, returned unchanged in the result
     * @param connection a connection the transport supports; delegated to this watcher on first use
     * @param buffer     where to read, from its writer index; {@code null} to use the swap buffer
     * @param timeout    how long to wait for bytes, from now; about 73 years or more (e.g.
     *                   {@code ChronoUnit.FOREVER.getDuration()}) means no deadline
     * @throws UnsupportedConnectionException when the connection is null or of an unsupported type
     * @throws EmptyBufferException           when the buffer has no writable bytes
     * @throws WatcherClosedException         when the watcher is closed
     */
    public void readTimeout(Object context, Object connection, ByteBuf buffer, Duration timeout) {
        submitRead(context, connection, buffer, false, Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Reads until {@code buffer} has no writable bytes left, or until end of stream, error or the deadline.
     *
     * @param context    any object, returned unchanged in the result
     * @param connection a connection the transport supports; delegated to this watcher on first use
     * @param buffer     the buffer to fill, from its writer index to its capacity
     * @param timeout    the deadline from now, or {@code null} for none (as is any duration of about 73 years or
     *                   more)
     * @throws EmptyBufferException           when {@code buffer} is null or has no writable bytes
     * @throws UnsupportedConnectionException when the connection is null or of an unsupported type
     * @throws WatcherClosedException         when the watcher is closed
     */
    public void readFull(Object context, Object connection, ByteBuf buffer, Duration timeout) {
        if (buffer == null) {
            throw new EmptyBufferException("readFull needs a buffer to fill; pass a ByteBuf with writable bytes "
                    + "(a read without a buffer is done with read(ctx, conn, null))");
        }
        submitRead(context, connection, buffer, true, timeout);
    }

    /**
     * Writes all readable bytes of {@code buffer}.
     *
     * @param context    any object, returned unchanged in the result
     * @param connection a connection the transport supports; delegated to this watcher on first use
     * @param buffer     the bytes to send, from its reader index to its writer index
     * @throws EmptyBufferException           when the buffer is null or has no readable bytes
     * @throws UnsupportedConnectionException when the connection is null or of an unsupported type
     * @throws WatcherClosedException         when the watcher is closed
     */
    public void write(Object context, Object connection, ByteBuf buffer) {
        submitWrite(context, connection, buffer, null);
    }

    /**
     * Like {@link #write}, but completes with {@link DeadlineExceededException} if not all bytes went out in time.
     *
     * @param context    any object, returned unchanged in the result
     * @param connection a connection the transport supports; delegated to this watcher on first use
     * @param buffer     the bytes to send, from its reader index to its writer index
     * @param timeout    how long the write may take, from now; about 73 years or more means no deadline
     * @throws EmptyBufferException           when the buffer is null or has no readable bytes
     * @throws UnsupportedConnectionException when the connection is null or of an unsupported type
     * @throws WatcherClosedException         when the watcher is closed
     */
    public void writeTimeout(Object context, Object connection, ByteBuf buffer, Duration timeout) {
        submitWrite(context, connection, buffer, Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Sends the end of the stream once the writes submitted before it on this connection have gone out: the peer
     * reads every byte, then end of stream, while this side can still read until the peer's end of stream. Completes
     * (as {@link Operation#SHUTDOWN_OUTPUT}) once the FIN is handed to the kernel; writes submitted after it fail.
     *
     * @param context    any object, returned unchanged in the result
     * @param connection a connection the transport supports; delegated to this watcher on first use
     * @throws UnsupportedConnectionException when the connection is null or of an unsupported type
     * @throws WatcherClosedException         when the watcher is closed
     */
    public void shutdownOutput(Object context, Object connection) {
        checkConnection(connection);
        engine.submit(request(Operation.SHUTDOWN_OUTPUT, context, connection, null, false, null));
    }

    /**
     * Opens a listening socket on {@code address} with default {@link ListenOptions}.
     *
     * @param address where to listen; port 0 lets the kernel choose
     * @return the listener; take connections from it with {@link #accept}
     * @throws IOException            when the socket cannot be opened, bound or registered
     *                                ({@link java.net.BindException} when the address is in use)
     * @throws WatcherClosedException when the watcher is closed
     */
    public Listener listen(InetSocketAddress address) throws IOException {
        return listen(address, ListenOptions.defaults());
    }

    /**
     * Opens a listening socket the watcher owns. The socket is bound and listening when this returns; connections
     * are accepted only for pending {@link #accept} requests.
     * <pre>{@code
     * Listener l = w.listen(new InetSocketAddress(9000), ListenOptions.defaults().backlog(4096)
     *         .option(StandardSocketOptions.TCP_NODELAY, true));
     * for (int i = 0; i < 16; i++) {
     *     w.accept(null, l);                                // many accepts may be pending at once
     * }
     * // in the waitIO() loop: res.operation() == Operation.ACCEPT
     * //   -> w.read(null, res.connection(), null); w.accept(null, res.listener());
     * }</pre>
     *
     * @param address where to listen; port 0 lets the kernel choose
     * @param options backlog, SO_REUSEADDR, SO_REUSEPORT and the accepted connections' socket options
     * @return the listener
     * @throws IOException            when the socket cannot be opened, bound or registered
     *                                ({@link java.net.BindException} when the address is in use)
     * @throws WatcherClosedException when the watcher is closed
     */
    public Listener listen(InetSocketAddress address, ListenOptions options) throws IOException {
        checkAddress(address);
        return engine.listen(address, Objects.requireNonNull(options, "options").copy());
    }

    /**
     * Accepts the next connection on {@code listener}. Completes as {@link Operation#ACCEPT} with the new
     * {@link Connection} as {@link OpResult#connection()}, or with an error: {@link ConnectionClosedException} when
     * the listener is or becomes closed, the accept's {@link IOException} otherwise (see {@link Listener} for what
     * follows a failed accept).
     *
     * @param context  any object, returned unchanged in the result
     * @param listener a listener of this watcher
     * @throws IllegalArgumentException when the listener belongs to another watcher
     * @throws WatcherClosedException   when the watcher is closed
     */
    public void accept(Object context, Listener listener) {
        Objects.requireNonNull(listener, "listener");
        if (engine.isClosed()) {
            throw engine.refusal();
        }
        if (listener.acceptor.engine != engine) {
            throw new IllegalArgumentException("the listener belongs to another watcher; submit its accepts to the "
                    + "watcher that opened it");
        }
        OpResult r = request(Operation.ACCEPT, context, null, null, false, null);
        r.listener = listener;
        engine.submit(r);
    }

    /**
     * Connects to {@code remote} without blocking, with default {@link ConnectOptions}.
     *
     * @param context any object, returned unchanged in the result
     * @param remote  where to connect, resolved
     * @return the connection, usable for requests at once (they start once it is established)
     * @throws IllegalArgumentException when {@code remote} is unresolved
     * @throws WatcherClosedException   when the watcher is closed
     */
    public Connection connect(Object context, InetSocketAddress remote) {
        return connect(context, remote, ConnectOptions.defaults());
    }

    /**
     * Connects to {@code remote} without blocking any thread. Returns the new connection at once; the request
     * completes as {@link Operation#CONNECT} with it as {@link OpResult#connection()}, successfully once the
     * connection is established, or with {@link java.net.ConnectException} (refused, unreachable),
     * {@link DeadlineExceededException} (the options' timeout passed) or another {@link IOException}; a failed
     * connect closes the connection. Reads and writes may be submitted on the connection right away: they start
     * once it is established, and end with {@link ConnectionClosedException} if the connect fails.
     *
     * @param context any object, returned unchanged in the result
     * @param remote  where to connect, resolved
     * @param options local address, timeout and socket options
     * @return the connection
     * @throws IllegalArgumentException when {@code remote} is unresolved
     * @throws WatcherClosedException   when the watcher is closed
     */
    public Connection connect(Object context, InetSocketAddress remote, ConnectOptions options) {
        checkAddress(remote);
        ConnectOptions o = Objects.requireNonNull(options, "options").copy();
        if (engine.isClosed()) {
            throw engine.refusal();
        }
        Connection connection = engine.newConnection(new Conn(engine, null), remote);
        OpResult r = request(Operation.CONNECT, context, connection, null, false, o.timeout);
        engine.submit(new ConnectRequest(r, remote, o));
        return connection;
    }

    /**
     * Closes a connection's socket (a {@link Connection} of this watcher, or a delegated object) and completes every
     * request pending on it with {@link ConnectionClosedException}, a connect under way included. Requests submitted
     * afterwards on the same object fail the same way. Objects this watcher never took over are left alone.
     *
     * @param connection the connection object given in earlier requests
     * @throws UnsupportedConnectionException when the connection is another watcher's {@link Connection}
     * @throws WatcherClosedException         when the watcher is closed
     */
    public void free(Object connection) {
        checkOwner(connection);
        engine.submit(new FreeRequest(Objects.requireNonNull(connection, "connection")));
    }

    /**
     * Waits until at least one request completed and returns every completion available, as one batch. The batch
     * and any swap-buffer slices in it are valid until the next call. Meant for one collecting thread.
     *
     * <p>After {@link #close()} it goes on returning what is left, the requests the close ended included (see
     * there), and throws once everything was returned: call it until it throws to get every buffer back.
     *
     * @return the completions, at least one
     * @throws WatcherClosedException when the watcher is closed and every completion was returned
     * @throws InterruptedException   when the thread is interrupted while waiting
     * @throws IllegalStateException  when the watcher delivers to a {@link CompletionHandler} instead
     */
    public List<OpResult> waitIO() throws InterruptedException {
        return engine.take(-1);
    }

    /**
     * Like {@link #waitIO()}, but gives up after {@code timeout} and then returns an empty batch.
     *
     * @param timeout how long to wait at most
     * @return the completions, empty when the timeout passed first
     * @throws WatcherClosedException when the watcher is closed and every completion was returned
     * @throws InterruptedException   when the thread is interrupted while waiting
     * @throws IllegalStateException  when the watcher delivers to a {@link CompletionHandler} instead
     */
    public List<OpResult> waitIO(Duration timeout) throws InterruptedException {
        return engine.take(Math.max(0, saturatedNanos(timeout)));
    }

    /**
     * The transport this watcher runs on.
     *
     * @return its name, for example {@code "nio"} or {@code "epoll"}
     */
    public String transport() {
        return engine.transport.name();
    }

    /**
     * A snapshot of the watcher's connections, pending requests, swap buffers and counters (completions, bytes,
     * errors by kind). Cheap and safe from any thread, without a lock: each figure is as the event loop last stored
     * it (see {@link WatcherMetrics} for what that means). Also after the watcher closed.
     *
     * @return the snapshot
     */
    public WatcherMetrics metrics() {
        return engine.metrics();
    }

    /**
     * The event loop this watcher's I/O runs on.
     *
     * @return the event loop, the watcher's own or one of a supplied group
     */
    public IoEventLoop eventLoop() {
        return engine.loop;
    }

    /**
     * Closes every connection and listener this watcher owns and stops the watcher's own event loop (an event loop
     * supplied through {@link Builder#eventLoop} keeps running). Submissions throw {@link WatcherClosedException}
     * from now on.
     *
     * <p>Every request still pending completes, so that every buffer comes back: as a last batch, with
     * {@link WatcherClosedException} as its {@link OpResult#error() error} and the bytes moved before in
     * {@link OpResult#size() size} (a write the transport was sending reports how far it got; a read may have
     * received bytes into its buffer). Accepts, connects and {@code shutdownOutput}s end the same way. A transport
     * that lends buffers to the kernel (io_uring) returns them after cancelling, and the close waits for that, up
     * to 5 seconds; a buffer still lent then is logged and never handed back. {@link #waitIO()} returns the last
     * batch (after anything completed earlier and not yet collected), then throws {@link WatcherClosedException};
     * a thread waiting in it gets the batch. A watcher with a {@link CompletionHandler} hands the last batch to it in
     * a last call, on the event loop (or, when the loop was shut down under the watcher, on the thread that closes).
     * Collect the last batch to release your buffers: swap-buffer slices of completions never collected are released
     * when the watcher is garbage collected.
     *
     * <p>Blocks until the last batch is out, unless called on the watcher's event loop. Closing twice is harmless;
     * closing during a {@link #shutdownGracefully graceful shutdown} ends it at once.
     */
    @Override
    public void close() {
        engine.close();
    }

    /**
     * Shuts the watcher down gracefully, like Netty's {@code shutdownGracefully}: stops taking requests, lets the
     * pending writes finish within {@code timeout}, then {@linkplain #close() closes}.
     * <ol>
     *   <li>At once: every submission (and {@link #listen}) throws {@link WatcherClosedException}; every listener
     *       closes and its pending accepts complete with {@link WatcherClosedException}; every pending read
     *       completes with it too, since nothing could answer what it would bring (a read a completion-based
     *       transport holds is cancelled, and completes with the bytes it got, if any).</li>
     *   <li>Writes, {@code shutdownOutput}s and connects go on, and complete as usual, until none is left or
     *       {@code timeout} passes.</li>
     *   <li>Then the watcher closes: what is still pending completes with {@link WatcherClosedException}, a write
     *       with the bytes it got out as its {@link OpResult#size() size}, in the last batch (see {@link #close()}),
     *       and every connection is closed (the kernel still sends what the writes handed it).</li>
     * </ol>
     * Collect with {@link #waitIO()} meanwhile, from another thread, or afterwards until it throws. Blocks until the
     * last batch is out, unless called on the watcher's event loop. Does nothing more on a watcher already shutting
     * down or closed, but wait for it; {@link #close()} during the drain ends it at once.
     *
     * @param timeout how long pending writes may take, from now; about 73 years or more means no limit
     */
    public void shutdownGracefully(Duration timeout) {
        engine.shutdownGracefully(saturatedNanos(Objects.requireNonNull(timeout, "timeout")));
    }

    private void submitRead(Object context, Object connection, ByteBuf buffer, boolean full, Duration timeout) {
        checkConnection(connection);
        if (buffer != null) {
            checkLive(buffer);
            if (buffer.isReadOnly()) {
                throw new IllegalArgumentException("cannot read into a read-only buffer; pass a writable ByteBuf, "
                        + "or null to read into the swap buffer");
            }
            if (!buffer.isWritable()) {
                throw new EmptyBufferException("the read buffer has no writable bytes (writerIndex "
                        + buffer.writerIndex() + " = capacity " + buffer.capacity() + "); clear() it or pass null "
                        + "to read into the swap buffer");
            }
        }
        engine.submit(request(Operation.READ, context, connection, buffer, full, timeout));
    }

    private void submitWrite(Object context, Object connection, ByteBuf buffer, Duration timeout) {
        checkConnection(connection);
        if (buffer == null) {
            throw new EmptyBufferException("write needs a buffer with readable bytes, got null");
        }
        checkLive(buffer);
        if (!buffer.isReadable()) {
            throw new EmptyBufferException("the write buffer has no readable bytes (readerIndex = writerIndex = "
                    + buffer.writerIndex() + "); write something into it first");
        }
        engine.submit(request(Operation.WRITE, context, connection, buffer, false, timeout));
    }

    private static OpResult request(Operation op, Object context, Object connection, ByteBuf buffer, boolean full,
                                    Duration timeout) {
        if (timeout == null || timeout.compareTo(NO_DEADLINE) >= 0) {
            return new OpResult(op, context, connection, buffer, full, false, 0);
        }
        return new OpResult(op, context, connection, buffer, full, true, System.nanoTime() + saturatedNanos(timeout));
    }

    private void checkConnection(Object connection) {
        if (engine.isClosed()) {
            throw engine.refusal();
        }
        if (connection instanceof Connection) {
            checkOwner(connection);
            return;
        }
        if (connection instanceof Listener) {
            throw new UnsupportedConnectionException("a Listener takes accept(context, listener) requests only; "
                    + "read and write on the connections its accepts complete with");
        }
        if (connection == null) {
            throw new UnsupportedConnectionException("the connection is null; pass " + engine.transport.supportedTypes());
        }
        Object own = connection instanceof LayeredConnection ? ((LayeredConnection) connection).connection()
                : connection;
        if (!engine.transport.supports(own)) {
            throw new UnsupportedConnectionException("gaio transport '" + engine.transport.name()
                    + "' cannot take over a " + own.getClass().getName() + "; pass "
                    + engine.transport.supportedTypes());
        }
    }

    private void checkOwner(Object connection) {
        if (connection instanceof Connection && ((Connection) connection).state.engine != engine) {
            throw new UnsupportedConnectionException("the connection belongs to another watcher: submit its "
                    + "requests and its free() to the watcher that accepted or connected it");
        }
    }

    private static void checkAddress(InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("the address " + address + " is unresolved; resolve it first (new "
                    + "InetSocketAddress(host, port) does, on the calling thread)");
        }
    }

    private static void checkLive(ByteBuf buffer) {
        if (buffer.refCnt() == 0) {
            throw new IllegalArgumentException("the buffer was already released (refCnt 0); pass a live ByteBuf");
        }
    }

    /**
     * A duration this long or longer (about 73 years) means "no deadline": {@code Duration.toNanos()} overflows
     * beyond about 292 years, and {@code nanoTime()} plus it would run into the past well before.
     */
    private static final Duration NO_DEADLINE = Duration.ofNanos(Long.MAX_VALUE / 4);

    private static long saturatedNanos(Duration d) {
        return d.isNegative() ? 0 : d.compareTo(NO_DEADLINE) >= 0 ? NO_DEADLINE.toNanos() : d.toNanos();
    }

    /**
     * The Cleaner's action for a watcher that became unreachable: closes its engine, and releases the swap buffers of
     * batches nobody can collect any more. It holds the engine, never the watcher.
     */
    private static final class Unreachable implements Runnable {
        private final Engine engine;

        Unreachable(Engine engine) {
            this.engine = engine;
        }

        @Override
        public void run() {
            engine.close();
            engine.completions.abandon();
        }
    }

    /**
     * Settings for a new {@link Watcher}.
     * <pre>{@code
     * Watcher w = Watcher.builder()
     *         .transport("nio")                  // else -Dgaio.transport, else the best available
     *         .swapBufferSize(16 * 1024)
     *         .eventLoop(nettyGroup)             // share an existing Netty MultiThreadIoEventLoopGroup
     *         .build();
     * }</pre>
     */
    public static final class Builder {
        private String transport;
        private IoEventLoopGroup group;
        private ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
        private int swapBufferSize = DEFAULT_SWAP_BUFFER_SIZE;
        private int maxSwapBuffers = DEFAULT_MAX_SWAP_BUFFERS;
        private int loopCpu = -1;
        private CompletionHandler handler;

        private Builder() {
        }

        /**
         * The transport by name; overrides {@code -Dgaio.transport}.
         *
         * @param name a transport name, as listed by {@link Transports#list()}
         * @return this builder
         */
        public Builder transport(String name) {
            this.transport = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Runs the watcher on the next event loop of an existing Netty group, for example the one that serves a Netty
         * server, instead of a thread of its own. The group must have been created with the I/O handler of the
         * watcher's transport (e.g. {@code NioIoHandler.newFactory()}); with no transport named, the best available
         * transport whose handler the group runs is chosen. Closing the watcher leaves the group running.
         *
         * @param group a Netty {@code MultiThreadIoEventLoopGroup} or a single {@code IoEventLoop}
         * @return this builder
         */
        public Builder eventLoop(IoEventLoopGroup group) {
            this.group = Objects.requireNonNull(group, "group");
            return this;
        }

        /**
         * The allocator of swap buffers; the pooled direct allocator by default.
         *
         * @param allocator the allocator to take swap buffers from
         * @return this builder
         */
        public Builder allocator(ByteBufAllocator allocator) {
            this.allocator = Objects.requireNonNull(allocator, "allocator");
            return this;
        }

        /**
         * The size of one swap buffer, the most a read without a buffer returns; 64 KiB by default.
         *
         * @param bytes the size in bytes, at least 64
         * @return this builder
         */
        public Builder swapBufferSize(int bytes) {
            if (bytes < 64) {
                throw new IllegalArgumentException("swapBufferSize must be at least 64 bytes, got " + bytes);
            }
            this.swapBufferSize = bytes;
            return this;
        }

        /**
         * The most swap buffers alive at once, counting those held by batches not yet released by the next
         * {@code waitIO()}. At the bound, reads without a buffer wait until a consumer releases one.
         *
         * @param count the bound, at least 2
         * @return this builder
         */
        public Builder maxSwapBuffers(int count) {
            if (count < 2) {
                throw new IllegalArgumentException("maxSwapBuffers must be at least 2, got " + count);
            }
            this.maxSwapBuffers = count;
            return this;
        }

        /**
         * Pins the watcher's own event loop thread to one CPU (gaio's {@code SetLoopAffinity}), for example to keep
         * one watcher per core. Linux only (through util-linux's {@code taskset}); not for an event loop supplied
         * through {@link #eventLoop}, whose threads belong to their group.
         *
         * @param cpu the CPU id, as the kernel numbers CPUs
         * @return this builder
         * @throws InvalidCpuException when this process may not run on {@code cpu}
         */
        public Builder loopAffinity(int cpu) {
            ThreadAffinity.validate(cpu);
            this.loopCpu = cpu;
            return this;
        }

        /**
         * Delivers completions to {@code handler} on the watcher's event loop thread, batch by batch, instead of to a
         * thread in {@link Watcher#waitIO()}, which then throws {@link IllegalStateException}. Saves the hand-off
         * between threads; the handler must not block. See {@link CompletionHandler}.
         *
         * @param handler receives every batch
         * @return this builder
         */
        public Builder completionHandler(CompletionHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Creates the watcher.
         *
         * @return the new watcher, running
         *
         * @throws TransportUnavailableException when the transport is missing or cannot run here
         * @throws IllegalArgumentException      when the event loop group runs another transport's I/O handler, or
         *                                       affinity was asked for a supplied event loop
         * @throws UnsupportedOperationException when affinity was asked for where it cannot work
         */
        public Watcher build() {
            TransportProvider provider;
            IoEventLoop loop;
            IoEventLoopGroup owned = null;
            if (group == null) {
                provider = Transports.select(transport);
                owned = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("gaio-" + provider.name(), true),
                        provider.newIoHandlerFactory());
                loop = owned.next();
                if (loopCpu >= 0) {
                    pin(owned, loop, loopCpu);
                }
            } else {
                if (loopCpu >= 0) {
                    throw new IllegalArgumentException("loopAffinity applies to the watcher's own event loop thread; "
                            + "pin the threads of the supplied event loop group where the group is created");
                }
                loop = group.next();
                provider = transport != null || System.getProperty(Transports.TRANSPORT_PROPERTY) != null
                        ? Transports.select(transport) : Transports.selectFor(loop);
                if (!loop.isCompatible(provider.handleType())) {
                    throw new IllegalArgumentException("the event loop group does not run gaio transport '"
                            + provider.name() + "': create it as new MultiThreadIoEventLoopGroup(n, <"
                            + provider.name() + " IoHandler>.newFactory()), or name the transport it runs");
                }
            }
            return new Watcher(new Engine(provider, loop, owned, allocator, swapBufferSize, maxSwapBuffers, handler));
        }

        private static void pin(IoEventLoopGroup owned, IoEventLoop loop, int cpu) {
            Future<?> pinned = loop.submit(() -> {
                ThreadAffinity.pinCurrentThread(cpu);
                return null;
            }).awaitUninterruptibly();
            if (!pinned.isSuccess()) {
                owned.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
                Throwable cause = pinned.cause();
                throw cause instanceof UnsupportedOperationException ? (UnsupportedOperationException) cause
                        : new IllegalStateException("could not pin the event loop to CPU " + cpu + ": " + cause, cause);
            }
        }
    }
}
