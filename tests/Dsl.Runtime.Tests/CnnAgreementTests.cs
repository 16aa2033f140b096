using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Seed 000's convolutional network (<see cref="SeedCnn"/>: two convolutions, max pooling with a dropped row and column,
/// ReLU, Flatten, Dense, softmax cross-entropy) in float32 against PyTorch 1.13 on the same parameters and batch of 6
/// images (Reference/make_cnn_reference.py, cnn_reference.json): the softmax output, the batch-mean loss, the gradient
/// of every parameter tensor, and 20 steps of torch.optim.SGD with Nesterov momentum. The script checks that no ReLU
/// pre-activation and no pooling tie is within 1e-4 of flipping at the initial parameters (along the 20 steps the
/// smallest such margin is about 5e-6, still far above the float32 differences), so the comparison is of arithmetic only.
/// </summary>
public class CnnAgreementTests(ITestOutputHelper output)
{
    private static readonly Lazy<JsonDocument> Reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "cnn_reference.json"))));

    [Fact]
    public void ForwardLossAndGradientMatchPyTorch()
    {
        JsonElement root = Reference.Value.RootElement;
        var net = new SeedCnn();
        float[] parameters = root.Floats("params");
        Assert.Equal(SeedCnn.ParameterCount, parameters.Length);
        parameters.CopyTo(net.Parameters);
        float[] x = root.Floats("input"), target = root.Floats("target");
        int[] labels = root.Ints("labels");
        Assert.Equal(root.GetProperty("batch").GetInt32() * SeedCnn.InputSize, x.Length);

        float[] expectedOutput = root.Floats("output"), actualOutput = new float[expectedOutput.Length];
        net.Forward(x, actualOutput);
        output.WriteLine($"output: {Differences(expectedOutput, actualOutput)}");
        PyTorchAgreementTests.AssertClose(expectedOutput, actualOutput, 1e-5, 1e-6, "output");

        float loss = net.TrainStep(x, labels);
        float expectedLoss = (float)root.GetProperty("loss").GetDouble();
        output.WriteLine($"loss: PyTorch {expectedLoss:R}, Dsl {loss:R} (difference {Math.Abs(expectedLoss - loss):E2})");
        PyTorchAgreementTests.AssertClose([expectedLoss], [loss], 1e-5, 0, "loss");

        // Elementwise 1e-4 relative + 1e-6 absolute, as for the dense networks. The convolutions' gradients are only
        // ~1e-5 here, so the absolute floor alone would let them be 10% off: each tensor must also agree to 1e-4 of its
        // largest |gradient| (max |difference| / max |PyTorch gradient|), which float32 summation order easily meets.
        float[] expectedGrad = root.Floats("grad"), actualGrad = net.Gradients.ToArray();
        foreach (TensorInfo tensor in SeedCnn.ParameterLayout)
        {
            float[] e = expectedGrad.AsSpan(tensor.Offset, tensor.Length).ToArray(), a = actualGrad.AsSpan(tensor.Offset, tensor.Length).ToArray();
            output.WriteLine($"gradient {tensor.Name}: {Differences(e, a)}");
            PyTorchAgreementTests.AssertClose(e, a, 1e-4, 1e-6, $"gradient {tensor.Name}");
            double scale = e.Max(v => Math.Abs((double)v)), maxDiff = e.Zip(a, (p, d) => Math.Abs((double)p - d)).Max();
            Assert.True(maxDiff <= 1e-4 * scale,
                $"gradient {tensor.Name}: max |difference| {maxDiff:E2} > 1e-4 of its largest |gradient| {scale:E2}");
        }

        // The one-hot target form gives the same loss and gradient as the labels.
        Assert.Equal(loss, net.TrainStep(x, target));
        Assert.Equal(actualGrad, net.Gradients.ToArray());
    }

    [Fact]
    public void NesterovTrajectoryMatchesTorchOptim()
    {
        JsonElement root = Reference.Value.RootElement;
        JsonElement run = root.GetProperty("sgd_nesterov");
        Assert.Equal((0.05, 0.9, 0.0, 0.0, true), (run.GetProperty("lr").GetDouble(), run.GetProperty("momentum").GetDouble(),
            run.GetProperty("dampening").GetDouble(), run.GetProperty("weight_decay").GetDouble(), run.GetProperty("nesterov").GetBoolean()));
        var net = new SeedCnn();
        root.Floats("params").CopyTo(net.Parameters);
        var sgd = new Sgd<float>(net, learningRate: 0.05, momentum: 0.9, nesterov: true);
        float[] x = root.Floats("input");
        int[] labels = root.Ints("labels");
        float[] expectedLosses = run.Floats("losses");
        Assert.Equal(run.GetProperty("steps").GetInt32(), expectedLosses.Length);
        var losses = new float[expectedLosses.Length];
        for (int step = 0; step < losses.Length; step++)
        {
            losses[step] = net.TrainStep(x, labels);
            sgd.Step();
        }
        float[] expectedParams = run.Floats("final_params"), actualParams = net.Parameters.ToArray();
        output.WriteLine($"losses: {Differences(expectedLosses, losses)}");
        output.WriteLine($"parameters after {losses.Length} steps: {Differences(expectedParams, actualParams)}");
        PyTorchAgreementTests.AssertClose(expectedLosses, losses, 1e-5, 0, "losses");
        PyTorchAgreementTests.AssertClose(expectedParams, actualParams, 1e-5, 1e-6, $"parameters after {losses.Length} steps");
    }

    private static string Differences(float[] expected, float[] actual)
    {
        double maxAbs = 0, maxRel = 0, scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs((double)expected[i] - actual[i]);
            maxAbs = Math.Max(maxAbs, diff);
            scale = Math.Max(scale, Math.Abs(expected[i]));
            if (expected[i] != 0) maxRel = Math.Max(maxRel, diff / Math.Abs(expected[i]));
        }
        return $"max |difference| {maxAbs:E2} (max |PyTorch| {scale:E2}, ratio {maxAbs / scale:E2}), max relative difference {maxRel:E2}";
    }
}
