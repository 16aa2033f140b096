using System;
using System.Runtime.Intrinsics.X86;

namespace Dsl.Runtime;

/// <summary>Copies chosen rows of a row-major matrix into consecutive rows: the kernel of <see cref="Dataset.GatherInputs"/>.</summary>
internal static unsafe class RowGather
{
    /// <summary>Batches of fewer values than this are copied on the calling thread.</summary>
    private const int ParallelThreshold = 16 * 1024;

    /// <summary>Rows a thread prefetches ahead of the one it copies (measured: 1 to 8 all gain the same, 0 is 20% slower).</summary>
    private const int Ahead = 2;

    /// <summary>
    /// <c>destination[j, :] = source[rows[j], :]</c> for every <c>j</c>; the indices must already be checked.
    /// </summary>
    public static void Copy(float[] source, int rowLength, ReadOnlySpan<int> rows, Span<float> destination)
    {
        if (rows.Length == 0) return;
        fixed (float* src = source, dst = destination)
        fixed (int* index = rows)
        {
            var job = new Job { Source = src, Destination = dst, Rows = index, RowLength = rowLength, Count = rows.Length };
            long values = (long)rows.Length * rowLength;
            job.Parts = values < ParallelThreshold || Workers.Degree == 1 ? 1 : Math.Min(rows.Length, 2 * Workers.Degree);
            Workers.Run(ref job, job.Parts);
        }
    }

    private struct Job : IParallelPart
    {
        public float* Source, Destination;
        public int* Rows;
        public int RowLength, Count, Parts;

        public readonly void Execute(int part)
        {
            int first = (int)((long)part * Count / Parts), end = (int)((long)(part + 1) * Count / Parts);
            long bytes = (long)RowLength * sizeof(float);
            for (int j = first; j < Math.Min(end, first + Ahead); j++) Prefetch(Source + (long)Rows[j] * RowLength, bytes);
            for (int j = first; j < end; j++)
            {
                if (j + Ahead < end) Prefetch(Source + (long)Rows[j + Ahead] * RowLength, bytes);
                Buffer.MemoryCopy(Source + (long)Rows[j] * RowLength, Destination + (long)j * RowLength, bytes, bytes);
            }
        }

        private static void Prefetch(float* row, long bytes)
        {
            if (!Sse.IsSupported) return;
            byte* p = (byte*)row;
            for (long offset = 0; offset < bytes; offset += 64) Sse.Prefetch0(p + offset);
        }
    }
}
