using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>Gradient clipping against torch.nn.utils (Reference/make_training_reference.py, PyTorch 1.13).</summary>
public class ClippingTests
{
    internal static JsonElement Reference(string name)
        => JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "training_reference.json"))).RootElement.GetProperty(name);

    private static void Close(float[] expected, float[] actual, double relative)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs(v));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= relative * scale, $"[{i}]: expected {expected[i]}, found {actual[i]}");
    }

    [Theory]
    [InlineData("norm_0_5")]
    [InlineData("norm_100")]
    public void ByGlobalNormMatchesClipGradNorm(string name)
    {
        JsonElement clip = Reference("clip");
        float[] g = clip.Floats("grads");
        JsonElement c = clip.GetProperty(name);
        double norm = Clipping.ByGlobalNorm<float>(g, c.GetProperty("max_norm").GetDouble());
        Assert.Equal(c.GetProperty("total_norm").GetDouble(), norm, 1e-6 * norm);
        Close(c.Floats("clipped"), g, 1e-6);
        if (name == "norm_100") Assert.Equal(clip.Floats("grads"), g); // under the limit: untouched, bit for bit
        else Assert.Equal(0.5, Clipping.GlobalNorm<float>(g), 1e-6);  // over it: rescaled to max_norm (less the 1e-6)
    }

    [Fact]
    public void ByValueMatchesClipGradValue()
    {
        JsonElement clip = Reference("clip");
        float[] g = clip.Floats("grads");
        Clipping.ByValue<float>(g, clip.GetProperty("value_0_05").GetProperty("clip_value").GetDouble());
        Assert.Equal(clip.GetProperty("value_0_05").Floats("clipped"), g);
        Assert.True(g.Count(v => Math.Abs(v) == 0.05f) > 3, "the case must clip some values");
    }

    [Theory]
    [InlineData("fit_clip_norm")]
    [InlineData("fit_clip_value")]
    public void FitClipsEveryBatchBetweenTrainStepAndTheStep(string name)
    {
        // torch: SGD(lr 0.5, momentum 0.9), 3 epochs of 3 batches of 4 in order, clip_grad_*_ after backward().
        JsonElement r = Reference(name);
        var net = new RefTanhSoftmaxCe();
        r.Floats("params0").AsSpan().CopyTo(net.Parameters);
        var data = new Dataset(r.Floats("inputs"), r.Ints("labels"), 4);
        double clip = r.GetProperty("clip").GetDouble();
        History history = net.Fit(new Sgd<float>(net, 0.5, momentum: 0.9), data, new FitOptions
        {
            Epochs = 3,
            BatchSize = 4,
            Shuffle = false,
            ClipNorm = name == "fit_clip_norm" ? clip : null,
            ClipValue = name == "fit_clip_value" ? clip : null,
            Verbose = Verbosity.Silent,
        });
        double[] losses = r.GetProperty("epoch_losses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int e = 0; e < 3; e++) Assert.Equal(losses[e], history.Loss[e], 1e-5 * losses[e]);
        Close(r.Floats("params"), net.Parameters.ToArray(), 1e-5);

        // Without clipping the run ends elsewhere: the clipping did something.
        var free = new RefTanhSoftmaxCe();
        r.Floats("params0").AsSpan().CopyTo(free.Parameters);
        free.Fit(new Sgd<float>(free, 0.5, momentum: 0.9), data, new FitOptions { Epochs = 3, BatchSize = 4, Shuffle = false, Verbose = Verbosity.Silent });
        double distance = free.Parameters.ToArray().Zip(net.Parameters.ToArray(), (a, b) => Math.Abs(a - b)).Max();
        Assert.True(distance > 0.01, $"clipping changed the parameters by at most {distance}");
    }

    [Fact]
    public void ArgumentsAndNonFiniteGradients()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Clipping.ByGlobalNorm<float>(new float[2], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Clipping.ByGlobalNorm<float>(new float[2], double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => Clipping.ByValue<float>(new float[2], -1));
        // A gradient with a NaN: the norm says so, and the values are left for the caller (Fit skips such a step).
        float[] g = [3, float.NaN, 4];
        Assert.True(double.IsNaN(Clipping.ByGlobalNorm<float>(g, 1)));
        Assert.Equal(3f, g[0]);
        Clipping.ByValue<float>(g, 1);
        Assert.Equal(1f, g[0]);
        Assert.True(float.IsNaN(g[1]));
        // Double precision: norm of (3, 4) is 5; clipping to 1 scales by 1 / (5 + 1e-6).
        double[] d = [3, 4];
        Assert.Equal(5, Clipping.ByGlobalNorm<double>(d, 1));
        Assert.Equal(3 / (5 + 1e-6), d[0], 15);
        Assert.True(Clipping.AllFinite<float>(new float[37]));
        var big = new float[37];
        big[36] = float.PositiveInfinity;
        Assert.False(Clipping.AllFinite<float>(big));
        big[36] = 0;
        big[3] = float.NaN;
        Assert.False(Clipping.AllFinite<float>(big));
    }
}
