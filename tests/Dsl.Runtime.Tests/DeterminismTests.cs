using System;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>The W2 workload's network: 784-128 tanh, 10 softmax, cross-entropy.</summary>
[Input(784), Dense(128, Act.Tanh), Dense(10, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class W2Net;

/// <summary>The W3 workload's network: 784-784-784 sigmoid, 10 softmax, cross-entropy.</summary>
[Input(784), Dense(784, Act.Sigmoid), Dense(784, Act.Sigmoid), Dense(10, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class W3Net;

/// <summary>
/// Training gives the same bits whatever <see cref="Workers.Degree"/>: the W2 and W3 networks, trained from the same
/// seed on the same batches with 1 and with 2 threads (and 3, more threads than cores), end with identical parameters.
/// With 2 threads, a training step and an optimizer step allocate nothing on any thread.
/// </summary>
[Collection(WorkersDegreeCollection.Name)]
public class DeterminismTests
{
    private static (float[] Inputs, int[] Labels) Data(int count, int seed)
    {
        var random = new Random(seed);
        var inputs = new float[count * 784];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = random.NextSingle();
        var labels = new int[count];
        for (int s = 0; s < count; s++) labels[s] = random.Next(10);
        return (inputs, labels);
    }

    private static float[] Train(Func<ITrainable<float>> create, Func<ITrainable<float>, Optimizer<float>> optimizer, int degree, int batch, int steps)
    {
        int saved = Workers.Degree;
        try
        {
            Workers.Degree = degree;
            ITrainable<float> net = create();
            Optimizer<float> opt = optimizer(net);
            var (inputs, labels) = Data(batch * steps, 5);
            for (int step = 0; step < steps; step++)
            {
                float loss = net.TrainStep(inputs.AsSpan(step * batch * 784, batch * 784), labels.AsSpan(step * batch, batch));
                Assert.True(float.IsFinite(loss), $"loss {loss} at step {step}");
                opt.Step();
            }
            return net.Parameters.ToArray();
        }
        finally
        {
            Workers.Degree = saved;
        }
    }

    /// <summary>
    /// TrainStep writes the whole gradient whatever the buffer held (one tile and two): NaN left in Gradients must not
    /// survive, and the last layer's bias gradient equals its hand-written sum over the batch, (p - onehot) / batch.
    /// </summary>
    [Theory]
    [InlineData(100)]
    [InlineData(300)]
    public void TrainStepOverwritesWhateverTheGradientsHeld(int batch)
    {
        var (inputs, labels) = Data(batch, 8);
        var clean = new W2Net(seed: 2);
        clean.TrainStep(inputs, labels);
        float[] expected = clean.Gradients.ToArray();
        var dirty = new W2Net(seed: 2);
        dirty.Gradients.Fill(float.NaN);
        dirty.TrainStep(inputs, labels);
        GemmTests.AssertBits(expected, dirty.Gradients.ToArray(), $"gradients after a step over NaN, batch {batch}");
        // Bias of the softmax layer: sum over samples of (p - onehot) / batch, against the probabilities Forward gives.
        float[] p = new float[batch * 10];
        clean.Forward(inputs, p);
        int bias = W2Net.ParameterCount - 10;
        for (int k = 0; k < 10; k++)
        {
            double sum = 0;
            for (int s = 0; s < batch; s++) sum += (p[s * 10 + k] - (labels[s] == k ? 1 : 0)) / (double)batch;
            Assert.True(Math.Abs(sum - expected[bias + k]) < 1e-6, $"bias gradient {k}: {expected[bias + k]}, expected {sum}");
        }
    }

    [Theory]
    [InlineData(100, 6)] // one tile per step
    [InlineData(300, 2)] // two tiles per step (TileSize 256)
    public void W2TrainingIsBitIdenticalAtDegrees1And2(int batch, int steps)
    {
        static ITrainable<float> Create() => new W2Net(seed: 3);
        static Optimizer<float> Sgd(ITrainable<float> net) => new Sgd<float>(net, 0.05, momentum: 0.9);
        float[] one = Train(Create, Sgd, 1, batch, steps);
        float[] initial = new W2Net(seed: 3).Parameters.ToArray();
        Assert.NotEqual(initial, one); // it trained
        GemmTests.AssertBits(one, Train(Create, Sgd, 2, batch, steps), "W2 parameters at degree 2");
        GemmTests.AssertBits(one, Train(Create, Sgd, 3, batch, steps), "W2 parameters at degree 3");
    }

    [Fact]
    public void W3TrainingWithAdamIsBitIdenticalAtDegrees1And2()
    {
        static ITrainable<float> Create() => new W3Net(seed: 4);
        static Optimizer<float> Adam(ITrainable<float> net) => new Adam<float>(net, 1e-3);
        float[] one = Train(Create, Adam, 1, 200, 3);
        GemmTests.AssertBits(one, Train(Create, Adam, 2, 200, 3), "W3 parameters at degree 2");
    }

    /// <summary>Records, on whichever thread runs each part, that thread's allocated bytes; parts spin so that every thread joins.</summary>
    private struct Probe : IParallelPart
    {
        public int[] Threads;
        public long[] Bytes;

        public readonly void Execute(int part)
        {
            Threads[part] = Environment.CurrentManagedThreadId;
            Bytes[part] = GC.GetAllocatedBytesForCurrentThread();
            System.Threading.Thread.SpinWait(20_000);
        }
    }

    /// <summary>Allocated bytes of every thread that ran a part of a probe region (the probe itself allocates on none).</summary>
    private static System.Collections.Generic.Dictionary<int, long> ThreadBytes()
    {
        var probe = new Probe { Threads = new int[64], Bytes = new long[64] };
        var result = new System.Collections.Generic.Dictionary<int, long>();
        for (int attempt = 0; attempt < 20 && result.Count < 2; attempt++)
        {
            Workers.Run(ref probe, 64);
            for (int p = 0; p < 64; p++) result[probe.Threads[p]] = probe.Bytes[p];
        }
        return result;
    }

    [Fact]
    public void TrainingStepsAllocateNothingOnAnyThreadAtDegree2()
    {
        int saved = Workers.Degree;
        try
        {
            Workers.Degree = 2;
            var w2 = new W2Net(seed: 1);
            var sgd = new Sgd<float>(w2, 0.01, momentum: 0.9);
            var w3 = new W3Net(seed: 1);
            var adam = new Adam<float>(w3, 1e-3);
            var (inputs, labels) = Data(200, 9);
            float[] output = new float[10];
            void Step()
            {
                w2.TrainStep(inputs.AsSpan(0, 100 * 784), labels.AsSpan(0, 100));
                sgd.Step();
                w3.TrainStep(inputs, labels);
                adam.Step();
                w2.Forward(inputs.AsSpan(0, 784), output);
            }
            for (int i = 0; i < 60; i++) Step(); // JIT and tiering (methods are recompiled after 30 calls), worker threads started
            // Bytes allocated so far by each thread that runs parts: the caller and the pool's workers. (The whole
            // process's count, GC.GetTotalAllocatedBytes, also moves with the test host's own threads, about 100 bytes
            // a step here; outside a test host it stays at 0 across these steps.)
            var before = ThreadBytes();
            long caller = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) Step();
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - caller);
            var after = ThreadBytes();
            int workers = 0;
            foreach (var (thread, bytes) in before)
            {
                // The caller is checked above (its probes' dictionaries allocate on it).
                if (thread == Environment.CurrentManagedThreadId || !after.TryGetValue(thread, out long later)) continue;
                Assert.True(later == bytes, $"worker thread {thread} allocated {later - bytes} bytes in 10 steps");
                workers++;
            }
            Assert.True(workers > 0, "no worker thread took part in both probes");
        }
        finally
        {
            Workers.Degree = saved;
        }
    }
}
