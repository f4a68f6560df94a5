/**
 * The transport SPI: what a transport module implements so that the engine in {@code io.gaio} can run on it.
 *
 * <p>A transport is reduced to readiness plus raw reads and writes: {@link io.gaio.spi.TransportProvider} adopts a
 * caller's connection as a {@link io.gaio.spi.TransportSocket}, a Netty {@link io.netty.channel.IoHandle} that
 * reports readiness to a {@link io.gaio.spi.ReadinessListener}. Providers are found with
 * {@link java.util.ServiceLoader}.
 */
package io.gaio.spi;
