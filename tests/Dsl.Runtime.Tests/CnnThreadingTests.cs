using System;
using System.Threading;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Seed 000's convolutional network trained with 1, 2 and 3 worker threads: every parameter, every gradient and every
/// loss bit for bit the same (the contract: results do not depend on the thread count); and its hot path allocates nothing.
/// </summary>
[Collection(WorkersDegreeCollection.Name)]
public class CnnThreadingTests
{
    private const int Batch = SeedCnn.TileSize + 36; // two tiles, the second partial

    private static (float[] Inputs, int[] Labels) Data(int seed)
    {
        var random = new Random(seed);
        var inputs = new float[Batch * SeedCnn.InputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = random.NextSingle();
        var labels = new int[Batch];
        for (int s = 0; s < Batch; s++) labels[s] = random.Next(SeedCnn.OutputSize);
        return (inputs, labels);
    }

    private static (float[] Parameters, float[] Gradients, float[] Losses, float[] Outputs) Train(int degree)
    {
        int saved = Workers.Degree;
        try
        {
            Workers.Degree = degree;
            var net = new SeedCnn(3);
            var sgd = new Sgd<float>(net, learningRate: 0.05, momentum: 0.9, nesterov: true);
            var losses = new float[4];
            for (int step = 0; step < losses.Length; step++)
            {
                var (inputs, labels) = Data(step);
                losses[step] = net.TrainStep(inputs, labels);
                sgd.Step();
            }
            var outputs = new float[Batch * SeedCnn.OutputSize];
            net.Forward(Data(99).Inputs, outputs);
            return (net.Parameters.ToArray(), net.Gradients.ToArray(), losses, outputs);
        }
        finally
        {
            Workers.Degree = saved;
        }
    }

    [Fact]
    public void TrainingIsBitIdenticalAtOneTwoAndThreeThreads()
    {
        var one = Train(1);
        Assert.All(one.Losses, loss => Assert.True(float.IsFinite(loss)));
        Assert.NotEqual(new SeedCnn(3).Parameters.ToArray(), one.Parameters); // the steps did change the weights
        foreach (int degree in new[] { 2, 3 })
        {
            var other = Train(degree);
            Assert.Equal(one.Losses, other.Losses);
            for (int i = 0; i < one.Parameters.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(one.Parameters[i]) == BitConverter.SingleToInt32Bits(other.Parameters[i]),
                    $"degree {degree}: parameter {i} is {other.Parameters[i]:R}, at one thread {one.Parameters[i]:R}");
            Assert.Equal(one.Gradients, other.Gradients);
            Assert.Equal(one.Outputs, other.Outputs);
        }
    }

    [Fact]
    public void HotPathAllocatesNothing()
    {
        int saved = Workers.Degree;
        try
        {
            Workers.Degree = 2;
            var net = new SeedCnn(1);
            var sgd = new Sgd<float>(net, learningRate: 0.05, momentum: 0.9, nesterov: true);
            var (inputs, labels) = Data(5);
            var outputs = new float[Batch * SeedCnn.OutputSize];
            // Past the tiered JIT's promotions first (30 calls and a pause), which may allocate on the calling thread.
            for (int i = 0; i < 60; i++)
            {
                net.Forward(inputs, outputs);
                net.TrainStep(inputs, labels);
                sgd.Step();
            }
            Thread.Sleep(200);
            Assert.Equal(0, AllocationTests.Allocated(() => net.Forward(inputs, outputs)));
            Assert.Equal(0, AllocationTests.Allocated(() => { net.TrainStep(inputs, labels); sgd.Step(); }));
        }
        finally
        {
            Workers.Degree = saved;
        }
    }
}
