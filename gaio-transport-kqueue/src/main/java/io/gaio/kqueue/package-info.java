/**
 * The macOS and BSD transport {@code kqueue}: Netty's native kqueue loop, edge-triggered, with raw reads and writes
 * straight between the socket and the caller's buffers. The watcher keeps its own duplicate of every delegated
 * socket. What differs from {@code epoll} lives here (the filters, reading events, the provider); the rest is in
 * {@code io.gaio.unix}. See {@link io.gaio.kqueue.KQueueTransportProvider}.
 */
package io.gaio.kqueue;
