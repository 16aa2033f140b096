using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Dsl.Runtime;

/// <summary>
/// One part of a parallel region: <see cref="Execute"/> is called exactly once for every part index
/// <c>0 .. parts-1</c>, by whichever thread claims it first.
/// </summary>
/// <remarks>
/// Results are bit-identical whatever the number of threads as long as every part writes its own outputs and computes
/// them in an order that depends only on the part index: never on the thread, never on what other parts did.
/// Kernels achieve that by splitting on outputs (rows or columns of a product, channels of a convolution) and keeping
/// every reduction inside one part.
/// </remarks>
public interface IParallelPart
{
    /// <summary>Computes part <paramref name="part"/>.</summary>
    void Execute(int part);
}

/// <summary>
/// The process-wide worker threads that kernels split their work across. The calling thread always takes part, so with
/// <see cref="Degree"/> = 1 everything runs on the caller and no thread is started.
/// </summary>
/// <remarks>
/// <para>A region (<see cref="Run{TJob}"/>) allocates nothing: the job is a struct on the caller's stack, passed to the
/// workers by address, and the caller returns only after every part has finished. Idle workers spin for a short while
/// (so the many small regions of a training step do not pay a wake-up each) and then sleep.</para>
/// <para>Regions do not nest: a region started while another one is running (from inside a part, or from a second
/// thread training another model) runs all its parts on its own thread. Results are the same either way.</para>
/// <para>The degree defaults to <see cref="Environment.ProcessorCount"/>, or to the environment variable
/// <c>DSL_THREADS</c> when it holds a positive integer.</para>
/// </remarks>
public static unsafe class Workers
{
    private static readonly object Gate = new();
    private static Worker[] _workers = [];
    private static int _degree = DefaultDegree();

    // The open region. Written by the caller before it publishes the region by setting _open to 1.
    private static delegate*<void*, int, void> _execute;
    private static void* _job;
    private static int _threads;    // threads the open region's parts are dealt to (one home range each)
    private static int[] _ranges = new int[Stride]; // sized for the degree: per home range, a cache line each: next part to claim, end
    private static int[] _active = _ranges;         // the open region's ranges (a Degree change may replace _ranges)
    private static int _remaining;  // parts not yet finished
    private static int _open;       // 1 while workers may join the region
    private static int _inside;     // workers currently inside a region
    private static int _busy;       // 1 while some thread owns the region slot
    private static long _generation;
    private static ExceptionDispatchInfo? _error; // the first exception a part threw

    /// <summary>Ints between two home ranges' counters in <see cref="_ranges"/>: one 64-byte cache line each.</summary>
    private const int Stride = 16;

    /// <summary>Ticks an idle worker spins before it sleeps (about 200 microseconds).</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000;

    /// <summary>
    /// Number of threads a region uses, the caller included (at least 1). Setting it starts or retires workers; results
    /// do not depend on it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A value below 1.</exception>
    public static int Degree
    {
        get => _degree;
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "Expected a degree of parallelism of at least 1.");
            lock (Gate)
            {
                _degree = value;
                EnsureWorkers(value - 1);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="job"/>'s parts <c>0 .. parts-1</c> on the caller and the workers and returns when all have
    /// finished. With one part, a degree of 1, or inside another region, the parts run in order on the caller.
    /// </summary>
    /// <remarks>If parts throw, the remaining parts still run and the first exception is rethrown on the caller.</remarks>
    public static void Run<TJob>(ref TJob job, int parts) where TJob : struct, IParallelPart
    {
        int degree = _degree; // read once: a Degree set meanwhile on another thread applies from the next region
        if (parts <= 1 || degree == 1 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int p = 0; p < parts; p++) job.Execute(p);
            return;
        }
        try
        {
            int[] ranges = _ranges;
            if (_workers.Length < degree - 1 || ranges.Length < degree * Stride)
            {
                lock (Gate) EnsureWorkers(degree - 1);
                ranges = _ranges;
            }
            _execute = &Execute<TJob>;
            _job = Unsafe.AsPointer(ref job);
            int threads = Math.Min(parts, degree);
            _threads = threads;
            _active = ranges;
            for (int t = 0; t < threads; t++)
            {
                ranges[t * Stride] = (int)((long)t * parts / threads);
                ranges[t * Stride + 1] = (int)((long)(t + 1) * parts / threads);
            }
            _remaining = parts;
            Volatile.Write(ref _open, 1);
            Interlocked.Increment(ref _generation);
            Worker[] workers = _workers;
            for (int i = 0; i < threads - 1 && i < workers.Length; i++) workers[i].Wake();
            Drain(0);
            Volatile.Write(ref _open, 0);
            SpinWait spin = default;
            while (Volatile.Read(ref _remaining) != 0 || Volatile.Read(ref _inside) != 0) spin.SpinOnce(-1);
            ExceptionDispatchInfo? error = _error;
            _error = null;
            error?.Throw();
        }
        finally
        {
            _execute = null;
            _job = null;
            Volatile.Write(ref _busy, 0);
        }
    }

