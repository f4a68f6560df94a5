package io.gaio.conformance;

import io.gaio.Connection;
import io.gaio.ConnectionClosedException;
import io.gaio.Listener;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.netty.buffer.ByteBuf;
import java.io.EOFException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An echo server on a watcher under test: reads from each connection, writes back what it read, reads again, and
 * frees the connection at the end of the stream. One thread collects the completions with {@code waitIO()}.
 *
 * <p>While echoing it checks the watcher: every result names the connection it was submitted for and carries its
 * context unchanged, each request completes exactly once, a read returns at least one byte and where it says
 * (the caller's buffer or a swap-buffer slice of exactly {@code size} bytes), and a write reports every byte written.
 * Anything else is recorded in {@link #failures()}.
 *
 * <p>Swap-buffer reads of a batch are copied only after the rest of the batch has been handled, which submits new
 * reads meanwhile: if the watcher overwrote a slice of the batch just returned, the echo would come back wrong.
 */
final class EchoServer implements AutoCloseable {
    /** Where the echo server reads into. */
    enum ReadMode {
        /** A buffer of the server's own per connection. */
        CALLER_BUFFER,
        /** The swap buffer (null buffer); the slice is copied and the copy written back. */
        SWAP_BUFFER,
        /** The swap buffer; the slice is {@code retain()}ed and written back itself, and released afterwards. */
        SWAP_RETAINED,
        /** Caller buffer or swap buffer, chosen pseudo-randomly (reproducibly) for every read. */
        RANDOM
    }

    private final Watcher watcher;
    private final ReadMode mode;
    private final int bufferSize;
    private final long seed;
    private final Thread thread;
    /** Connections being served; one that reached the end of its stream leaves, so that churn does not pile up. */
    private final Set<Conn> conns = ConcurrentHashMap.newKeySet();
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicInteger closed = new AtomicInteger();
    private final AtomicInteger nextIndex = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger acceptFailures = new AtomicInteger();
    private volatile Throwable lastAcceptError;
    private volatile Listener listener;
    private volatile CompletionLedger acceptLedger;
    private volatile boolean stopping;

    /**
     * Starts serving on {@code watcher}, which the server closes when it is closed.
     *
     * @param bufferSize the size of the server's own read buffers
     * @param seed       the seed of the {@link ReadMode#RANDOM} choices
     */
    EchoServer(Watcher watcher, ReadMode mode, int bufferSize, long seed) {
        this.watcher = watcher;
        this.mode = mode;
        this.bufferSize = bufferSize;
        this.seed = seed;
        this.thread = new Thread(this::loop, "echo-server-" + watcher.transport());
        thread.setDaemon(true);
        thread.start();
    }

    /** Hands a connection to the watcher with a first read. */
    void serve(Object connection) {
        Conn c = new Conn(nextIndex.getAndIncrement(), connection);
        conns.add(c);
        submitRead(c);
    }

    /**
     * Keeps {@code pending} accepts outstanding on {@code listener} (one listener per server, of its watcher), each
     * booked in {@code ledger}, and serves every connection accepted. A failed accept is counted
     * ({@link #acceptFailures()}) and submitted again, as an application would, unless the listener was closed
     * ({@link ConnectionClosedException}).
     */
    void acceptFrom(Listener listener, CompletionLedger ledger, int pending) {
        this.acceptLedger = ledger;
        this.listener = listener;
        for (int i = 0; i < pending; i++) {
            submitAccept();
        }
    }

    /** The watcher the server runs on. */
    Watcher watcher() {
        return watcher;
    }

    /** Connections accepted. */
    int accepted() {
        return accepted.get();
    }

    /** Accepts that failed with an error other than {@link ConnectionClosedException}. */
    int acceptFailures() {
        return acceptFailures.get();
    }

    /** The error of the last failed accept, or {@code null}. */
    Throwable lastAcceptError() {
        return lastAcceptError;
    }

    /** Connections freed after the end of their stream. */
    int closedConnections() {
        return closed.get();
    }

    /** What went wrong, empty when the watcher behaved. */
    List<String> failures() {
        return new ArrayList<>(failures);
    }

    /** Waits until {@code n} connections reached the end of their stream; false on timeout. */
    boolean awaitClosed(int n, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (closed.get() < n) {
            if (System.nanoTime() - deadline > 0 || !thread.isAlive()) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /**
     * Closes the watcher; the thread releases the buffers of the requests the close hands back and stops once
     * {@code waitIO()} throws; then releases what is left.
     */
    @Override
    public void close() {
        stopping = true;
        watcher.close();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            failures.add("the echo server's thread is still in waitIO() 30 s after close()");
            return;
        }
        for (Conn c : conns) {
            c.releaseAll();
        }
    }

    private void loop() {
        List<OpResult> swapReads = new ArrayList<>();
        try {
            while (true) {
                List<OpResult> batch = watcher.waitIO();
                if (batch.isEmpty()) {
                    failures.add("waitIO() without a timeout returned an empty batch");
                }
                for (OpResult r : batch) {
                    if (r.operation() == Operation.ACCEPT) {
                        onAccept(r);
                        continue;
                    }
                    Conn c = check(r);
                    if (c == null) {
                        continue;
                    }
                    if (r.operation() == Operation.READ && r.isSuccess() && r.isSwapBuffer()) {
                        swapReads.add(r); // after the rest of the batch, which submits more reads meanwhile
                    } else if (r.operation() == Operation.READ) {
                        onRead(c, r);
                    } else {
                        onWrite(c, r);
                    }
                }
                for (OpResult r : swapReads) {
                    onRead((Conn) r.context(), r);
                }
                swapReads.clear();
            }
        } catch (WatcherClosedException e) {
            if (!stopping) {
                failures.add("waitIO() threw " + e + " before the watcher was closed");
            }
        } catch (Throwable t) {
            failures.add("echo server thread died: " + t);
        }
    }

    /** The connection a result belongs to, after checking that it is the one submitted and completes once. */
    private Conn check(OpResult r) {
        if (!(r.context() instanceof Conn)) {
            failures.add("result with a context that was never submitted: " + r);
            return null;
        }
        Conn c = (Conn) r.context();
        if (r.connection() != c.connection) {
            failures.add("result of connection " + c.index + " names another connection object: " + r);
        }
        boolean pending = r.operation() == Operation.READ ? c.readPending : c.writePending;
        if (!pending) {
            failures.add("a " + r.operation() + " of connection " + c.index + " completed with none pending: " + r);
            return null;
        }
        if (r.operation() == Operation.READ) {
            c.readPending = false;
        } else {
            c.writePending = false;
        }
        return c;
    }

    private void submitAccept() {
        Long id = acceptLedger.open();
        try {
            watcher.accept(id, listener);
        } catch (RuntimeException e) {
            acceptLedger.reject(id, e);
            if (!(e instanceof WatcherClosedException)) {
                failures.add("an accept was refused at submission: " + e);
            }
        }
    }

    private void onAccept(OpResult r) {
        if (acceptLedger == null) {
            failures.add("an accept completed that the server never submitted: " + r);
            return;
        }
        acceptLedger.complete(r);
        if (r.listener() != listener) {
            failures.add("an accept names another listener: " + r);
        }
        if (r.isSuccess()) {
            if (r.connection() instanceof Connection) {
                accepted.incrementAndGet();
                serve(r.connection());
            } else {
                failures.add("a successful accept without a Connection: " + r);
            }
            submitAccept();
        } else if (r.connection() != null) {
            failures.add("a failed accept names a connection: " + r);
        } else if (handedBack(r)) {
            return;
        } else if (!(r.error() instanceof ConnectionClosedException)) {
            acceptFailures.incrementAndGet();
            lastAcceptError = r.error();
            submitAccept();
        }
    }

    private void onRead(Conn c, OpResult r) {
        if (handedBack(r)) {
            c.releaseAll();
            conns.remove(c);
            return;
        }
        if (!r.isSuccess()) {
            if (!(r.error() instanceof EOFException)) {
                failures.add("read of connection " + c.index + " failed: " + r);
            } else if (r.size() != 0) {
                failures.add("end-of-stream read of connection " + c.index + " reports " + r.size() + " bytes");
            }
            c.releaseAll();
            watcher.free(c.connection);
            conns.remove(c);
            closed.incrementAndGet();
            return;
        }
        if (r.size() <= 0) {
            failures.add("successful read of connection " + c.index + " with size " + r.size());
        }
        ByteBuf echo;
        if (c.readIntoSwap) {
            ByteBuf slice = r.buffer();
            if (!r.isSwapBuffer() || slice == null || slice.readableBytes() != r.size()) {
                failures.add("read without a buffer did not return a swap slice of its size: " + r);
                return;
            }
            if (mode == ReadMode.SWAP_RETAINED) {
                echo = slice.retain();
            } else {
                echo = c.allocate(r.size()).writeBytes(slice, slice.readerIndex(), r.size());
            }
        } else {
            echo = c.buffer;
            if (r.isSwapBuffer() || r.buffer() != echo || echo.readableBytes() != r.size()) {
                failures.add("read into the caller's buffer did not fill that buffer by its size: " + r
                        + ", buffer " + echo);
                return;
            }
        }
        c.writing = echo;
        c.expectedWrite = r.size();
        c.writePending = true;
        watcher.write(c, c.connection, echo);
    }

    private void onWrite(Conn c, OpResult r) {
        if (handedBack(r)) {
            c.releaseAll();
            conns.remove(c);
            return;
        }
        ByteBuf written = c.writing;
        c.writing = null;
        if (!r.isSuccess() || r.size() != c.expectedWrite || r.buffer() != written || written.isReadable()) {
            failures.add("echo write of connection " + c.index + " of " + c.expectedWrite + " bytes: " + r);
        }
        if (written != c.buffer) {
            written.release();
        }
        if (!r.isSuccess()) {
            c.releaseAll();
            watcher.free(c.connection);
            return;
        }
        submitRead(c);
    }

    private void submitRead(Conn c) {
        c.readIntoSwap = switch (mode) {
            case CALLER_BUFFER -> false;
            case SWAP_BUFFER, SWAP_RETAINED -> true;
            case RANDOM -> (mix(seed ^ ((long) c.index << 32) ^ c.reads) & 1) == 0;
        };
        c.reads++;
        ByteBuf target = null;
        if (!c.readIntoSwap) {
            if (c.buffer == null) {
                c.buffer = c.allocate(bufferSize);
            }
            target = c.buffer.clear();
        }
        c.readPending = true;
        watcher.read(c, c.connection, target);
    }

    /** Whether the request was pending when the server closed the watcher, which hands it back. */
    private boolean handedBack(OpResult r) {
        if (!(r.error() instanceof WatcherClosedException)) {
            return false;
        }
        if (!stopping) {
            failures.add("a request was handed back by a close before the server closed: " + r);
        }
        return true;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** The server's state of one connection; the context of each of its requests. */
    private static final class Conn {
        final int index;
        final Object connection;
        ByteBuf buffer;
        ByteBuf writing;
        int expectedWrite;
        boolean readIntoSwap;
        boolean readPending;
        boolean writePending;
        long reads;

        Conn(int index, Object connection) {
            this.index = index;
            this.connection = connection;
        }

        ByteBuf allocate(int size) {
            return TransportTestBase.directBuffer(size);
        }

        void releaseAll() {
            if (writing != null && writing != buffer) {
                TransportTestBase.releaseQuietly(writing);
            }
            writing = null;
            TransportTestBase.releaseQuietly(buffer);
            buffer = null;
        }
    }
}
