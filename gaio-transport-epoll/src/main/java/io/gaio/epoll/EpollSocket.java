package io.gaio.epoll;

import io.gaio.spi.ReadinessListener;
import io.gaio.unix.EdgeTriggeredSocket;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.Socket;

/**
 * The watcher's socket on epoll: registered once with EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET, so the interest set never
 * has to change and an idle connection never wakes the loop. Reads, writes and the life cycle are
 * {@link EdgeTriggeredSocket}'s.
 */
final class EpollSocket extends EdgeTriggeredSocket implements EpollIoHandle {
    /** Both directions, edge-triggered: the engine drains until the socket would block. */
    private static final EpollIoOps OPS = EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLOUT)
            .with(EpollIoOps.EPOLLRDHUP).with(EpollIoOps.EPOLLET);
    /** Always reported by the kernel but not among Netty's public constants; the same on every Linux architecture. */
    private static final int EPOLLHUP = 0x10;
    private static final int READ_EVENTS = EpollIoOps.EPOLLIN.value() | EpollIoOps.EPOLLRDHUP.value()
            | EpollIoOps.EPOLLERR.value() | EPOLLHUP;
    private static final int WRITE_EVENTS = EpollIoOps.EPOLLOUT.value() | EpollIoOps.EPOLLERR.value() | EPOLLHUP;
    private static final int ENDING_EVENTS = EpollIoOps.EPOLLRDHUP.value() | EpollIoOps.EPOLLERR.value() | EPOLLHUP;

    EpollSocket(Socket socket, ReadinessListener listener) {
        super(socket, listener);
    }

    /** The descriptor this socket owns. */
    @Override
    public Socket fd() {
        return socket();
    }

    /** epoll_ctl ADD; fails for example with ENOSPC at fs.epoll.max_user_watches. */
    @Override
    protected void watch(IoRegistration registration) {
        registration.submit(OPS);
    }

    @Override
    protected int readiness(IoEvent event) {
        int ready = ((EpollIoEvent) event).ops().value();
        return ((ready & READ_EVENTS) != 0 ? READABLE : 0) | ((ready & WRITE_EVENTS) != 0 ? WRITABLE : 0)
                | ((ready & ENDING_EVENTS) != 0 ? ENDING : 0);
    }
}
