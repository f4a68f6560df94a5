/**
 * The Linux transport {@code epoll}: Netty's native epoll loop, edge-triggered, with raw reads and writes straight
 * between the socket and the caller's buffers. The watcher keeps its own duplicate of every delegated socket.
 * See {@link io.gaio.epoll.EpollTransportProvider}.
 */
package io.gaio.epoll;
