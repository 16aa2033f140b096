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
