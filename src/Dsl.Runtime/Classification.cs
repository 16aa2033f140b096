using System;

namespace Dsl.Runtime;

/// <summary>Learning-rate schedules as plain functions of the optimizer's step count.</summary>
public static class Schedules
{
    /// <summary>
    /// Keras' legacy <c>decay</c> argument (inverse-time decay per step): <c>lr_t = lr0 / (1 + decay · t)</c>, with t the number
    /// of steps taken before this one.
    /// </summary>
    public static Func<long, double> InverseTime(double initial, double decay)
    {
        if (!(initial >= 0) || !(decay >= 0)) throw new ArgumentOutOfRangeException(nameof(decay), $"Expected a non-negative learning rate and decay, got {initial} and {decay}.");
        return step => initial / (1 + decay * step);
    }
}
