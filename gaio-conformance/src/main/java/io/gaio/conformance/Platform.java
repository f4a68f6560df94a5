package io.gaio.conformance;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
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
 *       taken through its TIME_WAIT, and a client binds its port before it connects. The default takes three
 *       quarters of the ephemeral ports (the rest for connections that stay open longer, for listeners and for
 *       sockets the suite does not pace) within the TIME_WAIT plus 10 s (a connection's life before its TIME_WAIT
 *       starts): on Linux from {@code net.ipv4.ip_local_port_range} and its fixed 60 s TIME_WAIT ({@code 21174/70}
 *       with the default range), elsewhere {@value #MACOS_PACING}, from macOS's 16,384 ephemeral ports (49152-65535)
 *       and 30 s TIME_WAIT (twice {@code net.inet.tcp.msl}). Sockets on the source addresses when the pacing starts,
 *       TIME_WAIT leftovers of an earlier run included ({@code /proc/net/tcp}, else {@code netstat -an -p tcp}),
 *       count as connections just made. With the rotation's 1,000 addresses the pacing never holds a test back;
 *       with 127.0.0.1 alone it does (about 300 connections a second), and without it that address's ports run
 *       out, on Linux too: a watcher's connects and listeners bind without SO_REUSEADDR, so once TIME_WAIT
 *       leftovers hold every port their bind fails.</dd>
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
    /** The default pacing where the operating system is not Linux: macOS's ports and TIME_WAIT, with margins. */
    static final String MACOS_PACING = "12288/40";
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
    }

    /** The pacing of connections from the source addresses, set up on first use; null where off. */
    private static final class Pacing {
        static final Pacer PACER = Pacer.fromProperty(Sources.ADDRESSES);
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
        return nextReservedSourceAddress();
    }

    /**
     * The next source address of the rotation, without waiting: for a connection whose port the process that makes
     * it had reserved already ({@link #reserveSourcePorts}), as a test does for the client process it starts.
     */
    static InetAddress nextReservedSourceAddress() {
        List<InetAddress> all = Sources.ADDRESSES;
        return all.get(Math.floorMod(NEXT_SOURCE.getAndIncrement(), all.size()));
    }

    /**
     * Waits, where ports are paced, until {@code n} more connections from the source addresses leave enough ephemeral
     * ports, and counts them as made: for connections that another process makes from them, or that bind without
     * {@link #nextSourceAddress()}.
     */
    static void reserveSourcePorts(int n) throws InterruptedIOException {
        Pacer pacer = Pacing.PACER;
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
        Pacer pacer = Pacing.PACER;
        return pacer == null ? -1 : pacer.capacity * seconds / pacer.windowSeconds;
    }

    /**
     * A source address for one connection that the peer must tell from the others it accepts: 127.0.0.{@code host}
     * where the rotation has it, else 127.0.0.1 with a port of its own: one below every system's ephemeral ports
     * (Linux's start at 32768, macOS's at 49152, FreeBSD's at 10000), so that no socket the kernel gives a port takes
     * it, and free a moment ago (a probe bound it and let it go).
     */
    static InetSocketAddress distinctSource(int host) throws IOException {
        InetAddress own = Inet4Address.getByAddress(new byte[] {127, 0, 0, (byte) host});
        if (Sources.ADDRESSES.contains(own)) {
            return new InetSocketAddress(own, 0);
        }
        InetAddress single = Sources.ADDRESSES.get(0);
        IOException last = null;
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = 5000 + ThreadLocalRandom.current().nextInt(5000);
            InetSocketAddress source = new InetSocketAddress(single, port);
            try (SocketChannel probe = SocketChannel.open()) {
                probe.bind(source);
                return source;
            } catch (IOException e) {
                last = e;
            }
        }
        throw new IOException("no free port of its own on " + single.getHostAddress() + " in 5000-9999", last);
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

        /**
         * The pacing {@value Platform#PORT_PACING} asks for, for connections from {@code addresses}, with the sockets
         * on them now counted as just made; null when off.
         */
        static Pacer fromProperty(List<InetAddress> addresses) {
            String value = System.getProperty(PORT_PACING, defaultPacing()).trim();
            if (value.equals("off")) {
                return null;
            }
            long ports;
            long seconds;
            try {
                String[] parts = value.split("/");
                ports = Long.parseLong(parts[0].trim());
                seconds = Long.parseLong(parts[1].trim());
                if (parts.length != 2 || ports < 1 || seconds < 1) {
                    throw new NumberFormatException();
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("-D" + PORT_PACING + " must be PORTS/SECONDS or off, not " + value);
            }
            Pacer p = new Pacer(ports * addresses.size(), seconds);
            long inUse = socketsOn(addresses);
            if (inUse > 0) {
                p.buckets.addLast(new long[] {System.nanoTime(), inUse});
                p.inWindow = inUse;
            }
            note("client connections paced: at most " + ports + " per source address (" + addresses.size()
                    + ") within " + seconds + " s (-D" + PORT_PACING + "=" + value + "); sockets on them now: "
                    + (inUse < 0 ? "unknown" : inUse));
            return p;
        }

        /** Three quarters of the ephemeral ports within the TIME_WAIT and 10 s; see {@link Platform}. */
        private static String defaultPacing() {
            if (!LINUX) {
                return MACOS_PACING;
            }
            try {
                String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim()
                        .split("\\s+");
                int ports = Integer.parseInt(range[1]) - Integer.parseInt(range[0]) + 1;
                return ports * 3 / 4 + "/70";
            } catch (IOException | RuntimeException e) {
                return "21174/70"; // the default range, 32768-60999
            }
        }

        /**
         * How many TCP sockets of the machine, in any state, TIME_WAIT included, have one of {@code addresses} as
         * their local address: from {@code /proc/net/tcp}, else {@code netstat -an -p tcp}; -1 where neither tells.
         */
        private static long socketsOn(List<InetAddress> addresses) {
            Set<String> hosts = new HashSet<>();
            addresses.forEach(a -> hosts.add(a.getHostAddress()));
            try {
                Path proc = Path.of("/proc/net/tcp");
                long n = 0;
                if (Files.isReadable(proc)) {
                    List<String> lines = Files.readAllLines(proc);
                    for (String line : lines.subList(1, lines.size())) {
                        String local = line.trim().split("\\s+")[1];
                        long v = Long.parseLong(local.substring(0, local.indexOf(':')), 16); // little-endian
                        if (hosts.contains((v & 0xff) + "." + (v >> 8 & 0xff) + "." + (v >> 16 & 0xff) + "."
                                + (v >> 24 & 0xff))) {
                            n++;
                        }
                    }
                    return n;
                }
                Process netstat = new ProcessBuilder("netstat", "-an", "-p", "tcp").redirectErrorStream(true).start();
                try (BufferedReader out = new BufferedReader(new InputStreamReader(netstat.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = out.readLine()) != null; ) {
                        String[] f = line.trim().split("\\s+");
                        int dot = f.length > 3 ? f[3].lastIndexOf('.') : -1;
                        if (f[0].startsWith("tcp") && dot > 0 && hosts.contains(f[3].substring(0, dot))) {
                            n++;
                        }
                    }
                }
                return netstat.waitFor(10, TimeUnit.SECONDS) && netstat.exitValue() == 0 ? n : -1;
            } catch (IOException | RuntimeException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
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
