using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Dsl.Runtime.Data;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>The IDX reader, MNIST-format loading and Fashion-MNIST location, on the shipped subset in data/fashion-mnist-subset.</summary>
public sealed class IdxTests : IDisposable
{
    private static readonly string Root = FindRoot();
    private static readonly string Subset = Path.Combine(Root, "data", "fashion-mnist-subset");
    private readonly string _temp = Directory.CreateTempSubdirectory("dsl-idx-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Dsl.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("Dsl.sln not found above " + AppContext.BaseDirectory);
    }

    private static string SubsetFile(string name) => Path.Combine(Subset, name + ".gz");

    private static byte[] Gunzip(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gz.CopyTo(memory);
        return memory.ToArray();
    }

    private static byte[] Gzip(byte[] raw)
    {
        using var memory = new MemoryStream();
        using (var gz = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        return memory.ToArray();
    }

    /// <summary>Writes the four subset files, raw, into a new folder under the temporary directory.</summary>
    private string RawCopy(string folder)
    {
        string dir = Directory.CreateDirectory(Path.Combine(_temp, folder)).FullName;
        foreach (string gz in Directory.GetFiles(Subset, "*.gz"))
            File.WriteAllBytes(Path.Combine(dir, Path.GetFileNameWithoutExtension(gz)), Gunzip(gz));
        return dir;
    }

    /// <summary>Checks the exception names the file, what was expected and what was found.</summary>
    private static void AssertNames(InvalidDataException e, string path, string expected, string found)
    {
        Assert.Contains(path, e.Message);
        Assert.Contains("expected " + expected, e.Message);
        Assert.Contains("found " + found, e.Message);
        Assert.Equal(path, e.Data[IdxError.FileKey]);
        Assert.Contains(expected, (string)e.Data[IdxError.ExpectedKey]!);
        Assert.Contains(found, (string)e.Data[IdxError.FoundKey]!);
    }

    [Fact]
    public void ShippedSubsetHasTheExpectedShapeCountsAndLabels()
    {
        Dataset train = MnistFormat.Load(Subset, "train");
        Dataset test = MnistFormat.Load(Subset, "t10k");
        Assert.Equal((5000, 784, 5000 * 784), (train.Count, train.Features, train.Inputs.Length));
        Assert.Equal((255f, 5000 * 784), (train.Divisor, train.ByteInputs!.Length)); // the pixels are kept as bytes
        Assert.Equal((1000, 784, 1000 * 784), (test.Count, test.Features, test.Inputs.Length));
        Assert.All(new[] { train, test }, d => Assert.True(d.Inputs.All(v => v is >= 0f and <= 1f)));
        Assert.Equal(1f, train.Inputs.Max());

        // Fashion-MNIST's first labels and per-class counts of the first 5000 / 1000, read with Python from the
        // files of Debian's dataset-fashion-mnist.
        Assert.Equal(new[] { 9, 0, 0, 3, 0, 2, 7, 2, 5, 5 }, train.Labels.Take(10));
        Assert.Equal(new[] { 9, 2, 1, 1, 6, 1, 4, 6, 5, 7 }, test.Labels.Take(10));
        int[] Histogram(Dataset d) => Enumerable.Range(0, 10).Select(c => d.Labels.Count(l => l == c)).ToArray();
        Assert.Equal(new[] { 457, 556, 504, 501, 488, 493, 493, 512, 490, 506 }, Histogram(train));
        Assert.Equal(new[] { 107, 105, 111, 93, 115, 87, 97, 95, 95, 95 }, Histogram(test));
        Assert.Equal(5000, Histogram(train).Sum());
        Assert.Equal(1000, Histogram(test).Sum());
    }

    [Fact]
    public void ImagesAreReadRowMajorWithExactPixelValues()
    {
        IdxImages images = Idx.ReadImages(SubsetFile("train-images-idx3-ubyte"));
        Assert.Equal((5000, 28, 28, 5000 * 784), (images.Count, images.Rows, images.Cols, images.Pixels.Length));
        // Row 5 of the first image (an ankle boot), its pixel sum, and the sum of all 3.92 million bytes (from Python).
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 102, 204, 176, 134, 144, 123, 23, 0, 0, 0, 0, 12, 10, 0 },
            images.Pixels.AsSpan(5 * 28, 28).ToArray());
        Assert.Equal(76247, images.Pixels.Take(784).Sum(b => b));
        Assert.Equal(286031984L, images.Pixels.Sum(b => (long)b));
        Assert.Equal(58034149L, Idx.ReadImages(SubsetFile("t10k-images-idx3-ubyte")).Pixels.Sum(b => (long)b));

