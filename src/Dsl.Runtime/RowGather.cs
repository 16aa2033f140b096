using System;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dsl.Runtime;

/// <summary>
/// Copies chosen rows of a row-major matrix into consecutive rows: the kernel of <see cref="Dataset.GatherInputs"/>,
/// for a matrix of floats or of bytes (each divided by a divisor on the way).
/// </summary>
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
        fixed (float* src = source) Run(src, sizeof(float), 0f, rowLength, rows, destination);
    }

    /// <summary>
    /// <c>destination[j, :] = source[rows[j], :] / divisor</c> for every <c>j</c>, in float; the indices must already be
    /// checked. A batch of bytes is a quarter of the memory traffic of floats (W2's 100 rows of 784: 78 KB instead of
    /// 313 KB), and the division is exact IEEE division, so the values equal those of a float set made by dividing.
    /// </summary>
    public static void Copy(byte[] source, float divisor, int rowLength, ReadOnlySpan<int> rows, Span<float> destination)
    {
        fixed (byte* src = source) Run(src, 1, divisor, rowLength, rows, destination);
    }

    /// <summary>The gather of either kind: rows of <paramref name="size"/>-byte values, divided when <paramref name="divisor"/> is not 0 (bytes).</summary>
    private static void Run(void* source, int size, float divisor, int rowLength, ReadOnlySpan<int> rows, Span<float> destination)
    {
        if (rows.Length == 0) return;
        fixed (float* dst = destination)
        fixed (int* index = rows)
        {
            var job = new Job { Source = (byte*)source, Destination = dst, Rows = index, RowBytes = (long)rowLength * size, RowLength = rowLength, Count = rows.Length, Divisor = divisor };
            long values = (long)rows.Length * rowLength;
            job.Parts = values < ParallelThreshold || Workers.Degree == 1 ? 1 : Math.Min(rows.Length, 2 * Workers.Degree);
            Workers.Run(ref job, job.Parts);
        }
    }

    /// <summary><c>destination[i] = source[i] / divisor</c> in float for every <c>i</c> of <paramref name="source"/>.</summary>
    public static void Convert(ReadOnlySpan<byte> source, float divisor, Span<float> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"destination needs {source.Length} values, but has {destination.Length}.", nameof(destination));
        fixed (byte* src = source)
        fixed (float* dst = destination)
            Convert(src, dst, source.Length, divisor);
    }

    /// <summary>
    /// <c>dst[i] = src[i] / divisor</c> for <c>i &lt; n</c>: 16 (AVX-512) or 8 (AVX2) bytes widened to ints, converted
    /// exactly to floats and divided per vector, the rest one by one; every path rounds the same single division.
    /// </summary>
    private static void Convert(byte* src, float* dst, int n, float divisor)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            Vector512<float> d = Vector512.Create(divisor);
            for (; i + 16 <= n; i += 16)
                (Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(src + i))) / d).Store(dst + i);
        }
        else if (Avx2.IsSupported)
        {
            Vector256<float> d = Vector256.Create(divisor);
            for (; i + 8 <= n; i += 8)
                (Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(src + i)) / d).Store(dst + i);
        }
        for (; i < n; i++) dst[i] = src[i] / divisor;
    }

    private struct Job : IParallelPart
    {
        public byte* Source;
        public float* Destination;
        public int* Rows;
        public long RowBytes;
        public int RowLength, Count, Parts;
        public float Divisor; // 0: the source holds floats, copied as they are

        public readonly void Execute(int part)
        {
            int first = (int)((long)part * Count / Parts), end = (int)((long)(part + 1) * Count / Parts);
            for (int j = first; j < Math.Min(end, first + Ahead); j++) Prefetch(Source + Rows[j] * RowBytes, RowBytes);
            for (int j = first; j < end; j++)
            {
                if (j + Ahead < end) Prefetch(Source + Rows[j + Ahead] * RowBytes, RowBytes);
                byte* row = Source + Rows[j] * RowBytes;
                float* target = Destination + (long)j * RowLength;
                if (Divisor == 0) Buffer.MemoryCopy(row, target, RowBytes, RowBytes);
                else Convert(row, target, RowLength, Divisor);
            }
        }
    }

    /// <summary>Asks for the <paramref name="bytes"/> from <paramref name="row"/> to be brought into the cache.</summary>
    private static void Prefetch(void* row, long bytes)
    {
        if (!Sse.IsSupported) return;
        byte* p = (byte*)row;
        for (long offset = 0; offset < bytes; offset += 64) Sse.Prefetch0(p + offset);
    }
}