    private static void Execute<TJob>(void* job, int part) where TJob : struct, IParallelPart =>
        Unsafe.AsRef<TJob>(job).Execute(part);

    /// <summary>
    /// Claims and runs parts of the open region until none is left: first the home range of thread
    /// <paramref name="self"/> (0 is the caller, worker <c>i</c> is <c>i + 1</c>), then whatever the other threads have not
    /// claimed yet. Part <c>p</c> of <c>P</c> is at home on thread <c>floor(p·T/P)</c> (T threads), so a kernel that
    /// splits the same data the same way in every call finds its part's data in the cache of the core that last touched
    /// it, while a thread that comes late (its core busy with another process) has its parts taken over by the others.
    /// </summary>
    private static void Drain(int self)
    {
        int threads = _threads;
        int[] ranges = _active;
        delegate*<void*, int, void> execute = _execute;
        void* job = _job;
        for (int k = 0; k < threads; k++)
        {
            int range = (self + k) % threads * Stride;
            int end = ranges[range + 1];
            while (true)
            {
                int part = Interlocked.Increment(ref ranges[range]) - 1;
                if (part >= end) break;
                try
                {
                    execute(job, part);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
                }
                Interlocked.Decrement(ref _remaining);
            }
        }
    }

    private static void EnsureWorkers(int count)
    {
        if (_ranges.Length < (count + 1) * Stride) _ranges = new int[(count + 1) * Stride];
        if (_workers.Length >= count) return;
        var workers = new Worker[count];
        Array.Copy(_workers, workers, _workers.Length);
        for (int i = _workers.Length; i < count; i++) workers[i] = new Worker(i);
        _workers = workers;
    }

    private static int DefaultDegree()
    {
        string? text = Environment.GetEnvironmentVariable("DSL_THREADS");
        return int.TryParse(text, out int n) && n > 0 ? n : Math.Max(1, Environment.ProcessorCount);
    }

    private sealed class Worker
    {
        private readonly int _index;
        private readonly SemaphoreSlim _signal = new(0);
        private int _sleeping;
        private long _seen;

        public Worker(int index)
        {
            _index = index;
            _seen = Volatile.Read(ref _generation);
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Dsl worker {index + 1}" };
            thread.Start();
        }

        /// <summary>Wakes the worker if it sleeps; a spinning worker sees the new generation by itself.</summary>
        public void Wake()
        {
            if (Interlocked.Exchange(ref _sleeping, 0) == 1) _signal.Release();
        }

        private void Loop()
        {
            while (true)
            {
                WaitForRegion();
                if (_index >= _degree - 1) continue; // retired by a smaller Degree
                Interlocked.Increment(ref _inside);
                if (Volatile.Read(ref _open) == 1) Drain(_index + 1);
                Interlocked.Decrement(ref _inside);
            }
        }

        private void WaitForRegion()
        {
            long started = Stopwatch.GetTimestamp();
            while (true)
            {
                for (int i = 0; i < 64; i++)
                {
                    long generation = Volatile.Read(ref _generation);
                    if (generation != _seen)
                    {
                        _seen = generation;
                        return;
                    }
                    Thread.SpinWait(8);
                }
                if (Stopwatch.GetTimestamp() - started < SpinTicks) continue;
                Volatile.Write(ref _sleeping, 1);
                long latest = Volatile.Read(ref _generation);
                if (latest != _seen && Interlocked.Exchange(ref _sleeping, 0) == 1)
                {
                    _seen = latest;
                    return;
                }
                _signal.Wait(); // a Wake took the flag and released (or will release) the semaphore
                started = Stopwatch.GetTimestamp();
            }
        }
    }
}
