package io.gaio;

import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportSocket;
import io.netty.buffer.ByteBuf;
import java.io.EOFException;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * One connection, delegated or the watcher's own: its socket, its pending reads and writes (each direction FIFO, the
 * two independent; a {@code shutdownOutput} waits in the write queue behind the writes before it), and the drain
 * loops that move bytes until the socket would block. A connection being connected holds its requests until the
 * connect completes. Loop thread only, except {@link #closed}, which other threads read.
 *
 * <p>With a completion-based transport the head read's buffer, or the first few writes, can be lent to the
 * transport ({@link TransportSocket#IN_FLIGHT}). Lent requests stay queued until the transport gives them back: a
 * deadline or a close that hits one only marks it ({@link OpResult#abort}, {@link #closeReason}) and cancels the
 * operation, and the request ends when it is collected, so the kernel never writes into a buffer the caller got
 * back, and a request still completes exactly once.
 */
final class Conn implements ReadinessListener {
    private static final int WANT_READ = 1;
    private static final int WANT_WRITE = 2;

    final Engine engine;
    /**
     * The caller's connection object, held weakly so that dropping it lets the Cleaner free this connection; null for
     * a connection the watcher owns from the start, whose {@link Connection} points here instead.
     */
    final WeakReference<Object> owner;
    final int identityHash;
    /** The next delegated connection in the {@link ConnTable} bucket. */
    Conn nextInBucket;
    /** The neighbours of a connection the watcher owns, in the engine's {@link ConnList}. */
    Conn prevOwned;
    Conn nextOwned;
    TransportSocket socket;
    Cleaner.Cleanable cleanable;
    volatile boolean closed;
    /** Whether a read waits in the engine's starved list for swap space. */
    boolean starved;

    private final RequestQueue reads = new RequestQueue();
    private final RequestQueue writes = new RequestQueue();
    private int interest;
    /** The head read's buffer while the transport holds it, else null. */
    private ByteBuf lentRead;
    /** How many writes from the head the transport holds, else 0. */
    private int lentWrites;
    /** Why lent requests end once returned after {@link #close}. */
    private Throwable closeReason;
    /** Whether the connection is closed while the transport still holds some of its buffers. */
    private boolean lingering;
    /** The connect request while the connection is being established, else null. */
    private OpResult connecting;
    /** Whether a {@code shutdownOutput} went through: later writes fail. */
    private boolean outputShut;

    /**
     * @param engine     the watcher's engine
     * @param connection the caller's object of a delegated connection, or {@code null} for one the watcher owns
     */
    Conn(Engine engine, Object connection) {
        this.engine = engine;
        this.owner = connection == null ? null : new WeakReference<>(connection);
        this.identityHash = System.identityHashCode(connection);
    }

    /** Queues a request; the first one in its direction is tried at once, or once the connection is established. */
    void enqueue(OpResult r) {
        r.owner = this;
        boolean read = r.operation == Operation.READ;
        RequestQueue queue = read ? reads : writes;
        queue.add(r);
        if (socket == null || connecting != null) {
            return;
        }
        if (queue.size() == 1) {
            if (read) {
                pumpReads();
            } else {
                pumpWrites();
            }
        }
        updateInterest();
    }

    /** Whether the connection has a connected socket: delegated, accepted, or connected by a finished connect. */
    boolean isEstablished() {
        return socket != null && connecting == null;
    }

    /** Starts connecting a socket the engine created and registered; {@code r} completes when it is done. */
    void connect(OpResult r, InetSocketAddress remote) {
        r.owner = this;
        connecting = r;
        boolean connected;
        try {
            connected = socket.connect(remote);
        } catch (IOException | RuntimeException e) {
            failConnect(e);
            return;
        }
        if (connected) {
            established();
        } else {
            updateInterest();
        }
    }

    /** After readiness: whether the connect under way is done, and if so, what came of it. */
    private void finishConnect() {
        boolean connected;
        try {
            connected = socket.finishConnect();
        } catch (IOException | RuntimeException e) {
            failConnect(e);
            return;
        }
        if (connected) {
            established();
        }
    }

    private void established() {
        OpResult r = connecting;
        connecting = null;
        // A level-triggered transport watched for the connect: whatever the requests want now must be asked anew.
        interest = -1;
        engine.complete(r, null);
        pumpReads();
        if (!closed) {
            pumpWrites();
        }
        if (!closed) {
            updateInterest();
        }
    }

    private void failConnect(Throwable error) {
        OpResult r = connecting;
        connecting = null;
        engine.complete(r, error);
        close(new ConnectionClosedException("the connect failed: " + error, error));
    }

    @Override
    public void onReadiness(boolean readable, boolean writable) {
        // Called from the transport's IoHandle.handle(): nothing may escape, or Netty stalls the loop.
        try {
            if (closed) {
                collectAfterClose();
                engine.flushSoon();
                return;
            }
            if (connecting != null) {
                finishConnect();
                engine.flushSoon();
                return;
            }
            if (readable) {
                pumpReads();
            }
            if (writable && !closed) {
                pumpWrites();
            }
            if (!closed) {
                updateInterest();
            }
        } catch (Throwable t) {
            engine.logUnexpected(t);
            close(new ConnectionClosedException("gaio closed the connection after an internal error: " + t, t));
        }
        engine.flushSoon();
    }

    /** Reads while reads are pending and the socket has bytes. */
    void pumpReads() {
        OpResult r;
        while ((r = reads.peek()) != null) {
            boolean swap = r.buffer == null;
            ByteBuf dst = lentRead;
            if (dst == null) {
                try {
                    dst = swap ? engine.swap.slot() : r.buffer;
                } catch (Throwable allocationFailure) {
                    finishRead(r, allocationFailure);
                    continue;
                }
                if (dst == null) {
                    engine.starve(this);
                    return;
                }
            }
            boolean wasLent = lentRead != null;
            int n;
            try {
                // Swap slots are shared by every connection: only a request's own buffer may be lent.
                n = swap ? socket.read(dst) : socket.submitRead(dst);
            } catch (IOException | RuntimeException e) {
                // A runtime exception, e.g. from a buffer that refuses NIO access, ends this request, not the loop.
                lentRead = null;
                finishRead(r, e);
                continue;
            }
            if (n == TransportSocket.IN_FLIGHT) {
                lentRead = dst;
                return;
            }
            lentRead = null;
            if (n == 0) {
                if (!wasLent) {
                    return;
                }
                // Cancelled before any byte came: end it if a deadline asked for that, else start it again.
                if (r.abort != null) {
                    finishRead(r, r.abort);
                }
                continue;
            }
            if (n < 0) {
                finishRead(r, new EOFException("end of stream: the peer closed the connection"));
                continue;
            }
            int start = dst.writerIndex();
            dst.writerIndex(start + n);
            r.size += n;
            if (swap) {
                r.buffer = dst.slice(start, n);
                r.swapBuffer = true;
                r.swapChunk = dst;
                finishRead(r, null);
            } else if (!r.full || !dst.isWritable()) {
                finishRead(r, null);
            } else if (r.abort != null) {
                finishRead(r, r.abort);
            }
        }
    }

    /**
     * Writes while writes are pending and the socket accepts bytes; queued writes go out together, up to a
     * {@code shutdownOutput}, which goes through once every write before it has.
     */
    void pumpWrites() {
        while (!writes.isEmpty()) {
            boolean wasLent = lentWrites > 0;
            if (!wasLent && (outputShut || writes.peek().operation == Operation.SHUTDOWN_OUTPUT)) {
                shutDownOutput(writes.poll());
                continue;
            }
            // Collecting a lent write passes exactly the writes lent.
            int count = wasLent ? lentWrites : gatherable();
            long n;
            try {
                n = writeFirst(count);
            } catch (IOException | RuntimeException e) {
                lentWrites = 0;
                engine.complete(writes.poll(), e);
                continue;
            }
            if (n == TransportSocket.IN_FLIGHT) {
                lentWrites = count;
                return;
            }
            lentWrites = 0;
            if (n == 0 && !wasLent) {
                return;
            }
            advanceWrites(n);
            if (wasLent) {
                endAborted(writes);
            }
        }
    }

    /** How many writes from the head can go out in one gathering write: up to the first {@code shutdownOutput}. */
    private int gatherable() {
        int max = Math.min(writes.size(), engine.iov.length);
        int n = 0;
        for (OpResult w = writes.peek(); n < max && w.operation == Operation.WRITE; w = w.next) {
            n++;
        }
        return n;
    }

    /** Sends the end of the stream for a {@code shutdownOutput} request; a write behind one fails. */
    private void shutDownOutput(OpResult r) {
        if (r.operation == Operation.WRITE) {
            engine.complete(r, new IOException("the connection's output was shut down by an earlier "
                    + "shutdownOutput(); it takes reads only"));
            return;
        }
        try {
            socket.shutdownOutput();
            outputShut = true;
            engine.complete(r, null);
        } catch (IOException | RuntimeException e) {
            engine.complete(r, e);
        }
    }

    /** Writes the first {@code count} queued writes, gathered through the engine's scratch array. */
    private long writeFirst(int count) throws IOException {
        ByteBuf[] iov = engine.iov;
        OpResult w = writes.peek();
        for (int i = 0; i < count; i++, w = w.next) {
            iov[i] = w.buffer;
        }
        try {
            return socket.write(iov, count);
        } finally {
            Arrays.fill(iov, 0, count, null);
        }
    }

    /** Accounts {@code n} written bytes to the writes in order, completing those fully written. */
    private void advanceWrites(long n) {
        while (n > 0) {
            OpResult w = writes.peek();
            int done = (int) Math.min(n, w.buffer.readableBytes());
            w.buffer.skipBytes(done);
            w.size += done;
            n -= done;
            if (!w.buffer.isReadable()) {
                engine.complete(writes.poll(), null);
            }
        }
    }

    /** Ends the requests whose deadline passed while lent; only the head can have been partly sent. */
    private void endAborted(RequestQueue queue) {
        for (OpResult r = queue.peek(); r != null; ) {
            OpResult next = r.next;
            if (r.abort != null) {
                queue.remove(r);
                engine.complete(r, r.abort);
            }
            r = next;
        }
    }

    /**
     * Ends every pending read with {@code reason}, for a watcher shutting down gracefully; a read the transport
     * holds is cancelled and ends when it comes back, with the bytes it got meanwhile.
     */
    void endReads(Throwable reason) {
        if (closed) {
            return;
        }
        OpResult lent = lentRead != null ? reads.poll() : null;
        drain(reads, reason);
        if (lent != null) {
            lent.abort = reason;
            reads.add(lent);
            socket.cancel(true, false);
        }
        updateInterest();
    }

    /** Ends a request whose deadline passed; one the transport holds ends when it comes back. */
    void expire(OpResult r) {
        if (r == connecting) {
            failConnect(new DeadlineExceededException("the connect did not complete within its timeout"));
            return;
        }
        DeadlineExceededException e = new DeadlineExceededException("the " + r.operation.name().toLowerCase()
                + " deadline passed after " + r.size + " bytes; submit again with a later deadline to go on");
        boolean read = r.operation == Operation.READ;
        if (read ? r == reads.peek() && lentRead != null : isLentWrite(r)) {
            r.abort = e;
            socket.cancel(read, !read);
            return;
        }
        if (read ? reads.remove(r) : writes.remove(r)) {
            engine.complete(r, e);
            updateInterest();
        }
    }

    private boolean isLentWrite(OpResult r) {
        int i = 0;
        for (OpResult w = writes.peek(); w != null && i < lentWrites; w = w.next, i++) {
            if (w == r) {
                return true;
            }
        }
        return false;
    }

    /**
     * Closes the socket and completes every pending request with {@code reason}; requests the transport holds end
     * the same way once it gives them back, and until then the connection lingers (a closing watcher waits for
     * it). Idempotent.
     */
    void close(Throwable reason) {
        if (closed) {
            return;
        }
        closed = true;
        closeReason = reason;
        engine.forget(this);
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException | RuntimeException e) {
                engine.logUnexpected(e);
            }
        }
        if (connecting != null) {
            engine.complete(connecting, reason);
            connecting = null;
        }
        OpResult lent = lentRead != null ? reads.poll() : null;
        drain(reads, reason);
        if (lent != null) {
            reads.add(lent);
        }
        RequestQueue lentHead = new RequestQueue();
        for (int i = 0; i < lentWrites; i++) {
            lentHead.add(writes.poll());
        }
        drain(writes, reason);
        for (OpResult w; (w = lentHead.poll()) != null; ) {
            writes.add(w);
        }
        if (lentRead != null || lentWrites > 0 || socket != null && socket.isLingering()) {
            lingering = true;
            engine.linger();
        }
        if (cleanable != null) {
            cleanable.clean();
        }
    }

    /** Ends lent requests as the transport gives them back after {@link #close}. */
    private void collectAfterClose() {
        if (lentRead != null) {
            OpResult r = reads.peek();
            int n;
            try {
                n = socket.submitRead(lentRead);
            } catch (IOException | RuntimeException e) {
                n = 0;
            }
            if (n != TransportSocket.IN_FLIGHT) {
                lentRead = null;
                reads.poll();
                if (n > 0) {
                    // Bytes that came before the cancellation are in the caller's buffer: say so.
                    r.buffer.writerIndex(r.buffer.writerIndex() + n);
                    r.size += n;
                }
                engine.complete(r, closeReason);
            }
        }
        if (lentWrites > 0) {
            long n;
            try {
                n = writeFirst(lentWrites);
            } catch (IOException | RuntimeException e) {
                n = 0;
            }
            if (n != TransportSocket.IN_FLIGHT) {
                lentWrites = 0;
                if (n > 0) {
                    // What the last operation got out counts: writes it finished succeed, the rest report their part.
                    advanceWrites(n);
                }
                drain(writes, closeReason);
            }
        }
        if (lingering && lentRead == null && lentWrites == 0 && !socket.isLingering()) {
            lingering = false;
            engine.lentReturned();
        }
    }

    private void drain(RequestQueue queue, Throwable reason) {
        for (OpResult r; (r = queue.poll()) != null; ) {
            engine.complete(r, reason);
        }
    }

    private void finishRead(OpResult r, Throwable error) {
        reads.poll();
        engine.complete(r, error);
    }

    private void updateInterest() {
        if (socket == null) {
            // A connect not started yet: a request's deadline passed before the loop reached the connect.
            return;
        }
        int want = connecting != null ? WANT_WRITE
                : (!reads.isEmpty() && !starved ? WANT_READ : 0) | (!writes.isEmpty() ? WANT_WRITE : 0);
        if (want != interest) {
            interest = want;
            socket.interest((want & WANT_READ) != 0, (want & WANT_WRITE) != 0);
        }
    }

    /** A read parked for swap space may go on. */
    void unstarve() {
        starved = false;
        if (!closed) {
            pumpReads();
            if (!closed) {
                updateInterest();
            }
        }
    }
}
