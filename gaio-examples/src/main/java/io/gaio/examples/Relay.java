package io.gaio.examples;

import io.gaio.ConnectOptions;
import io.gaio.Connection;
import io.gaio.Listener;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * gaio's relay, a TCP proxy: for every client connection A it accepts it connects B to the destination and copies
 * A→B and B→A, every connection on one watcher and one thread collecting completions.
 *
 * <p>It shows gaio's back-pressure per connection. In each direction exactly one request is pending at any time: a
 * read, or the write of what that read returned. The next read from A is submitted only when the write of the
 * previous chunk to B completed, so the relay reads from A only as fast as B accepts bytes; meanwhile nothing reads
 * A's socket, its receive buffer fills, and TCP's flow control holds the client back. A pair thus holds at most one
 * chunk per direction, whatever the two peers' speeds.
 *
 * <p>A half-close goes through in both directions: when a read from A ends with the end of stream, the relay sends
 * B the end of its stream ({@code shutdownOutput}, after the last chunk, whose write has completed by then) and goes
 * on copying B→A, so a client that sends its request, half-closes and then waits for the answer gets all of it. The
 * pair is done, and both connections freed, once both directions have ended; an error on either side (a reset, a
 * failed write) frees both at once.
 *
 * <p>Nothing blocks but the {@code waitIO()} thread: the watcher accepts A (accepts kept pending on its listener) and
 * connects B ({@code connect}, whose failure or timeout frees A). The reads on both are submitted at once: a chunk
 * read from A before B is connected waits in the watcher, its write queued behind the connect. Threads: the
 * {@code waitIO()} thread and the watcher's event loop.
 */
final class Relay implements AutoCloseable {
    /** How long connecting to the destination may take before the client is let go. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** How long close() waits for the pairs to hand back their buffers before it closes the watcher anyway. */
    private static final long CLOSE_WAIT_SECONDS = 10;

    private final Watcher watcher;
    private final ByteBufAllocator allocator;
    private final InetSocketAddress destination;
    private final ConnectOptions connectOptions = ConnectOptions.defaults().timeout(CONNECT_TIMEOUT)
            .option(StandardSocketOptions.TCP_NODELAY, true);
    /** Pairs started and not yet done (closed with no request pending); changed by the relay thread only. */
    private final Set<Pair> pairs = ConcurrentHashMap.newKeySet();
    private final Thread relayer = EchoServer.daemon(this::relayLoop, "gaio-relay-waitio");
    private volatile Listener listener;
    private volatile boolean stopping;

    /**
     * A relay on {@code watcher}, which it closes when it is closed.
     *
     * @param watcher     the watcher for every connection; its swap buffers should come from {@code allocator}
     * @param allocator   where the chunks in flight are allocated
     * @param destination where each client's bytes go
     */
    Relay(Watcher watcher, ByteBufAllocator allocator, InetSocketAddress destination) {
        this.watcher = watcher;
        this.allocator = allocator;
        this.destination = destination;
    }

