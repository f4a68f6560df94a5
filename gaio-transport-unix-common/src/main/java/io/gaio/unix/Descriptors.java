package io.gaio.unix;

import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.UUID;

/**
 * Duplicates socket descriptors. Netty has no {@code dup()}, but passing a descriptor over an AF_UNIX connection
 * (SCM_RIGHTS) makes the kernel install a second descriptor for the same socket, with public API only; Netty's
 * {@code recvFd} also sets the copy non-blocking. One connection, made on first use, serves the whole JVM and is
 * made again after an error.
 *
 * <p>Netty's unix-common natives come with each native transport's library: the transport loads it before the first
 * duplication.
 */
final class Descriptors {
    /** Both ends of the connection; guarded by the class lock. */
    private static Socket sender;
    private static Socket receiver;
    /** Whether names live in Linux's abstract namespace rather than the file system; guarded by the class lock. */
    private static boolean abstractNames = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");

    private Descriptors() {
    }

    /**
     * A duplicate of descriptor {@code fd}, checked to be the TCP connection from {@code local} to {@code remote}:
     * the number came from another object, which a racing thread may have closed meanwhile. A connection the peer
     * has already reset has no remote address any more; it is taken as it is, and its first read or write reports
     * the reset.
     */
    static Socket duplicate(int fd, SocketAddress local, SocketAddress remote) throws IOException {
        Socket copy = new Socket(pass(fd));
        SocketAddress actualRemote = copy.remoteAddress();
        if (!local.equals(copy.localAddress()) || (actualRemote != null && !remote.equals(actualRemote))) {
            copy.close();
            throw new IOException("descriptor " + fd + " is not the TCP connection " + local + " -> " + remote);
        }
        return copy;
    }

    private static synchronized int pass(int fd) throws IOException {
        if (sender == null) {
            connect();
        }
        try {
            if (sender.sendFd(fd) > 0) {
                int copy = receiver.recvFd();
                if (copy > 0) {
                    return copy;
                }
            }
            throw new IOException("could not pass descriptor " + fd + " through the local socket");
        } catch (IOException e) {
            // Whatever went wrong, a fresh connection cannot hold a stale message.
            disconnect();
            throw e;
        }
    }

    private static void connect() throws IOException {
        if (abstractNames) {
            // Abstract names (leading NUL, Linux only) leave no file behind and vanish with the sockets.
            String name = "\0gaio-dup-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID();
            connect(name, name + "-c");
            return;
        }
        // Elsewhere: files in a directory only this user may enter, removed once the two ends are connected.
        Path dir = Files.createTempDirectory("gaio-dup",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path name = dir.resolve("l");
        Path clientName = dir.resolve("c");
        try {
            connect(name.toString(), clientName.toString());
        } finally {
            Files.deleteIfExists(name);
            Files.deleteIfExists(clientName);
            Files.delete(dir);
        }
    }

    private static void connect(String name, String clientName) throws IOException {
        Socket listener = Socket.newSocketDomain();
        Socket client = null;
        try {
            listener.bind(new DomainSocketAddress(name));
            listener.listen(4);
            client = Socket.newSocketDomain();
            client.bind(new DomainSocketAddress(clientName));
            client.connect(new DomainSocketAddress(name));
            receiver = acceptOwn(listener, clientName);
            sender = client;
        } catch (IOException | RuntimeException e) {
            closeQuietly(client);
            throw e;
        } finally {
            closeQuietly(listener);
        }
    }

    /**
     * Chooses how the local connection is named from the next connection on; for tests of the file-system names,
     * which are the only kind outside Linux.
     */
    static synchronized void useAbstractNames(boolean use) {
        disconnect();
        abstractNames = use;
    }

    /**
     * Abstract names are visible to every local process ({@code /proc/net/unix}), and a file name to every process of
     * this user: accept only our own client, or another process could be handed our sockets.
     */
    private static Socket acceptOwn(Socket listener, String clientName) throws IOException {
        byte[] unusedAddress = new byte[32];
        int fd;
        while ((fd = listener.accept(unusedAddress)) >= 0) {
            Socket accepted = new Socket(fd);
            DomainSocketAddress peer = accepted.remoteDomainSocketAddress();
            if (peer != null && clientName.equals(peer.path())) {
                return accepted;
            }
            closeQuietly(accepted);
        }
        throw new IOException("the local socket for duplicating descriptors did not connect");
    }

    private static void disconnect() {
        closeQuietly(sender);
        closeQuietly(receiver);
        sender = null;
        receiver = null;
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // Nothing was sent through it that could be lost.
            }
        }
    }
}