        Dataset train = MnistFormat.Load(Subset, "train");
        Assert.Equal(102 / 255f, train.Inputs[5 * 28 + 14]);
        Assert.Equal(76247 / 255.0, train.Inputs.Take(784).Sum(v => (double)v), 3);
        Assert.Equal(FashionMnist.ClassNames[9], FashionMnist.ClassNames[train.Labels[0]]);
    }

    [Fact]
    public void RawAndGzipFilesReadTheSame_CompressionIsRecognisedByContent()
    {
        string raw = RawCopy("raw");
        Assert.Equal(Idx.ReadImages(SubsetFile("t10k-images-idx3-ubyte")).Pixels, Idx.ReadImages(Path.Combine(raw, "t10k-images-idx3-ubyte")).Pixels);
        Assert.Equal(Idx.ReadLabels(SubsetFile("train-labels-idx1-ubyte")), Idx.ReadLabels(Path.Combine(raw, "train-labels-idx1-ubyte")));
        foreach (string prefix in new[] { "train", "t10k" })
        {
            Dataset fromGzip = MnistFormat.Load(Subset, prefix), fromRaw = MnistFormat.Load(raw, prefix);
            Assert.Equal(fromGzip.Inputs, fromRaw.Inputs);
            Assert.Equal(fromGzip.Labels, fromRaw.Labels);
        }

        // A raw file named .gz and a gzip file without .gz are read by what they hold.
        string swapped = Directory.CreateDirectory(Path.Combine(_temp, "swapped")).FullName;
        File.Copy(Path.Combine(raw, "t10k-images-idx3-ubyte"), Path.Combine(swapped, "t10k-images-idx3-ubyte.gz"));
        File.Copy(SubsetFile("t10k-labels-idx1-ubyte"), Path.Combine(swapped, "t10k-labels-idx1-ubyte"));
        Dataset mixed = MnistFormat.Load(swapped, "t10k");
        Assert.Equal(MnistFormat.Load(Subset, "t10k").Inputs, mixed.Inputs);
        Assert.Equal(new[] { 9, 2, 1, 1, 6, 1, 4, 6, 5, 7 }, mixed.Labels.Take(10));
    }

    [Fact]
    public void LimitKeepsTheFirstSamples()
    {
        Dataset all = MnistFormat.Load(Subset, "t10k");
        Dataset first = MnistFormat.Load(Subset, "t10k", limit: 100);
        Assert.Equal(100, first.Count);
        Assert.Equal(all.Inputs.AsSpan(0, 100 * 784).ToArray(), first.Inputs);
        Assert.Equal(all.Labels.Take(100), first.Labels);
        Assert.Equal(1000, MnistFormat.Load(Subset, "t10k", limit: 5000).Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => MnistFormat.Load(Subset, "t10k", limit: 0));
    }

    [Fact]
    public void WrongMagicNumberNamesExpectedAndFound()
    {
        // A label file where images are expected, and the other way round.
        string labels = SubsetFile("t10k-labels-idx1-ubyte"), images = SubsetFile("t10k-images-idx3-ubyte");
        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(labels));
        Assert.StartsWith("Wrong magic number", e.Message);
        AssertNames(e, labels, "0x00000803 (IDX unsigned bytes, 3 dimensions: an image file)", "0x00000801 (IDX unsigned bytes, 1 dimension: a label file)");
        e = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(images));
        AssertNames(e, images, "0x00000801", "0x00000803");

        // Not IDX at all.
        string text = Path.Combine(_temp, "notes.txt");
        File.WriteAllText(text, "hello, world");
        e = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(text));
        AssertNames(e, text, "0x00000801", "0x68656c6c (not an IDX header");

        // Swapped files in a folder: the loader reports the same.
        string dir = Directory.CreateDirectory(Path.Combine(_temp, "swapped")).FullName;
        File.Copy(labels, Path.Combine(dir, "t10k-images-idx3-ubyte.gz"));
        File.Copy(images, Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"));
        e = Assert.Throws<InvalidDataException>(() => MnistFormat.Load(dir, "t10k"));
        AssertNames(e, Path.Combine(dir, "t10k-images-idx3-ubyte.gz"), "0x00000803", "0x00000801");
    }

    [Fact]
    public void TruncatedFilesNameTheBytesPromisedAndFound()
    {
        byte[] images = Gunzip(SubsetFile("t10k-images-idx3-ubyte"));
        string cut = Path.Combine(_temp, "cut-images");
        File.WriteAllBytes(cut, images.AsSpan(0, 16 + 999 * 784 + 100).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(cut));
        Assert.StartsWith("Truncated IDX file", e.Message);
        AssertNames(e, cut, "784000 bytes of images data (1000 images of 28 x 28) after the 16-byte header", $"only {999 * 784 + 100} data bytes");

        // The same cut inside a valid gzip stream.
        string cutGz = Path.Combine(_temp, "cut-images.gz");
        File.WriteAllBytes(cutGz, Gzip(images.AsSpan(0, 16 + 999 * 784 + 100).ToArray()));
        e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(cutGz));
        AssertNames(e, cutGz, "784000 bytes of images data", $"only {999 * 784 + 100} data bytes (after gzip decompression)");

        // A gzip file cut in the middle of its compressed stream: whatever the decoder notices first, the file is named.
        byte[] gz = File.ReadAllBytes(SubsetFile("t10k-images-idx3-ubyte"));
        string cutStream = Path.Combine(_temp, "cut-stream.gz");
        File.WriteAllBytes(cutStream, gz.AsSpan(0, gz.Length / 2).ToArray());
        e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(cutStream));
        Assert.Contains(cutStream, e.Message);
        Assert.Contains("expected ", e.Message);
        Assert.Contains("found ", e.Message);

        // Damaged compressed bytes.
        byte[] damaged = (byte[])gz.Clone();
        for (int i = 100; i < 200; i++) damaged[i] ^= 0x5a;
        string damagedPath = Path.Combine(_temp, "damaged.gz");
        File.WriteAllBytes(damagedPath, damaged);
        e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(damagedPath));
        Assert.StartsWith("Corrupt gzip data", e.Message);
        AssertNames(e, damagedPath, "a valid gzip stream", "data the gzip decoder rejects");
        Assert.IsType<InvalidDataException>(e.InnerException);

        // Cut inside the header, and an empty file.
        string header = Path.Combine(_temp, "header-only");
        File.WriteAllBytes(header, images.AsSpan(0, 10).ToArray());
        e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(header));
        AssertNames(e, header, "an IDX images header of 16 bytes (magic number and 3 big-endian dimensions)", "only 10 bytes");
        string empty = Path.Combine(_temp, "empty");
        File.WriteAllBytes(empty, []);
        e = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(empty));
        AssertNames(e, empty, "an IDX labels header of 8 bytes starting with magic number 0x00000801", "only 0 bytes");
    }

    [Fact]
    public void ExtraBytesAfterTheDataAreAnError()
    {
        byte[] labels = Gunzip(SubsetFile("t10k-labels-idx1-ubyte"));
        string longer = Path.Combine(_temp, "longer-labels");
        File.WriteAllBytes(longer, [.. labels, 1, 2, 3]);
        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(longer));
        AssertNames(e, longer, "the file to end after 1000 bytes of labels data (1000 labels)", "3 more bytes");
    }

    [Fact]
    public void ImpossibleHeadersFailWithoutAllocatingWhatTheyPromise()
    {
        byte[] header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, Idx.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), int.MaxValue);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), int.MaxValue);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), int.MaxValue);
        string huge = Path.Combine(_temp, "huge");
        File.WriteAllBytes(huge, header);
        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(huge));
        AssertNames(e, huge, $"at most {Array.MaxLength} data bytes", "a header promising 9903520300447984150353281023 bytes");

        // 1000 images of 1000 x 1000 fit in an array, but the file holds 100 bytes: truncated, after a small allocation.
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 1000);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), 1000);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), 1000);
        File.WriteAllBytes(huge, Gzip([.. header, .. new byte[100]]));
        long before = GC.GetAllocatedBytesForCurrentThread();
        e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(huge));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000, "allocates for the data found, not the data promised");
        AssertNames(e, huge, "1000000000 bytes of images data", "only 100 data bytes (after gzip decompression)");

        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), -1);
        File.WriteAllBytes(huge, header);
        e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(huge));
        AssertNames(e, huge, $"dimension 0 to be at most {int.MaxValue}", "4294967295");
    }

    [Fact]
    public void ImageAndLabelCountsMustMatch()
    {
        string dir = RawCopy("mismatch");
        string labelsPath = Path.Combine(dir, "t10k-labels-idx1-ubyte");
        byte[] labels = File.ReadAllBytes(labelsPath);
        BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), 999); // a valid file of 999 labels
        File.WriteAllBytes(labelsPath, labels.AsSpan(0, 8 + 999).ToArray());
        Assert.Equal(999, Idx.ReadLabels(labelsPath).Length);
        var e = Assert.Throws<InvalidDataException>(() => MnistFormat.Load(dir, "t10k"));
        Assert.StartsWith("Image and label counts differ", e.Message);
        Assert.Contains(Path.Combine(dir, "t10k-images-idx3-ubyte") + " holds 1000 images", e.Message);
        AssertNames(e, labelsPath, "1000 labels, one per image", "999 labels");
        Assert.Throws<InvalidDataException>(() => MnistFormat.Load(dir, "t10k", limit: 10)); // checked whole even with a limit
    }

    [Fact]
    public void LabelsOutsideTenClassesAreKept()
    {
        string dir = RawCopy("labels");
        string labelsPath = Path.Combine(dir, "t10k-labels-idx1-ubyte");
        byte[] labels = File.ReadAllBytes(labelsPath);
        labels[8] = 200;
        File.WriteAllBytes(labelsPath, labels);
        Assert.Equal(200, MnistFormat.Load(dir, "t10k").Labels[0]);
    }

    [Fact]
    public void MissingFilesAndFolders()
    {
        var e = Assert.Throws<FileNotFoundException>(() => MnistFormat.Load(Subset, "valid"));
        Assert.Contains("valid-images-idx3-ubyte or valid-images-idx3-ubyte.gz", e.Message);
        Assert.Throws<DirectoryNotFoundException>(() => MnistFormat.Load(Path.Combine(_temp, "nowhere"), "train"));
        Assert.Throws<FileNotFoundException>(() => Idx.ReadLabels(Path.Combine(_temp, "nothing")));
    }

    [Fact]
    public void SplitHoldsOutTheLastFractionAsKeras()
    {
        var data = new Dataset(Enumerable.Range(0, 20).Select(i => (float)i).ToArray(), Enumerable.Range(0, 10).ToArray(), 2);
        var (train, validation) = data.Split(0.2);
        Assert.Equal(Enumerable.Range(0, 8), train.Labels);
        Assert.Equal(new[] { 8, 9 }, validation.Labels);
        Assert.Equal(new float[] { 16, 17, 18, 19 }, validation.Inputs);
        Assert.Equal(16, train.Inputs.Length);
        Assert.Equal(2, validation.Features);

        // Keras: split_at = floor(n * (1 - fraction)), so 0.25 of 10 keeps 7 for training, 0.7 keeps 3 (floor of 3.0000000000000004).
        Assert.Equal((7, 3), (data.Split(0.25).Train.Count, data.Split(0.25).Validation.Count));
        Assert.Equal((3, 7), (data.Split(0.7).Train.Count, data.Split(0.7).Validation.Count));

        foreach (double bad in new[] { 0, 1, -0.1, 1.5, double.NaN })
            Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(bad));
        var e = Assert.Throws<ArgumentException>(() => data.Split(0.95));
        Assert.Contains("found 0 for training and 10 for validation", e.Message);
        e = Assert.Throws<ArgumentException>(() => data.Split(1e-17)); // 1 - 1e-17 rounds to 1
        Assert.Contains("found 10 for training and 0 for validation", e.Message);
        Assert.Throws<ArgumentException>(() => new Dataset([1f], [0], 1).Split(0.5));
        Assert.Throws<ArgumentException>(() => new Dataset([1f, 2f, 3f], [0, 1], 2)); // checked when made

        // Copies: changing a part leaves the whole alone.
        train.Inputs[0] = 100;
        Assert.Equal(0f, data.Inputs[0]);

        var (fashionTrain, fashionValidation) = MnistFormat.Load(Subset, "train").Split(0.1);
        Assert.Equal((4500, 500), (fashionTrain.Count, fashionValidation.Count));
        Assert.Equal(MnistFormat.Load(Subset, "train").Labels.Skip(4500), fashionValidation.Labels);
    }

    [Fact]
    public void LocateChoosesExplicitThenSystemThenShippedSubset()
    {
        string noSystem = Path.Combine(_temp, "no-system");

        FashionMnistLocation subset = FashionMnist.Locate(null, noSystem, AppContext.BaseDirectory);
        Assert.Equal((FashionMnistSource.ShippedSubset, Subset), (subset.Source, subset.Directory));
        Assert.Equal("shipped subset (5000 train / 1000 test)", subset.Description);
        Assert.Equal(1000, subset.LoadTest().Count);
        Assert.Equal(10, subset.LoadTrain(limit: 10).Count);

        string system = RawCopy("system");
        FashionMnistLocation fromSystem = FashionMnist.Locate(null, system, AppContext.BaseDirectory);
        Assert.Equal((FashionMnistSource.System, system), (fromSystem.Source, fromSystem.Directory));
        Assert.Equal("full Fashion-MNIST (5000 train / 1000 test)", fromSystem.Description);

        FashionMnistLocation chosen = FashionMnist.Locate(Subset, system, AppContext.BaseDirectory);
        Assert.Equal((FashionMnistSource.Explicit, Subset), (chosen.Source, chosen.Directory));
        Assert.Equal($"Fashion-MNIST-format files in {Subset} (5000 train / 1000 test)", chosen.Description);

        // Whatever this machine has, the public overload finds something loadable.
        FashionMnistLocation here = FashionMnist.Locate();
        Assert.NotEqual(FashionMnistSource.Explicit, here.Source);
        Assert.Equal(784, here.LoadTest(limit: 1).Features);
    }

    [Fact]
    public void LocateReportsWhatIsMissing()
    {
        Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.Locate(Path.Combine(_temp, "nowhere")));
        string partial = RawCopy("partial");
        File.Delete(Path.Combine(partial, "t10k-labels-idx1-ubyte"));
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Locate(partial));
        Assert.Contains("lacks t10k-labels-idx1-ubyte[.gz]", e.Message);

        // Neither the system folder nor a subset above the start: a message saying how to get the data.
        var none = Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.Locate(null, partial, _temp));
        Assert.Contains("apt-get install dataset-fashion-mnist", none.Message);
        Assert.Contains("data/fashion-mnist-subset", none.Message);
    }

    [Fact]
    public void ClassNames()
    {
        Assert.Equal(10, FashionMnist.ClassNames.Count);
        Assert.Equal(("T-shirt/top", "Trouser", "Sneaker", "Ankle boot"),
            (FashionMnist.ClassNames[0], FashionMnist.ClassNames[1], FashionMnist.ClassNames[7], FashionMnist.ClassNames[9]));
    }
}
