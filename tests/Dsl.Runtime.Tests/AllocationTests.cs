using System;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>After construction, Forward, TrainStep (both overloads) and an optimizer step allocate nothing.</summary>
public class AllocationTests
{
    /// <summary>
    /// Bytes this thread allocated in 20 calls of <paramref name="action"/> after a warm-up: the least of up to 5 such
    /// windows. Anything the action allocates on every call shows in every window; a one-off allocation of the runtime
    /// on this thread (seen once in many runs, under the load of both test assemblies and a build, while the tiered JIT
    /// was promoting methods) shows in one window at most.
    /// </summary>
    internal static long Allocated(Action action)
    {
        action(); // warm up: JIT, tiered compilation, static initialisers
        action();
        long least = long.MaxValue;
        for (int window = 0; window < 5 && least > 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++) action();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }

    [Fact]
    public void HotPathAllocatesNothing()
    {
        var net = new MixedFloat(1);
        var sgd = new Sgd<float>(net, 0.1, momentum: 0.9, weightDecay: 1e-4, nesterov: true);
        const int batch = 300; // two tiles of TileSize = 256
        float[] x = new float[batch * MixedFloat.InputSize];
        float[] y = new float[batch * MixedFloat.OutputSize];
        float[] t = new float[batch * MixedFloat.OutputSize];
        int[] labels = new int[batch];
        for (int i = 0; i < x.Length; i++) x[i] = MathF.Sin(i);
        for (int s = 0; s < batch; s++) { labels[s] = s % 5; t[s * 5 + labels[s]] = 1; }

        Assert.Equal(0, Allocated(() => net.Forward(x, y)));
        Assert.Equal(0, Allocated(() => net.TrainStep(x, t)));
        Assert.Equal(0, Allocated(() => net.TrainStep(x, labels)));
        Assert.Equal(0, Allocated(sgd.Step));
    }

    [Fact]
    public void ScalarModelWithPenaltyAllocatesNothing()
    {
        var net = new Samples.Moons.MoonsNet(0);
        var sgd = new Sgd<float>(net, 2.0);
        var data = Datasets.Moons(200, 0.2);
        var y = new float[400];
        Assert.Equal(0, Allocated(() => net.Forward(data.Inputs, y)));
        Assert.Equal(0, Allocated(() => { net.TrainStep(data.Inputs, data.Labels); sgd.Step(); }));
    }
}
