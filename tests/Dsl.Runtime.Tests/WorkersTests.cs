using System.Linq;
using System;
using System.Threading;
using Dsl.Runtime;
using Xunit;

namespace Dsl.Runtime.Tests;

// Alone: the generated models now run their convolutions on Workers, and a region another test holds makes this test's
// outer region run inline, so its inner regions would no longer be nested (the results would be the same, the threads not).
[Collection(WorkersDegreeCollection.Name)]
public class WorkersTests
{
    private struct CountParts : IParallelPart
    {
        public int[] Hits;
        public int[] Threads;

        public readonly void Execute(int part)
        {
            Interlocked.Increment(ref Hits[part]);
            Threads[part] = Environment.CurrentManagedThreadId;
        }
    }

    private struct NestedParts : IParallelPart
    {
        public int[] Hits;

        public readonly void Execute(int part)
        {
            var inner = new CountParts { Hits = new int[4], Threads = new int[4] };
            Workers.Run(ref inner, 4);
            int caller = Environment.CurrentManagedThreadId;
            foreach (int t in inner.Threads) Assert.Equal(caller, t); // nested regions run on the part's own thread
            Interlocked.Add(ref Hits[part], inner.Hits[0] + inner.Hits[1] + inner.Hits[2] + inner.Hits[3]);
        }
    }

    private struct ThrowingParts : IParallelPart
    {
        public int[] Hits;

        public readonly void Execute(int part)
        {
            Interlocked.Increment(ref Hits[part]);
            if (part == 3) throw new InvalidOperationException("part 3 failed");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void EveryPartRunsExactlyOnceAtAnyDegree(int degree)
    {
        int saved = Workers.Degree;
        try
        {
            Workers.Degree = degree;
            for (int round = 0; round < 2000; round++)
            {
                int parts = 1 + round % 37;
                var job = new CountParts { Hits = new int[parts], Threads = new int[parts] };
                Workers.Run(ref job, parts);
                Assert.All(job.Hits, h => Assert.Equal(1, h));
            }
        }
        finally
        {
            Workers.Degree = saved;
        }
    }

    private struct SlowParts : IParallelPart
    {
        public int[] Threads;

        public readonly void Execute(int part)
        {
            Threads[part] = Environment.CurrentManagedThreadId;
            Thread.Sleep(40);
        }
    }

    [Fact]
    public void EachThreadStartsWithItsOwnHomeRange()
    {
        // 2 threads, 6 parts: parts 0-2 are at home on the caller, 3-5 on the worker. Each starts with its own first
        // part; a thread takes another's part only when its own are done (120 ms here), so the first parts are fixed.
        int saved = Workers.Degree;
        try
        {
            Workers.Degree = 2;
            var job = new SlowParts { Threads = new int[6] };
            Workers.Run(ref job, 6);
            int caller = Environment.CurrentManagedThreadId;
            Assert.Equal(caller, job.Threads[0]);
            Assert.NotEqual(caller, job.Threads[3]);
            Assert.NotEqual(0, job.Threads[5]);
        }
        finally
        {
            Workers.Degree = saved;
        }
    }

    [Fact]
    public void NestedRegionsRunInlineAndExceptionsReachTheCaller()
    {
        int saved = Workers.Degree;
        try
        {
            Workers.Degree = 2;
            var nested = new NestedParts { Hits = new int[8] };
            Workers.Run(ref nested, 8);
            Assert.All(nested.Hits, h => Assert.Equal(4, h));

            var throwing = new ThrowingParts { Hits = new int[6] };
            var error = Assert.Throws<InvalidOperationException>(() => Workers.Run(ref throwing, 6));
            Assert.Equal("part 3 failed", error.Message);
            Assert.All(throwing.Hits, h => Assert.Equal(1, h));

            // The pool is usable again after a failed region.
            var job = new CountParts { Hits = new int[5], Threads = new int[5] };
            Workers.Run(ref job, 5);
            Assert.All(job.Hits, h => Assert.Equal(1, h));
        }
        finally
        {
            Workers.Degree = saved;
        }
    }

    [Fact]
    public void DegreeBelowOneIsRejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Workers.Degree = 0);
        Assert.Contains("at least 1", error.Message);
    }
}

