using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace Dsl.Runtime.Data;

/// <summary>
/// The <see cref="InvalidDataException"/> thrown for an IDX file (or a pair of them) that cannot be used: wrong magic
/// number, fewer or more bytes than the header promises, corrupt gzip data, or image and label files with different
/// counts. The message is <c>"{problem}: {file}: expected {expected}, found {found}."</c>; the three parts are also in
/// <see cref="Exception.Data"/> under <see cref="FileKey"/>, <see cref="ExpectedKey"/> and <see cref="FoundKey"/>.
/// </summary>
public static class IdxError
{
    /// <summary><see cref="Exception.Data"/> key of the file at fault (for a count mismatch, the label file; the message names both).</summary>
    public const string FileKey = "IdxFile";

    /// <summary><see cref="Exception.Data"/> key of what the reader expected, in words.</summary>
    public const string ExpectedKey = "IdxExpected";

    /// <summary><see cref="Exception.Data"/> key of what the file holds, in words.</summary>
    public const string FoundKey = "IdxFound";

    internal static InvalidDataException Create(string problem, string filePath, string expected, string found, Exception? inner = null)
    {
        var e = new InvalidDataException($"{problem}: {filePath}: expected {expected}, found {found}.", inner);
        e.Data[FileKey] = filePath;
        e.Data[ExpectedKey] = expected;
        e.Data[FoundKey] = found;
        return e;
    }
}

/// <summary>The images of an IDX image file: <paramref name="Count"/> images of <paramref name="Rows"/> x <paramref name="Cols"/> bytes.</summary>
/// <param name="Pixels">Row-major pixels <c>[Count, Rows, Cols]</c>, as stored (0 to 255).</param>
/// <param name="Count">Number of images.</param>
/// <param name="Rows">Rows per image.</param>
/// <param name="Cols">Columns per image.</param>
public sealed record IdxImages(byte[] Pixels, int Count, int Rows, int Cols);

/// <summary>
/// Reads the IDX files of MNIST and Fashion-MNIST (<see href="http://yann.lecun.com/exdb/mnist/"/>): a big-endian header,
/// magic number <c>0x00000803</c> then count, rows, cols for images, <c>0x00000801</c> then count for labels, followed by
/// one unsigned byte per pixel or label. A file is read raw or gzip-compressed; gzip is recognised by its first two
/// bytes (<c>0x1f 0x8b</c>), not by the file name. Every file is checked whole: the magic number, and that it holds
/// exactly the bytes its header promises; any problem throws <see cref="InvalidDataException"/> (see <see cref="IdxError"/>).
/// </summary>
public static class Idx
{
    /// <summary>Magic number of an image file: unsigned bytes (0x08), 3 dimensions.</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of a label file: unsigned bytes (0x08), 1 dimension.</summary>
    public const int LabelsMagic = 0x00000801;

    private const int ChunkSize = 1 << 20;

    /// <summary>Reads an image file (magic <c>0x00000803</c>), raw or gzip.</summary>
    /// <exception cref="InvalidDataException">Wrong magic number, truncated or over-long file, corrupt gzip data.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IdxImages ReadImages(string path)
    {
        var (shape, data) = Read(path, ImagesMagic, "images");
        return new IdxImages(data, shape[0], shape[1], shape[2]);
    }

    /// <summary>Reads a label file (magic <c>0x00000801</c>), raw or gzip: one byte per sample. Values are not checked
    /// against a number of classes.</summary>
    /// <exception cref="InvalidDataException">Wrong magic number, truncated or over-long file, corrupt gzip data.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static byte[] ReadLabels(string path) => Read(path, LabelsMagic, "labels").Data;

    /// <summary>Reads only the header of an image or label file and returns its dimensions (count first).</summary>
    internal static int[] ReadShape(string path, int magic)
    {
        using FileStream file = File.OpenRead(path);
        using Stream stream = Open(file, out bool gzip);
        return ReadHeader(stream, path, magic, gzip, magic == ImagesMagic ? "images" : "labels");
    }

    private static (int[] Shape, byte[] Data) Read(string path, int magic, string kind)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream file = File.OpenRead(path);
        using Stream stream = Open(file, out bool gzip);
        int[] shape = ReadHeader(stream, path, magic, gzip, kind);
        int headerBytes = 4 + 4 * shape.Length;
        Int128 product = 1; // three dimensions below 2^31 cannot overflow it
        foreach (int d in shape) product *= d;
        string promise = $"{product} bytes of {kind} data ({Shape(shape)}) after the {headerBytes}-byte header";
        if (product > Array.MaxLength)
            throw IdxError.Create("IDX file too large", path, $"at most {Array.MaxLength} data bytes", $"a header promising {promise}");
        long size = (long)product;

