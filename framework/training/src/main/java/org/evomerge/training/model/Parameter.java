package org.evomerge.training.model;

/**
 * One trainable tensor: its Hugging Face name, shape, float32 values, and, while it trains, its gradient and AdamW
 * moments. A frozen parameter has no gradient.
 */
public final class Parameter {

    private final String name;
    private final long[] shape;
    private final float[] value;
    private final boolean matrix;
    private float[] gradient;
    private float[] firstMoment;
    private float[] secondMoment;

    public Parameter(String name, long[] shape, float[] value) {
        long count = 1;
        for (long s : shape) {
            count *= s;
        }
        if (count != value.length) {
            throw new IllegalArgumentException(name + ": " + value.length + " values for " + count + " elements");
        }
        this.name = name;
        this.shape = shape.clone();
        this.value = value;
        this.matrix = shape.length == 2;
    }

    public String name() {
        return name;
    }

    public long[] shape() {
        return shape.clone();
    }

    /** The live values; training updates them in place. */
    public float[] value() {
        return value;
    }

    /** Whether weight decay applies: matrices decay, normalisation weights do not. */
    public boolean decays() {
        return matrix;
    }

    public boolean trainable() {
        return gradient != null;
    }

    /** Makes the parameter trainable (allocating its gradient and moments) or frozen. */
    public void setTrainable(boolean trainable) {
        if (trainable && gradient == null) {
            gradient = new float[value.length];
            firstMoment = new float[value.length];
            secondMoment = new float[value.length];
        } else if (!trainable) {
            gradient = null;
            firstMoment = null;
            secondMoment = null;
        }
    }

    /** The accumulated gradient, or null when frozen. */
    public float[] gradient() {
        return gradient;
    }

    public float[] firstMoment() {
        return firstMoment;
    }

    public float[] secondMoment() {
        return secondMoment;
    }

    public void zeroGradient() {
        if (gradient != null) {
            java.util.Arrays.fill(gradient, 0f);
        }
    }
}
