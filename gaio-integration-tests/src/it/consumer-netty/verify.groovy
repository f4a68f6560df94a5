// The test ran and passed (the build would have failed otherwise); here: it really ran, and Netty reported no leak.
String log = new File(basedir, 'build.log').getText('UTF-8')
assert log.contains('Tests run: 2, Failures: 0, Errors: 0, Skipped: 0') : 'HandshakeServerTest ran both tests'
assert !log.contains('LEAK:') : "Netty's leak detector reported leaked buffers"
true
