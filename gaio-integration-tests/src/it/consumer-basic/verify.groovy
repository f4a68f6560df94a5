// Checks the runs of example.EchoApp (pom.xml, exec-maven-plugin), and that README.md shows this project's snippets.
// Variables from gaio-integration-tests/pom.xml: basedir, readme, expectedJavaFeature (null, or "25" on the JDK 25 run).

def target = new File(basedir, 'target')
def runLog = { String name ->
    File f = new File(target, "run-${name}.log")
    assert f.isFile() : "no output of the '${name}' run: ${f}"
    String text = f.getText('UTF-8')
    println "---- ${f.name}\n${text}----"
    text
}
// The JVM's warnings about native access (restricted methods), sun.misc.Unsafe and illegal access.
def warnings = { String text ->
    text.readLines().findAll { it =~ /(?i)^WARNING|restricted method|sun\.misc\.Unsafe|illegal.*access/ }
}

// Run on the JDK the IT asked for: a javaHome that did not take effect would pass the warning checks for nothing.
def checkJava = { String name, String text ->
    def java = text.readLines().find { it.startsWith('java ') }
    assert java != null : "the '${name}' run printed no Java version"
    if (expectedJavaFeature) {
        assert java.startsWith("java ${expectedJavaFeature}") : "the '${name}' run used ${java}, not Java ${expectedJavaFeature}"
    }
}

String byDefault = runLog('default')
checkJava('default', byDefault)
assert byDefault.contains('gaio transport: epoll') : 'Linux picks epoll by default'
assert byDefault.contains('echo ok: 4 messages, 401001 bytes')
assert warnings(byDefault).isEmpty()

String nio = runLog('nio')
checkJava('nio', nio)
assert nio.contains('gaio transport: nio')
assert nio.contains('echo ok: 4 messages, 401001 bytes')
assert warnings(nio).isEmpty()

String kqueue = runLog('kqueue')
checkJava('kqueue', kqueue)
assert kqueue.contains('Exception in thread "main" io.gaio.TransportUnavailableException: gaio transport \'kqueue\' is not on the class path.')
assert kqueue.contains('Add its module (io.gaio:gaio-transport-kqueue) or choose one of: epoll, nio')
assert !kqueue.contains('gaio transport: ')
assert !kqueue.contains('echo ok')
assert warnings(kqueue).isEmpty()

if (expectedJavaFeature) {
    // Each flag README.md documents is needed: without it, the JVM warns (and the app still works).
    String noNativeAccess = runLog('without-enable-native-access')
    checkJava('without-enable-native-access', noNativeAccess)
    assert noNativeAccess.contains('echo ok: 4 messages, 401001 bytes')
    assert noNativeAccess.contains('WARNING: A restricted method in java.lang.System has been called')
    assert noNativeAccess.contains('--enable-native-access=ALL-UNNAMED')
    assert warnings(noNativeAccess).every { !(it =~ /Unsafe/) } : 'the --add-opens flag was given'

    String noAddOpens = runLog('without-add-opens')
    checkJava('without-add-opens', noAddOpens)
    assert noAddOpens.contains('echo ok: 4 messages, 401001 bytes')
    assert noAddOpens.contains('WARNING: A terminally deprecated method in sun.misc.Unsafe has been called')
    assert warnings(noAddOpens).every { !(it =~ /restricted method/) } : 'the --enable-native-access flag was given'
}

// README.md's "## Use it" shows the Maven snippets of this pom.xml verbatim (whitespace aside).
def normalize = { String xml -> xml.replaceAll(/>\s+</, '><').replaceAll(/\s+/, ' ').trim() }
String readmeText = new File(readme).getText('UTF-8')
int start = readmeText.indexOf('\n## Use it\n')
assert start >= 0 : 'README.md has no "## Use it" section'
int end = readmeText.indexOf('\n## ', start + 1)
String useIt = readmeText.substring(start, end < 0 ? readmeText.length() : end)
def snippets = (useIt =~ /(?s)```xml\n(.*?)```/).collect { it[1] }
assert snippets.size() >= 3 : 'the section shows the BOM import, the dependencies and the JVM flags'
String pom = normalize(new File(basedir, 'pom.xml').getText('UTF-8'))
snippets.each { snippet ->
    assert pom.contains(normalize(snippet)) : "README.md's snippet is not in consumer-basic/pom.xml:\n${snippet}"
}
true