    static void main(Options options) throws Exception {
        String to = options.value("to", null);
        if (to == null) {
            throw new IllegalArgumentException("relay needs the destination: --to HOST:PORT");
        }
        int colon = to.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--to takes HOST:PORT, got " + to);
        }
        InetSocketAddress destination = new InetSocketAddress(to.substring(0, colon).replaceAll("^\\[|]$", ""),
                Integer.parseInt(to.substring(colon + 1)));
        Watcher watcher = options.newWatcher();
        Relay relay = new Relay(watcher, PooledByteBufAllocator.DEFAULT, destination);
        Runtime.getRuntime().addShutdownHook(new Thread(relay::close));
        InetSocketAddress address = relay.start(
                new InetSocketAddress(options.value("host", "127.0.0.1"), options.intValue("port", 9001)));
        System.out.println("relay listening on " + address + ", forwarding to " + destination + " (transport "
                + watcher.transport() + ")");
        relay.relayer.join();
    }

    /**
     * Starts listening and relaying.
     *
     * @param address where to listen
     * @return the address it listens on (with the port chosen, if port 0 was asked for)
     * @throws IOException when it cannot listen
     */
    InetSocketAddress start(InetSocketAddress address) throws IOException {
        listener = Accepts.open(watcher, address);
        relayer.start();
        return listener.localAddress();
    }

    /** Pairs started and not yet done. */
    int pairs() {
        return pairs.size();
    }

    /** Connects B for a client A just accepted, and starts reading both ways. */
    private void startPair(Connection client) {
        if (stopping) {
            watcher.free(client); // accepted while close() was stopping the listener
            return;
        }
        Pair pair = new Pair(client);
        // The connection exists at once: the read on it waits in the watcher until it is established, and the read
        // on the client may complete before that, its write to B queued behind the connect.
        pair.target = watcher.connect(pair.toClient, destination, connectOptions);
        pairs.add(pair);
        watcher.read(pair.toTarget, client, null);
        watcher.read(pair.toClient, pair.target, null);
    }

    private void relayLoop() {
        try {
            try {
                while (!stopping) {
                    relay(watcher.waitIO());
                }
                // close() closed the listener after setting the flag: its accepts' completions woke this thread.
                // Freeing completes every pending request with an error, handing back the chunks in flight.
                for (Pair pair : pairs) {
                    pair.close(watcher);
                }
                while (!pairs.isEmpty()) {
                    relay(watcher.waitIO());
                }
            } catch (InterruptedException notExpected) {
                // Nothing interrupts this thread; close() goes on and closes the watcher.
            }
        } catch (WatcherClosedException closed) {
            // close() stopped waiting for the pairs and closed the watcher: waitIO() threw after the last batch,
            // which handed back the chunks in flight.
        }
    }

    private void relay(List<OpResult> batch) {
        for (OpResult res : batch) {
            try {
                relay(res);
            } catch (WatcherClosedException closed) {
                // A submission after the watcher closed: the rest of the batch still releases its chunks.
            }
        }
    }

    private void relay(OpResult res) {
        if (res.operation() == Operation.ACCEPT) {
            Connection client = Accepts.next(watcher, res, "relay");
            if (client != null) {
                startPair(client);
            }
            return;
        }
        Leg leg = (Leg) res.context();
        Pair pair = leg.pair;
        pair.pending--;
        if (res.operation() == Operation.READ && res.error() instanceof EOFException) {
            if (!pair.closed) {
                // The sender's end: pass it on. Its last chunk's write completed before this read was submitted.
                watcher.shutdownOutput(leg, leg.to());
                pair.pending++;
            }
        } else if (!res.isSuccess()) {
            // An error on one side: end both. A failed write hands back our chunk.
            if (res.buffer() != null && !res.isSwapBuffer()) {
                res.buffer().release();
            }
            if (res.operation() == Operation.CONNECT) {
                System.err.println("relay: cannot connect to " + destination + ": " + res.error());
            }
            pair.close(watcher);
        } else if (res.operation() == Operation.READ) {
            if (!pair.closed) {
                // Swap-buffer reads, copied out into a chunk of exactly the bytes read. Reading into the swap
                // buffer, a pair with nothing to relay holds no memory, only its two pending reads; a fixed chunk
                // per direction would hold two buffers per pair for as long as it lives, busy or idle. The copy
                // (one memcpy of at most a swap buffer, 64 KiB) rather than retaining the slice: the write lasts
                // as long as the receiving peer makes it, and a retained slice pins its whole shared swap chunk
                // that long. A few hundred slow receivers would pin every swap chunk the watcher may have
                // (maxSwapBuffers), and then every swap read on the watcher waits, fast pairs behind slow ones;
                // copied, the swap chunk is free again at the next waitIO().
                ByteBuf chunk = allocator.directBuffer(res.size(), res.size()).writeBytes(res.buffer());
                try {
                    watcher.write(leg, leg.to(), chunk);
                } catch (WatcherClosedException e) {
                    chunk.release();
                    throw e;
                }
                pair.pending++;
            }
        } else if (res.operation() == Operation.WRITE) {
            res.buffer().release();
            if (!pair.closed) {
                // The chunk is out: only now read the next one from the same side.
                watcher.read(leg, leg.from(), null);
                pair.pending++;
            }
        } else if (res.operation() == Operation.SHUTDOWN_OUTPUT && ++pair.ended == 2) {
            pair.close(watcher); // both directions ended: nothing is pending, both sockets can go
        }
        // A CONNECT that succeeded needs nothing: the reads submitted with it are under way.
        if (pair.closed && pair.pending == 0) {
            pairs.remove(pair);
        }
    }

    /**
     * Stops accepting, frees every pair, waits until their pending requests handed back the chunks in flight, then
     * closes the watcher. Closing twice is harmless; a second close waits for the first.
     */
    @Override
    public synchronized void close() {
        stopping = true;
        Listener l = listener;
        if (l != null) {
            l.close(); // its pending accepts complete, which wakes the relay thread
        }
        joinQuietly(relayer, TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS));
        watcher.close();
    }

    private static void joinQuietly(Thread thread, long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A client connection A and its connection B to the destination; used by the relay thread only. */
    private static final class Pair {
        final Connection client;
        /** Set as soon as the connect is submitted, before any of the pair's completions can be collected. */
        Connection target;
        final Leg toTarget = new Leg(this, true);
        final Leg toClient = new Leg(this, false);
        /** Requests submitted and not completed: the connect and the two reads at the start. */
        int pending = 3;
        /** Directions whose end of stream went through (a completed {@code shutdownOutput}). */
        int ended;
        /** Whether both connections were freed. */
        boolean closed;

        Pair(Connection client) {
            this.client = client;
        }

        void close(Watcher w) {
            if (!closed) {
                closed = true;
                w.free(client);
                w.free(target);
            }
        }
    }

    /** One direction of a pair: what is read from {@link #from()} is written to {@link #to()}. */
    private static final class Leg {
        final Pair pair;
        final boolean fromClient;

        Leg(Pair pair, boolean fromClient) {
            this.pair = pair;
            this.fromClient = fromClient;
        }

        Connection from() {
            return fromClient ? pair.client : pair.target;
        }

        Connection to() {
            return fromClient ? pair.target : pair.client;
        }
    }
}
