package io.gaio.conformance;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the machine lets the suite do, found out once per JVM, and every system property that changes it. The suite is
 * the test kit of every transport, kqueue's included, so it runs on macOS and FreeBSD too, whose loopback, listen
 * backlog, ephemeral ports and descriptor limit are smaller than Linux's; the properties impose those limits on Linux,
 * so that the paths the suite takes there are exercised here (gaio-transport-epoll's {@code macos-limits} run sets
 * them all and lowers the descriptor limit to 10,240). Child JVMs ({@link ChildJvm}) get the same properties.
 * <dl>
 *   <dt>{@value #SOURCE_ADDRESSES}: {@code auto} (default) or {@code single}</dt>
 *   <dd>Client sockets bind source addresses that rotate through 127.0.0.2 … 127.0.3.251, so that the many thousands
 *       of connections a run makes (and their TIME_WAIT leftovers) never exhaust the ephemeral ports of one address.
 *       {@code auto} binds a socket to each of them once and keeps those that bind (Linux routes all of 127/8 to
 *       {@code lo}); where none does (macOS and FreeBSD have only 127.0.0.1 on {@code lo0} unless
 *       {@code ifconfig lo0 alias} adds more), and always with {@code single}, every client binds 127.0.0.1.</dd>
 *   <dt>{@value #BACKLOG}: a number</dt>
 *   <dd>The largest listen backlog a test asks for, and the largest batch of blocking connects made before their
 *       accepts (a connect beyond the queue would wait for its SYN's retransmission). Default:
 *       {@code net.core.somaxconn} on Linux (4096 since 5.4), 128 elsewhere (macOS's {@code kern.ipc.somaxconn}; a
 *       listener there queues one and a half backlogs and drops further SYNs).</dd>
 *   <dt>{@value #PORT_PACING}: {@code PORTS/SECONDS} or {@code off}</dt>
 *   <dd>At most PORTS client connections per source address within any SECONDS: a connection's ephemeral port stays
 *       taken through its TIME_WAIT, and a client binds its port before it connects, so the port must be free of
 *       TIME_WAIT leftovers. Default: {@code off} on Linux, where a bound socket's connect reuses a TIME_WAIT
 *       leftover of the same four-tuple ({@code tcp_tw_reuse}'s rule for bound sockets); elsewhere
 *       {@value #DEFAULT_PACING}: macOS has 16,384 ephemeral ports (49152-65535) and a TIME_WAIT of 30 s (twice
 *       {@code net.inet.tcp.msl}); the default leaves a quarter of the ports to connections that stay open longer
 *       and to sockets the suite does not pace, and 10 s for a connection's life before its TIME_WAIT starts.</dd>
 *   <dt>{@value #DESCRIPTORS}: {@code auto} (default) or {@code dev-fd}</dt>
 *   <dd>Where the descriptor-leak checks list the process's descriptors: {@code /proc/self/fd}, each resolved to its
 *       target, where it exists (Linux); else {@code /dev/fd} (macOS), whose entries are resolved where they are
 *       links and described by their file type and key otherwise. {@code dev-fd} lists {@code /dev/fd} and
 *       describes every entry by its file type and key, as on macOS. A listing that does not grow by one when the
 *       process opens one more file (FreeBSD's {@code /dev/fd} without {@code fdescfs} shows only 0, 1 and 2) is not
 *       used: the checks are skipped, as where no listing exists.</dd>
 *   <dt>The descriptor limit: no property</dt>
 *   <dd>The process's own soft limit ({@code ulimit -n}; HotSpot raises it to the hard limit, on macOS to at most
 *       10,240). Tests with thousands of connections ask {@link #connectionsThatFit} how many fit in it.</dd>
 * </dl>
 */
final class Platform {
    /** The prefix of the suite's own system properties; {@link ChildJvm} passes them on. */
    static final String PREFIX = "gaio.test.";
    /** Source addresses of client sockets: {@code auto} or {@code single}. */
    static final String SOURCE_ADDRESSES = PREFIX + "sourceAddresses";
    /** The largest listen backlog and blocking connect batch. */
    static final String BACKLOG = PREFIX + "backlog";
    /** Client connections per source address and time: {@code PORTS/SECONDS} or {@code off}. */
    static final String PORT_PACING = PREFIX + "portPacing";
    /** Where open descriptors are listed: {@code auto} or {@code dev-fd}. */
    static final String DESCRIPTORS = PREFIX + "descriptors";
    /** The pacing where the operating system is not Linux. */
    static final String DEFAULT_PACING = "12288/40";
    /** Descriptors {@link #connectionsThatFit} leaves for the JVM and the test's listeners, selectors and watchers. */
    static final int DESCRIPTOR_RESERVE = 512;

    private static final boolean LINUX = System.getProperty("os.name", "").toLowerCase(Locale.ROOT)
            .startsWith("linux");
    /** How many addresses the rotation has: 127.0.0.2 … 127.0.3.251. */
    private static final int ROTATION = 1000;
    private static final int BACKLOG_CAP = backlogCap();
    private static final AtomicInteger NEXT_SOURCE = new AtomicInteger();

    private Platform() {
    }

    // ---- source addresses and ephemeral ports ----

    /** The source addresses, probed on first use. */
    private static final class Sources {
        static final List<InetAddress> ADDRESSES = probeSourceAddresses();
        static final Pacer PACER = Pacer.fromProperty(ADDRESSES.size());
    }

    /** The source addresses client sockets rotate through: the probed rotation, or 127.0.0.1 alone. */
    static List<InetAddress> sourceAddresses() {
        return Sources.ADDRESSES;
    }

    /**
     * The next source address of the rotation, shared by every test of the JVM, for a client socket that binds
     * before it connects; where ports are paced, waits first until the connection leaves enough of them.
     */
    static InetAddress nextSourceAddress() throws InterruptedIOException {
        reserveSourcePorts(1);
        List<InetAddress> all = Sources.ADDRESSES;
        return all.get(Math.floorMod(NEXT_SOURCE.getAndIncrement(), all.size()));
    }

    /**
     * Waits, where ports are paced, until {@code n} more connections from the source addresses leave enough ephemeral
     * ports, and counts them as made: for connections that another process makes from them, or that bind without
     * {@link #nextSourceAddress()}.
     */
    static void reserveSourcePorts(int n) throws InterruptedIOException {
        Pacer pacer = Sources.PACER;
        if (pacer != null) {
            try {
                pacer.acquire(n);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for ephemeral ports");
            }
        }
    }

    /**
     * How many connections the pacing lets through in {@code seconds} at its steady rate, or {@code -1} where ports
     * are not paced.
     */
    static long pacedConnectionsWithin(long seconds) {
        Pacer pacer = Sources.PACER;
        return pacer == null ? -1 : pacer.capacity * seconds / pacer.windowSeconds;
    }

    /**
     * A source address for one connection that the peer must tell from the others it accepts: 127.0.0.{@code host}
     * where the rotation has it, else 127.0.0.1 with a port that was free a moment ago (bound and released at once).
     */
    static InetSocketAddress distinctSource(int host) throws IOException {
        InetAddress own = Inet4Address.getByAddress(new byte[] {127, 0, 0, (byte) host});
        if (Sources.ADDRESSES.contains(own)) {
            return new InetSocketAddress(own, 0);
        }
        InetAddress single = Sources.ADDRESSES.get(0);
        try (SocketChannel probe = SocketChannel.open()) {
            probe.bind(new InetSocketAddress(single, 0));
            return new InetSocketAddress(single, ((InetSocketAddress) probe.getLocalAddress()).getPort());
        }
    }

    private static List<InetAddress> probeSourceAddresses() {
        String mode = property(SOURCE_ADDRESSES, "auto", "single");
        InetAddress single = InetAddress.getLoopbackAddress();
        if (mode.equals("single")) {
            note("client sockets bind " + single.getHostAddress() + " only (-D" + SOURCE_ADDRESSES + "=single)");
            return List.of(single);
        }
        List<InetAddress> usable = new ArrayList<>(ROTATION);
        String refused = null;
        for (int k = 0; k < ROTATION; k++) {
            InetAddress a = rotation(k);
            try (SocketChannel probe = SocketChannel.open()) {
                probe.bind(new InetSocketAddress(a, 0));
                usable.add(a);
            } catch (IOException e) {
                if (refused == null) {
                    refused = a.getHostAddress() + ": " + e;
                }
            }
        }
        if (usable.isEmpty()) {
            note("client sockets bind " + single.getHostAddress() + " only: no address of 127.0.0.2 … 127.0.3.251 "
                    + "can be bound here (" + refused + "; more need 'ifconfig lo0 alias 127.0.0.N')");
            return List.of(single);
        }
        if (refused != null) {
            note("client sockets rotate through " + usable.size() + " of the " + ROTATION
                    + " source addresses 127.0.0.2 … 127.0.3.251; the first refused: " + refused);
        }
        return List.copyOf(usable);
    }

    private static InetAddress rotation(int k) {
        try {
            return Inet4Address.getByAddress(new byte[] {127, 0, (byte) (k / 250), (byte) (2 + k % 250)});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A sliding-window limit on connections made: at most {@link #capacity} within any {@link #windowSeconds},
     * counted in one-second buckets.
     */
    private static final class Pacer {
        private static final long BUCKET = TimeUnit.SECONDS.toNanos(1);
        final long capacity;
        final long windowSeconds;
        private final long window;
        /** {start of the bucket, connections in it}, oldest first. */
        private final ArrayDeque<long[]> buckets = new ArrayDeque<>();
        private long inWindow;
        private long waitedNanos;
        private long lastNote = System.nanoTime() - TimeUnit.SECONDS.toNanos(10);

        private Pacer(long capacity, long windowSeconds) {
            this.capacity = capacity;
            this.windowSeconds = windowSeconds;
            this.window = TimeUnit.SECONDS.toNanos(windowSeconds);
        }

        /** The pacing {@value Platform#PORT_PACING} asks for, for {@code addresses} source addresses; null when off. */
        static Pacer fromProperty(int addresses) {
            String value = System.getProperty(PORT_PACING, LINUX ? "off" : DEFAULT_PACING).trim();
            if (value.equals("off")) {
                return null;
            }
            String[] parts = value.split("/");
            try {
                long ports = Long.parseLong(parts[0].trim());
                long seconds = Long.parseLong(parts[1].trim());
                if (parts.length != 2 || ports < 1 || seconds < 1) {
                    throw new NumberFormatException();
                }
                Pacer p = new Pacer(ports * addresses, seconds);
                note("client connections paced: at most " + ports + " per source address (" + addresses
                        + ") within " + seconds + " s (-D" + PORT_PACING + "=" + value + ")");
                return p;
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("-D" + PORT_PACING + " must be PORTS/SECONDS or off, not " + value);
            }
        }

        synchronized void acquire(int n) throws InterruptedException {
            long left = n;
            while (left > 0) {
                long now = System.nanoTime();
                while (!buckets.isEmpty() && now - (buckets.peekFirst()[0] + BUCKET + window) >= 0) {
                    inWindow -= buckets.pollFirst()[1];
                }
                long k = Math.min(left, capacity - inWindow);
                if (k > 0) {
                    long[] last = buckets.peekLast();
                    if (last == null || now - last[0] >= BUCKET) {
                        buckets.addLast(new long[] {now, k});
                    } else {
                        last[1] += k;
                    }
                    inWindow += k;
                    left -= k;
                } else {
                    long wait = buckets.peekFirst()[0] + BUCKET + window - now;
                    TimeUnit.NANOSECONDS.sleep(wait);
                    waitedNanos += wait;
                    if (System.nanoTime() - lastNote >= TimeUnit.SECONDS.toNanos(10)) {
                        lastNote = System.nanoTime();
                        note("pacing client connections: " + TimeUnit.NANOSECONDS.toSeconds(waitedNanos)
                                + " s waited for ephemeral ports so far");
                    }
                }
            }
        }
    }

    // ---- the listen backlog ----

    /** {@code wanted}, or the backlog cap ({@value #BACKLOG}) when that is smaller. */
    static int backlog(int wanted) {
        return Math.min(wanted, BACKLOG_CAP);
    }

    private static int backlogCap() {
        String value = System.getProperty(BACKLOG);
        if (value != null && !value.isBlank()) {
            try {
                int cap = Integer.parseInt(value.trim());
                if (cap >= 1) {
                    note("listen backlogs and blocking connect batches at most " + cap + " (-D" + BACKLOG + ")");
                    return cap;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("-D" + BACKLOG + " must be a positive number, not " + value);
        }
        if (!LINUX) {
            return 128;
        }
        try {
            // Not Files.readString: on JDK 17 it reads one byte of a /proc file (whose size is 0).
            return Math.max(1, Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/core/somaxconn")).get(0)
                    .trim()));
        } catch (IOException | RuntimeException e) {
            return 4096;
        }
    }

    // ---- descriptors ----

    /** The soft limit on this process's open descriptors, or -1 where it is unknown. */
    static long descriptorLimit() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof UnixOperatingSystemMXBean ? ((UnixOperatingSystemMXBean) os).getMaxFileDescriptorCount()
                : -1;
    }

    /**
     * How many of {@code wanted} connections fit in this process's descriptor limit when each holds {@code each}
     * descriptors here: {@code wanted}, unless the descriptors still free, less {@value #DESCRIPTOR_RESERVE} for
     * everything else, hold fewer. Says so when it scales down.
     *
     * @param what the connections, for the note
     */
    static int connectionsThatFit(int wanted, int each, String what) throws IOException {
        long limit = descriptorLimit();
        if (limit < 0) {
            return wanted;
        }
        long open = openDescriptorCount();
        if (open < 0) {
            OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            open = os instanceof UnixOperatingSystemMXBean
                    ? ((UnixOperatingSystemMXBean) os).getOpenFileDescriptorCount() : 0;
        }
        long fit = (limit - open - DESCRIPTOR_RESERVE) / each;
        if (fit >= wanted) {
            return wanted;
        }
        if (fit < 1) {
            throw new IllegalStateException("no room for " + what + ": descriptor limit " + limit + ", " + open
                    + " open");
        }
        note(what + ": " + fit + " connections instead of " + wanted + " (descriptor limit " + limit + ", " + open
                + " open, " + each + " per connection, " + DESCRIPTOR_RESERVE + " kept free)");
        return (int) fit;
    }

    /** Where this process's descriptors can be listed, found and checked on first use; null where nowhere. */
    private static final class Fds {
        static final Listing LISTING = Listing.find();
    }

    /** Whether this platform lets the suite list its open descriptors. */
    static boolean canListDescriptors() {
        return Fds.LISTING != null;
    }

    /**
     * The process's open descriptors, each with what it is (its link's target, or its file type and key), without the
     * descriptor of the listing itself; null where they cannot be listed.
     */
    static Map<String, String> openDescriptors() throws IOException {
        return Fds.LISTING == null ? null : Fds.LISTING.list();
    }

    /** The number of open descriptors, or -1 where that cannot be known. */
    static int openDescriptorCount() throws IOException {
        Map<String, String> fds = openDescriptors();
        return fds == null ? -1 : fds.size();
    }

    /** A directory listing this process's descriptors. */
    private static final class Listing {
        private static final String DIRECTORY = "directory";
        final Path dir;
        /** Whether the entries are links to what they are open on ({@code /proc/self/fd}, Linux's /dev/fd). */
        final boolean links;
        /** The target of the listing's own descriptor, where entries are links. */
        private final String self = "/proc/" + ProcessHandle.current().pid() + "/fd";

        private Listing(Path dir, boolean links) {
            this.dir = dir;
            this.links = links;
        }

        static Listing find() {
            String mode = property(DESCRIPTORS, "auto", "dev-fd");
            Path proc = Path.of("/proc/self/fd");
            Path dev = Path.of("/dev/fd");
            Listing l;
            if (mode.equals("dev-fd")) {
                l = new Listing(dev, false);
            } else if (Files.isDirectory(proc)) {
                return new Listing(proc, true);
            } else {
                l = new Listing(dev, resolvesLinks(dev));
            }
            if (!Files.isDirectory(l.dir)) {
                note("open descriptors cannot be counted: neither " + proc + " nor " + dev + " is a directory");
                return null;
            }
            try {
                for (int attempt = 0; attempt < 5; attempt++) {
                    int before = l.list().size();
                    int during;
                    try (FileChannel extra = FileChannel.open(Path.of("/dev/null"))) {
                        during = l.list().size();
                    }
                    if (during == before + 1) {
                        note("open descriptors listed in " + l.dir + (l.links ? ", entries resolved as links"
                                : ", entries described by file type and key"));
                        return l;
                    }
                }
            } catch (IOException | RuntimeException e) {
                note("open descriptors cannot be counted: listing " + l.dir + " failed: " + e);
                return null;
            }
            note("open descriptors cannot be counted: " + l.dir + " does not list one more entry when the process "
                    + "opens one more file (FreeBSD needs fdescfs mounted on /dev/fd)");
            return null;
        }

        private static boolean resolvesLinks(Path dir) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path p : entries) {
                    if (Files.isSymbolicLink(p)) {
                        return true;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // no links to resolve
            }
            return false;
        }

        Map<String, String> list() throws IOException {
            Map<String, String> fds = new TreeMap<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path p : entries) {
                    fds.put(p.getFileName().toString(), links ? target(p) : describe(p));
                }
            }
            if (links) {
                String path = dir.toRealPath().toString();
                fds.values().removeIf(v -> v.equals(self) || v.equals(path));
            } else {
                // The listing's own descriptor is open on the listed directory: the entry with the directory's key, or
                // else the only directory among them.
                String own = describe(dir);
                if (!fds.values().removeIf(own::equals)) {
                    List<String> dirs = new ArrayList<>();
                    fds.forEach((k, v) -> {
                        if (v.startsWith(DIRECTORY)) {
                            dirs.add(k);
                        }
                    });
                    if (dirs.size() == 1) {
                        fds.remove(dirs.get(0));
                    }
                }
            }
            return fds;
        }

        private static String target(Path p) {
            try {
                return Files.readSymbolicLink(p).toString();
            } catch (IOException e) {
                return describe(p); // closed meanwhile, or not a link
            }
        }

        private static String describe(Path p) {
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                String kind = a.isDirectory() ? DIRECTORY : a.isRegularFile() ? "file" : a.isSymbolicLink() ? "link"
                        : "other";
                return kind + " " + a.fileKey();
            } catch (IOException e) {
                return "?"; // closed meanwhile
            }
        }
    }

    // ---- helpers ----

    private static String property(String name, String... allowed) {
        String value = System.getProperty(name, allowed[0]).trim();
        if (!List.of(allowed).contains(value)) {
            throw new IllegalArgumentException("-D" + name + " must be one of " + List.of(allowed) + ", not "
                    + value);
        }
        return value;
    }

    /**
     * Reports how the suite adapts to this machine, on standard error: the test's output file, or a child JVM's
     * stderr, which its test copies (a child's standard output carries its protocol).
     */
    static void note(String line) {
        System.err.println("gaio conformance: " + line);
    }
}
