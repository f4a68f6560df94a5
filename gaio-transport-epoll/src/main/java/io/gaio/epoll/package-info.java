/**
 * The Linux transport {@code epoll}: Netty's native epoll loop, edge-triggered, with raw reads and writes straight
 * between the socket and the caller's buffers. The watcher keeps its own duplicate of every delegated JDK or Netty
 * channel; connections from gaio's own {@link io.gaio.epoll.EpollAcceptor} (native accept, optionally sharing a port
 * with other acceptors through SO_REUSEPORT) are taken over without one.
 * See {@link io.gaio.epoll.EpollTransportProvider}.
 */
package io.gaio.epoll;
