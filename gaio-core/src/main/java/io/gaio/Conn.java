package io.gaio;

import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportSocket;
import io.netty.buffer.ByteBuf;
import java.io.EOFException;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * One delegated connection: its socket, its pending reads and writes (each direction FIFO, the two independent),
 * and the drain loops that move bytes until the socket would block. Loop thread only, except {@link #closed},
 * which the {@link Cleaner} thread reads.
 */
final class Conn implements ReadinessListener {
    private static final int WANT_READ = 1;
    private static final int WANT_WRITE = 2;

    final Engine engine;
    /** The caller's connection object, held weakly so that dropping it lets the Cleaner free this connection. */
    final WeakReference<Object> owner;
    final int identityHash;
    Conn nextInBucket;
    TransportSocket socket;
    Cleaner.Cleanable cleanable;
    volatile boolean closed;
    /** Whether a read waits in the engine's starved list for swap space. */
    boolean starved;

    private final ArrayDeque<OpResult> reads = new ArrayDeque<>(2);
    private final ArrayDeque<OpResult> writes = new ArrayDeque<>(2);
    private int interest;

    Conn(Engine engine, Object connection) {
        this.engine = engine;
        this.owner = new WeakReference<>(connection);
        this.identityHash = System.identityHashCode(connection);
    }

    /** Queues a request; the first one in its direction is tried at once. */
    void enqueue(OpResult r) {
        r.owner = this;
        if (r.operation == Operation.READ) {
            reads.add(r);
            if (reads.size() == 1) {
                pumpReads();
            }
        } else {
            writes.add(r);
            if (writes.size() == 1) {
                pumpWrites();
            }
        }
        updateInterest();
    }

    @Override
    public void onReadiness(boolean readable, boolean writable) {
        // Called from the transport's IoHandle.handle(): nothing may escape, or Netty stalls the loop.
        try {
            if (readable && !closed) {
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
            ByteBuf dst;
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
            int n;
            try {
                n = socket.read(dst);
            } catch (IOException | RuntimeException e) {
                // A runtime exception, e.g. from a buffer that refuses NIO access, ends this request, not the loop.
                finishRead(r, e);
                continue;
            }
            if (n == 0) {
                return;
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
            }
        }
    }

    /** Writes while writes are pending and the socket accepts bytes; queued writes go out together. */
    void pumpWrites() {
        ByteBuf[] iov = engine.iov;
        while (!writes.isEmpty()) {
            int count = 0;
            for (OpResult w : writes) {
                if (count == iov.length) {
                    break;
                }
                iov[count++] = w.buffer;
            }
            long n;
            try {
                n = socket.write(iov, count);
            } catch (IOException | RuntimeException e) {
                engine.complete(writes.poll(), e);
                continue;
            } finally {
                Arrays.fill(iov, 0, count, null);
            }
            if (n == 0) {
                return;
            }
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
    }

    /** Ends a request whose deadline passed. */
    void expire(OpResult r) {
        if (r.operation == Operation.READ ? reads.remove(r) : writes.remove(r)) {
            engine.complete(r, new DeadlineExceededException("the " + r.operation.name().toLowerCase()
                    + " deadline passed after " + r.size + " bytes; submit again with a later deadline to go on"));
            updateInterest();
        }
    }

    /**
     * Closes the socket and completes every pending request with {@code reason}; with {@code reason == null}, for
     * a closing watcher, pending requests are dropped instead. Idempotent.
     */
    void close(Throwable reason) {
        if (closed) {
            return;
        }
        closed = true;
        engine.forget(this);
        try {
            socket.close();
        } catch (IOException | RuntimeException e) {
            engine.logUnexpected(e);
        }
        drainWith(reads, reason);
        drainWith(writes, reason);
        if (cleanable != null) {
            cleanable.clean();
        }
    }

    private void drainWith(ArrayDeque<OpResult> queue, Throwable reason) {
        OpResult r;
        while ((r = queue.poll()) != null) {
            if (reason != null) {
                engine.complete(r, reason);
            } else {
                engine.discard(r);
            }
        }
    }

    private void finishRead(OpResult r, Throwable error) {
        reads.poll();
        engine.complete(r, error);
    }

    private void updateInterest() {
        int want = (!reads.isEmpty() && !starved ? WANT_READ : 0) | (!writes.isEmpty() ? WANT_WRITE : 0);
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
