package io.gaio.kqueue;

import io.gaio.unix.UnixTransportProvider;
import io.netty.channel.kqueue.KQueue;
import io.netty.channel.kqueue.KQueueIoHandle;
import io.netty.channel.kqueue.KQueueIoHandler;
import io.netty.channel.kqueue.KQueueSocketChannel;

/**
 * The macOS and BSD transport, {@code kqueue}: Netty's native kqueue loop ({@link KQueueIoHandler}), edge-triggered
 * (EV_CLEAR), with reads and writes straight between the socket and the buffers' memory. Preferred over
 * {@code epoll} and {@code nio} wherever Netty's native kqueue library loads; this module brings it for macOS on
 * x86_64 and aarch64.
 *
 * <p>Accepts JDK {@link java.nio.channels.SocketChannel}s and Netty {@link KQueueSocketChannel}s, through a
 * duplicate of their descriptor: see {@link UnixTransportProvider} for what happens to them on delegation.
 *
 * <p>Netty's kqueue classes load everywhere, but its handler factory needs the native library; this provider calls
 * native code only through {@link #newIoHandlerFactory()} and delegation, which the watcher reaches only where
 * {@link #unavailabilityCause()} is {@code null}. Elsewhere that cause is Netty's, for example
 * {@code "Only supported on OSX/BSD"} on Linux.
 */
public final class KQueueTransportProvider extends UnixTransportProvider {

    /** Called by {@link java.util.ServiceLoader}; touches no native code. */
    public KQueueTransportProvider() {
        super("kqueue", 110, KQueueIoHandle.class, KQueueSocketChannel.class, KQueue::unavailabilityCause,
                KQueue::ensureAvailability, KQueueIoHandler::newFactory, KQueueSocket::new, KQueueListener::new);
    }
}
