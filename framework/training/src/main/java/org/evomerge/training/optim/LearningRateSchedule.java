package org.evomerge.training.optim;

/**
 * Linear warm-up then cosine decay to zero, as Hugging Face's {@code get_cosine_schedule_with_warmup}, except that
 * warm-up counts the step being taken ({@code (step + 1) / warmup}) so the first step does not waste its batch on
 * a learning rate of zero.
 *
 * @param peak   the learning rate at the end of warm-up
 * @param warmup warm-up steps
 * @param total  all steps
 */
public record LearningRateSchedule(double peak, int warmup, int total) {

    /** The learning rate of 0-based step {@code step}. */
    public double at(int step) {
        if (step < warmup) {
            return peak * (step + 1) / warmup;
        }
        double progress = (double) (step - warmup) / Math.max(1, total - warmup);
        return peak * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
}
