// Archetype resources are stored in a jar and written out without their file modes: make the wrapper runnable.
def wrapper = new File(new File(request.outputDirectory, request.artifactId), 'mvnw')
if (!wrapper.setExecutable(true, false)) {
    println "[WARNING] could not make ${wrapper} executable: run chmod +x mvnw, or sh mvnw"
}