        // Grow the buffer as data arrives, so a corrupt header promising gigabytes fails on the missing data,
        // not on the allocation.
        long available = gzip ? ChunkSize : Math.Max(0, file.Length - headerBytes);
        var data = new byte[(int)Math.Min(size, Math.Max(available, 1))];
        int filled = 0;
        while (filled < size)
        {
            if (filled == data.Length) Array.Resize(ref data, (int)Math.Min(size, 2L * data.Length));
            int n = ReadSome(stream, data.AsSpan(filled), path, gzip);
            if (n == 0) break;
            filled += n;
        }
        string unpacked = gzip ? " (after gzip decompression)" : "";
        if (filled < size)
            throw IdxError.Create("Truncated IDX file", path, promise, $"only {filled} data bytes{unpacked}");

        long extra = 0;
        Span<byte> scratch = stackalloc byte[4096];
        for (int n; (n = ReadSome(stream, scratch, path, gzip)) > 0;) extra += n;
        if (extra > 0)
            throw IdxError.Create("IDX file longer than its header says", path, $"the file to end after {promise}", $"{extra} more bytes{unpacked}");
        return (shape, data);
    }

    private static Stream Open(FileStream file, out bool gzip)
    {
        Span<byte> magic = stackalloc byte[2];
        int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        gzip = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        return gzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : file;
    }

    private static int[] ReadHeader(Stream stream, string path, int magic, bool gzip, string kind)
    {
        int dims = magic & 0xff;
        Span<byte> header = stackalloc byte[4 + 4 * dims];
        int n = ReadFully(stream, header, path, gzip);
        string unpacked = gzip ? " (after gzip decompression)" : "";
        if (n < 4)
            throw IdxError.Create("Truncated IDX file", path, $"an IDX {kind} header of {header.Length} bytes starting with magic number 0x{magic:x8}", $"only {n} bytes{unpacked}");
        int found = BinaryPrimitives.ReadInt32BigEndian(header);
        if (found != magic)
            throw IdxError.Create("Wrong magic number", path, $"0x{magic:x8} ({DescribeMagic(magic)})", $"0x{found:x8} ({DescribeMagic(found)})");
        if (n < header.Length)
            throw IdxError.Create("Truncated IDX file", path, $"an IDX {kind} header of {header.Length} bytes (magic number and {dims} big-endian dimensions)", $"only {n} bytes{unpacked}");
        var shape = new int[dims];
        for (int i = 0; i < dims; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(header[(4 + 4 * i)..]);
            if (shape[i] < 0)
                throw IdxError.Create("Impossible IDX dimension", path, $"dimension {i} to be at most {int.MaxValue}", $"{(uint)shape[i]}");
        }
        return shape;
    }

    private static int ReadFully(Stream stream, Span<byte> buffer, string path, bool gzip)
    {
        int filled = 0;
        for (int n; filled < buffer.Length && (n = ReadSome(stream, buffer[filled..], path, gzip)) > 0;) filled += n;
        return filled;
    }

    /// <summary>One read; an <see cref="InvalidDataException"/> of the gzip decoder is replaced by one naming the file.</summary>
    private static int ReadSome(Stream stream, Span<byte> buffer, string path, bool gzip)
    {
        try
        {
            return stream.Read(buffer);
        }
        catch (InvalidDataException e) when (gzip)
        {
            throw IdxError.Create("Corrupt gzip data", path, "a valid gzip stream (the file starts with the gzip magic 0x1f 0x8b)",
                $"data the gzip decoder rejects ({e.Message.TrimEnd('.')})", e);
        }
    }

    private static string Shape(int[] shape) => shape.Length == 3
        ? $"{shape[0]} images of {shape[1]} x {shape[2]}"
        : $"{shape[0]} labels";

    private static string DescribeMagic(int magic)
    {
        if ((magic & unchecked((int)0xffff0000)) != 0)
        {
            return (magic >>> 16) == 0x1f8b
                ? "gzip magic bytes inside the decompressed data: compressed twice?"
                : "not an IDX header, whose first two bytes are zero";
        }
        string type = ((magic >> 8) & 0xff) switch
        {
            0x08 => "unsigned bytes",
            0x09 => "signed bytes",
            0x0b => "16-bit integers",
            0x0c => "32-bit integers",
            0x0d => "32-bit floats",
            0x0e => "64-bit floats",
            int other => $"unknown element type 0x{other:x2}",
        };
        int dims = magic & 0xff;
        string known = magic switch { ImagesMagic => ": an image file", LabelsMagic => ": a label file", _ => "" };
        return $"IDX {type}, {dims} dimension{(dims == 1 ? "" : "s")}{known}";
    }
}
