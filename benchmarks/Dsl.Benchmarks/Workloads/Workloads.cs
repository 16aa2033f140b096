using System;
using Dsl.Runtime;

namespace Dsl.Benchmarks.Workloads;

/// <summary>
/// W1: seed 002's moons network trained as peers/w1_moons.py does: make_moons(200, noise 0.2), 20000 full-batch passes
/// of gradient descent, each one <c>TrainStep</c> on all 200 samples and one plain SGD step.
/// </summary>
/// <remarks>
/// The tutorial steps <c>W -= ε·(Σ_samples ∇ + λW)</c> with ε = 0.01, λ = 0.01 and reports
/// <c>(1/N)·[Σ -log p + (λ/2)·ΣW²]</c>. Dsl's <c>TrainStep</c> returns the batch mean, and <c>L2 = μ</c> adds <c>μ·ΣW²</c>;
/// with <c>μ = λ/(2N)</c> and learning rate <c>ε·N</c> (N = 200) the loss and every step are the tutorial's
/// (the same recipe as samples/Moons).
/// </remarks>
public static class W1Moons
{
    /// <summary>Samples in the data set.</summary>
    public const int Samples = 200;

    /// <summary>Full-batch passes of one training run.</summary>
    public const int Passes = 20000;

    /// <summary>L2 penalty on the batch-mean loss: <c>λ / (2·N) = 0.01 / 400</c>.</summary>
    public const double L2 = 0.01 / (2 * Samples);

    /// <summary>Learning rate on the batch-mean gradient: <c>ε·N = 0.01 · 200</c>.</summary>
    public const double LearningRate = 0.01 * Samples;

    /// <summary>The data: <c>Datasets.Moons(200, noise: 0.2, seed: 0)</c>.</summary>
    public static Dataset CreateData() => Datasets.Moons(Samples, noise: 0.2, seed: 0);

    /// <summary>Trains a freshly initialised network for <paramref name="passes"/> full-batch passes and returns it.</summary>
    public static W1MoonsNet Train(Dataset data, int passes, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        var net = new W1MoonsNet(seed);
        var sgd = new Sgd<float>(net, LearningRate);
        for (int pass = 0; pass < passes; pass++)
        {
            net.TrainStep(data.Inputs, data.Labels);
            sgd.Step();
        }
        return net;
    }

    /// <summary>The tutorial's loss of <paramref name="net"/> on <paramref name="data"/> (mean cross-entropy plus the L2 term).</summary>
    public static float Loss(W1MoonsNet net, Dataset data) => net.TrainStep(data.Inputs, data.Labels);
}

/// <summary>
/// W2, W3 or W4: a generated model, its optimizer and a <see cref="BatchStream"/> of shuffled mini-batches, with the
/// hyper-parameters of the peer script. One <see cref="Step"/> gathers the next batch, runs <c>TrainStep</c> and the
/// optimizer's <c>Step</c>; one <see cref="Epoch"/> is <see cref="StepsPerEpoch"/> steps over a new permutation.
/// </summary>
public sealed class TrainingWorkload
{
    private readonly ITrainable<float> _model;
    private readonly Optimizer<float> _optimizer;
    private readonly BatchStream _batches;

    private TrainingWorkload(ITrainable<float> model, Optimizer<float> optimizer, Dataset train, int batchSize, int seed)
    {
        _model = model;
        _optimizer = optimizer;
        _batches = new BatchStream(train, batchSize, seed + 1);
    }

    /// <summary>W2 (peers/w2_mlp.py): 784-128 tanh-10 softmax, SGD learning rate 0.05, momentum 0.9, batch 100.</summary>
    public static TrainingWorkload W2(Dataset train, int seed = 0)
    {
        var net = new W2MlpNet(seed);
        return new TrainingWorkload(net, new Sgd<float>(net, learningRate: 0.05, momentum: 0.9), train, batchSize: 100, seed);
    }

    /// <summary>W3 (peers/w3_wide_sigmoid.py): 784-784-784-10 sigmoid, Adam (learning rate 1e-3, PyTorch's defaults), batch 200.</summary>
    public static TrainingWorkload W3(Dataset train, int seed = 0)
    {
        var net = new W3WideSigmoidNet(seed);
        return new TrainingWorkload(net, new Adam<float>(net, learningRate: 1e-3), train, batchSize: 200, seed);
    }