/// <summary>Tests that set <see cref="Workers.Degree"/> run alone, so no other test changes it under them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class WorkersDegreeCollection
{
    public const string Name = "Workers.Degree";
}

/// <summary>
/// The balanced cut (<see cref="Workers.Split"/>): one contiguous part per thread, sized by the threads' measured
/// speeds, and the measurement that moves the estimate.
/// </summary>
[Collection(WorkersDegreeCollection.Name)]
public class WorkersBalanceTests
{
    [Fact]
    public void SplitCutsInProportionToTheSpeeds()
    {
        int saved = Workers.Degree;
        try
        {
            Workers.Degree = 3;
            Workers.SetSpeeds(1, 3, 0.5);
            // 100 units over speeds 1 : 3 : 0.5 (total 4.5): 22.2, 66.7, 11.1 -> cuts at 22 and 89.
            Assert.Equal(new[] { 0, 22, 89, 100 }, new[] { 0, 1, 2, 3 }.Select(p => Workers.Split(p, 3, 100)).ToArray());
            // Two parts use the first two threads' speeds: 1 : 3.
            Assert.Equal(new[] { 0, 8, 32 }, new[] { 0, 1, 2 }.Select(p => Workers.Split(p, 2, 32)).ToArray());
            var cuts = new Cuts(3, 100);
            Assert.Equal(new[] { 0, 22, 89, 100 }, new[] { 0, 1, 2, 3 }.Select(p => cuts[p]).ToArray());
            // More parts than threads, or balancing off: even.
            Assert.Equal(new[] { 0, 25, 50, 75, 100 }, new[] { 0, 1, 2, 3, 4 }.Select(p => Workers.Split(p, 4, 100)).ToArray());
            Workers.Balance = false;
            Assert.Equal(new[] { 0, 33, 66, 100 }, new[] { 0, 1, 2, 3 }.Select(p => Workers.Split(p, 3, 100)).ToArray());
        }
        finally
        {
            Workers.Balance = true;
            Workers.SetSpeeds(1, 1, 1);
            Workers.Degree = saved;
        }
    }

    private struct MeteredParts : IParallelPart
    {
        public int Caller;
        public int[] ByWorker;

        // The caller reports 100 units in 1000 ticks, the worker 100 units in 500: the worker is twice as fast.
        public readonly void Execute(int part)
        {
            bool onCaller = Environment.CurrentManagedThreadId == Caller;
            if (!onCaller) Interlocked.Increment(ref ByWorker[0]);
            // Long enough (20 us) for the worker to join before the caller has run both parts.
            long end = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency / 50_000;
            while (System.Diagnostics.Stopwatch.GetTimestamp() < end) Thread.SpinWait(10);
            Workers.Meter(100, onCaller ? 1000 : 500);
        }
    }

    [Fact]
    public void MeteredPartsMoveTheSpeedEstimateTowardTheMeasuredRatio()
    {
        int saved = Workers.Degree;
        try
        {
            Workers.Degree = 2;
            Workers.SetSpeeds(1, 1);
            var job = new MeteredParts { Caller = Environment.CurrentManagedThreadId, ByWorker = new int[1] };
            for (int region = 0; region < 2000 && job.ByWorker[0] < 200; region++) Workers.Run(ref job, 2);
            Assert.True(job.ByWorker[0] >= 40, $"the worker ran only {job.ByWorker[0]} parts");
            double[] speeds = Workers.Speeds;
            Assert.Equal(1.0, speeds[0]);
            Assert.InRange(speeds[1], 1.999, 2.0); // a moving average: 1 + (2 - 1)(1 - 0.8^k) after k regions
            // Parts run on one thread (one part, or degree 1) are not measured.
            Workers.SetSpeeds(1, 1);
            Workers.Run(ref job, 1);
            Workers.Degree = 1;
            Workers.Run(ref job, 2);
            Assert.Equal(1.0, Workers.Speeds[1]);
        }
        finally
        {
            Workers.SetSpeeds(1, 1, 1);
            Workers.Degree = saved;
        }
    }
}
