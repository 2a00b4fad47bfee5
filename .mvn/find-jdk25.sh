# Sourced by ./mvnw and the project's scripts: points JAVA_HOME at a JDK 25 or newer.
# Order: JAVA_HOME if it is 25+, then /usr/lib/jvm/*25*, then /usr/lib/jvm/* (newest first), then `java` on PATH.
# EVOMERGE_JVM_DIR replaces /usr/lib/jvm (other layouts, and tests of the "no JDK" message).
evomerge_java_feature() {
  # Prints the feature version (e.g. 25) of the java binary given as $1, or nothing.
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}
evomerge_find_jdk25() {
  local candidate v jvm_dir="${EVOMERGE_JVM_DIR:-/usr/lib/jvm}"
  set +f  # callers such as mvnw run with globbing off
  for candidate in "${JAVA_HOME:-}" "$jvm_dir"/*25* $(ls -d "$jvm_dir"/* 2>/dev/null | sort -rV); do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    v=$(evomerge_java_feature "$candidate/bin/java")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$candidate"; return 0; fi
  done
  if command -v javac >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    v=$(evomerge_java_feature "$candidate/bin/java")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$candidate"; return 0; fi
  fi
  return 1
}
if evomerge_jdk=$(evomerge_find_jdk25); then
  export JAVA_HOME="$evomerge_jdk"
  unset evomerge_jdk
else
  echo "evomerge: no JDK 25 or newer found (looked at JAVA_HOME='${JAVA_HOME:-}', ${EVOMERGE_JVM_DIR:-/usr/lib/jvm}/*, and javac on PATH)." >&2
  echo "evomerge: install a JDK 25 (for example Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
fi
