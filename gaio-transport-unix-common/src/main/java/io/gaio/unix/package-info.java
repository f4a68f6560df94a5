/**
 * What gaio's native transports share, in the shape of Netty's own split into {@code netty-transport-native-unix-common}
 * and one module per transport: {@link io.gaio.unix.EdgeTriggeredSocket}, a delegated socket watched edge-triggered
 * with raw reads and writes on its descriptor, and {@link io.gaio.unix.UnixTransportProvider}, which takes over JDK
 * and Netty channels through a duplicate of their descriptor. Not a transport by itself: the {@code epoll} and
 * {@code kqueue} modules build on it, and the {@code io_uring} module on its provider and
 * {@link io.gaio.unix.SocketIo}.
 */
package io.gaio.unix;
