package io.gaio.examples;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * gaio's relay, a TCP proxy: for every accepted client connection A it opens a connection B to the destination and
 * copies A→B and B→A, every connection on one watcher and one thread collecting completions.
 *
 * <p>It shows gaio's back-pressure per connection. In each direction exactly one request is pending at any time: a
 * read, or the write of what that read returned. The next read from A is submitted only when the write of the
 * previous chunk to B completed, so the relay reads from A only as fast as B accepts bytes; meanwhile nothing reads
 * A's socket, its receive buffer fills, and TCP's flow control holds the client back. A pair thus holds at most one
 * chunk per direction, whatever the two peers' speeds.
 *
 * <p>End of stream or an error on either side frees both connections (gaio frees a connection whole: there is no
 * half-close, so a protocol that half-closes and then waits for the answer does not work through this relay). A
 * chunk read from A is written to B before the next read from A, so B gets every byte A sent before A's end.
 *
 * <p>Threads: an acceptor (accepts A, connects B, submits the first two reads), the {@code waitIO()} thread, and the
 * watcher's event loop.
 */
final class Relay implements AutoCloseable {
    /** How long connecting to the destination may take; the acceptor waits meanwhile. */
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    /** How long close() waits for the pairs to hand back their buffers before it closes the watcher anyway. */
    private static final long CLOSE_WAIT_SECONDS = 10;

    private final Watcher watcher;
    private final ByteBufAllocator allocator;
    private final InetSocketAddress destination;
    /** Pairs started and not yet done (closed with no request pending): the acceptor adds, the relay thread removes. */
    private final Set<Pair> pairs = ConcurrentHashMap.newKeySet();
    private final Thread acceptor = EchoServer.daemon(this::acceptLoop, "gaio-relay-acceptor");
    private final Thread relayer = EchoServer.daemon(this::relayLoop, "gaio-relay-waitio");
    private volatile ServerSocketChannel listener;
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
        listener = ServerSocketChannel.open().bind(address, EchoServer.BACKLOG);
        acceptor.start();
        relayer.start();
        return (InetSocketAddress) listener.getLocalAddress();
    }

    /** Pairs started and not yet done. */
    int pairs() {
        return pairs.size();
    }

    private void acceptLoop() {
        try {
            while (true) {
                SocketChannel client = listener.accept();
                SocketChannel target = null;
                try {
                    target = SocketChannel.open();
                    target.socket().connect(destination, CONNECT_TIMEOUT_MILLIS);
                    client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    target.setOption(StandardSocketOptions.TCP_NODELAY, true);
                } catch (IOException e) {
                    closeQuietly(client);
                    closeQuietly(target);
                    if (Thread.currentThread().isInterrupted() || !listener.isOpen()) {
                        return; // close() interrupted the connect
                    }
                    System.err.println("relay: cannot connect to " + destination + ": " + e);
                    continue;
                }
                Pair pair = new Pair(client, target);
                pairs.add(pair);
                try {
                    pair.start(watcher);
                } catch (WatcherClosedException e) {
                    pairs.remove(pair);
                    closeQuietly(client);
                    closeQuietly(target);
                    return;
                }
            }
        } catch (ClosedChannelException | WatcherClosedException stopped) {
            // close() was called.
        } catch (IOException e) {
            System.err.println("relay: accept failed: " + e);
        }
    }

    private void relayLoop() {
        try {
            try {
                while (!stopping) {
                    relay(watcher.waitIO());
                }
            } catch (InterruptedException wakeUp) {
                // close() interrupts this thread to have it end the pairs.
            }
            // Freeing completes every pending request with an error, handing back the chunks in flight.
            for (Pair pair : pairs) {
                pair.close(watcher);
            }
            while (!pairs.isEmpty()) {
                try {
                    relay(watcher.waitIO());
                } catch (InterruptedException lateWakeUp) {
                    // close()'s interrupt, arriving after this thread saw the stopping flag.
                }
            }
        } catch (WatcherClosedException closed) {
            // The watcher was closed under the pairs; their chunks in flight are lost to the pool.
        }
    }

    private void relay(List<OpResult> batch) {
        for (OpResult res : batch) {
            Leg leg = (Leg) res.context();
            Pair pair = leg.pair;
            pair.pending--;
            if (!res.isSuccess()) {
                // End of stream or an error on one side: end both. A failed write hands back our chunk.
                if (res.buffer() != null && !res.isSwapBuffer()) {
                    res.buffer().release();
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
                        watcher.write(leg, leg.to, chunk);
                    } catch (WatcherClosedException e) {
                        chunk.release();
                        throw e;
                    }
                    pair.pending++;
                }
            } else {
                res.buffer().release();
                if (!pair.closed) {
                    // The chunk is out: only now read the next one from the same side.
                    watcher.read(leg, leg.from, null);
                    pair.pending++;
                }
            }
            if (pair.closed && pair.pending == 0) {
                pairs.remove(pair);
            }
        }
    }

    /**
     * Stops accepting, frees every pair, waits until their pending requests handed back the chunks in flight, then
     * closes the watcher. Closing twice is harmless; a second close waits for the first.
     */
    @Override
    public synchronized void close() {
        closeQuietly(listener);
        acceptor.interrupt(); // ends a connect to the destination in progress
        joinQuietly(acceptor, CONNECT_TIMEOUT_MILLIS);
        stopping = true;
        relayer.interrupt();
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

    private static void closeQuietly(Closeable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (IOException ignored) {
            // Closing anyway.
        }
    }

    /** A client connection and its connection to the destination. */
    private static final class Pair {
        final SocketChannel client;
        final SocketChannel target;
        /** Requests submitted and not completed: two while the pair relays. Relay thread only, once started. */
        int pending = 2;
        /** Whether both connections were freed. Written by the relay thread only. */
        boolean closed;

        Pair(SocketChannel client, SocketChannel target) {
            this.client = client;
            this.target = target;
        }

        // start() and close() exclude each other: a free(target) that reached the watcher before the first
        // read(target) would find nothing to free, and that read would then take the socket over and keep it open.
        synchronized void start(Watcher w) {
            w.read(new Leg(this, client, target), client, null);
            w.read(new Leg(this, target, client), target, null);
        }

        synchronized void close(Watcher w) {
            if (!closed) {
                closed = true;
                w.free(client);
                w.free(target);
            }
        }
    }

    /** One direction of a pair: what is read from {@code from} is written to {@code to}. */
    private static final class Leg {
        final Pair pair;
        final SocketChannel from;
        final SocketChannel to;

        Leg(Pair pair, SocketChannel from, SocketChannel to) {
            this.pair = pair;
            this.from = from;
            this.to = to;
        }
    }
}