    /// <summary>W4 (peers/w4_cnn.py): seed 000's CNN, SGD learning rate 0.05, momentum 0.9, Nesterov, batch 100.</summary>
    public static TrainingWorkload W4(Dataset train, int seed = 0)
    {
        var net = new W4CnnNet(seed);
        return new TrainingWorkload(net, new Sgd<float>(net, learningRate: 0.05, momentum: 0.9, nesterov: true), train, batchSize: 100, seed);
    }

    /// <summary>Samples per step.</summary>
    public int BatchSize => _batches.BatchSize;

    /// <summary>Steps in one epoch: training samples / <see cref="BatchSize"/> (600 for W2 and W4, 300 for W3 on the full set).</summary>
    public int StepsPerEpoch => _batches.BatchesPerEpoch;

    /// <summary>One training step on the next batch; returns the batch-mean loss.</summary>
    public float Step()
    {
        _batches.Next();
        float loss = _model.TrainStep(_batches.Inputs, _batches.Labels);
        _optimizer.Step();
        return loss;
    }

    /// <summary>One epoch: a new permutation, then <see cref="StepsPerEpoch"/> steps; returns the last batch's loss.</summary>
    public float Epoch()
    {
        _batches.StartEpoch();
        float loss = float.NaN;
        for (int i = 0; i < StepsPerEpoch; i++) loss = Step();
        return loss;
    }

    /// <summary>Fraction of <paramref name="data"/> whose most probable class is its label.</summary>
    public double Accuracy(Dataset data) => Classify.Accuracy(_model, data);
}

/// <summary>
/// W5 (peers/w5_latency.py): <c>Forward</c> of the W2 network on one sample (batch 1), the samples taken in turn from
/// the first 256 test images, as the peer script does.
/// </summary>
public sealed class LatencyWorkload
{
    /// <summary>How many distinct samples the calls cycle through.</summary>
    public const int DistinctSamples = 256;

    private readonly W2MlpNet _net;
    private readonly float[] _samples;
    private readonly int _count;
    private readonly float[] _output = new float[W2MlpNet.OutputSize];
    private int _next;

    /// <summary>The network with its initial weights (latency does not depend on training) and the first test images.</summary>
    public LatencyWorkload(Dataset test, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (test.Features != W2MlpNet.InputSize)
            throw new ArgumentException($"Expected {W2MlpNet.InputSize} features per sample, found {test.Features}.", nameof(test));
        _count = Math.Min(DistinctSamples, test.Count);
        if (_count == 0) throw new ArgumentException("Expected at least one test sample, found none.", nameof(test));
        _samples = test.Inputs.AsSpan(0, _count * W2MlpNet.InputSize).ToArray();
        _net = new W2MlpNet(seed);
    }

    /// <summary>One inference on the next sample; returns the first class's probability.</summary>
    public float Call()
    {
        _net.Forward(_samples.AsSpan(_next * W2MlpNet.InputSize, W2MlpNet.InputSize), _output);
        if (++_next == _count) _next = 0;
        return _output[0];
    }
}

/// <summary>Accuracy of any model on a labelled data set, for the sanity column of the side-by-side table.</summary>
internal static class Classify
{
    /// <summary>Runs <c>Forward</c> in chunks of 1000 samples and counts where the arg-max equals the label.</summary>
    public static double Accuracy(IModel<float> model, Dataset data)
    {
        const int Chunk = 1000;
        int classes = model.OutputSize;
        var output = new float[Chunk * classes];
        int correct = 0;
        for (int start = 0; start < data.Count; start += Chunk)
        {
            int n = Math.Min(Chunk, data.Count - start);
            model.Forward(data.Inputs.AsSpan(start * data.Features, n * data.Features), output.AsSpan(0, n * classes));
            for (int s = 0; s < n; s++)
            {
                ReadOnlySpan<float> row = output.AsSpan(s * classes, classes);
                int best = 0;
                for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
                if (best == data.Labels[start + s]) correct++;
            }
        }
        return data.Count == 0 ? 0 : (double)correct / data.Count;
    }
}
