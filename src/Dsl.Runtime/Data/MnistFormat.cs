using System;
using System.IO;

namespace Dsl.Runtime.Data;

/// <summary>Loads an MNIST-format image set (MNIST, Fashion-MNIST, ...): a pair of IDX files, images and labels.</summary>
public static class MnistFormat
{
    /// <summary>Name of the image file for <paramref name="prefix"/>: <c>{prefix}-images-idx3-ubyte</c> (optionally <c>.gz</c>).</summary>
    public static string ImagesFileName(string prefix) => $"{prefix}-images-idx3-ubyte";

    /// <summary>Name of the label file for <paramref name="prefix"/>: <c>{prefix}-labels-idx1-ubyte</c> (optionally <c>.gz</c>).</summary>
    public static string LabelsFileName(string prefix) => $"{prefix}-labels-idx1-ubyte";

    /// <summary>
    /// Loads <c>{prefix}-images-idx3-ubyte</c> with <c>{prefix}-labels-idx1-ubyte</c> from <paramref name="directory"/>,
    /// each raw or gzip (the name without <c>.gz</c> is used when both exist; compression is recognised by content).
    /// Pixels become <c>value / 255f</c> in [0, 1] (kept as bytes: see <see cref="Dataset(byte[], float, int[], int)"/>), one row of <c>rows * cols</c> features per image; labels become
    /// <c>int</c> unchanged (values outside 0..9 are allowed). Both files are read and checked whole before anything is
    /// returned, even with a <paramref name="limit"/>.
    /// </summary>
    /// <param name="directory">Folder holding the files.</param>
    /// <param name="prefix"><c>"train"</c> or <c>"t10k"</c> for the standard files.</param>
    /// <param name="limit">Keep only the first <paramref name="limit"/> samples (all of them if there are fewer); all when null.</param>
    /// <exception cref="InvalidDataException">A file is not a valid IDX file of its kind, or the counts of images and labels differ.</exception>
    /// <exception cref="FileNotFoundException">A file exists neither with nor without <c>.gz</c>.</exception>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not positive.</exception>
    public static Dataset Load(string directory, string prefix, int? limit = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        if (limit is < 1) throw new ArgumentOutOfRangeException(nameof(limit), limit, "Expected a positive number of samples, or null for all.");
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Directory not found: {directory}");

        string imagesPath = FindFile(directory, ImagesFileName(prefix));
        string labelsPath = FindFile(directory, LabelsFileName(prefix));
        IdxImages images = Idx.ReadImages(imagesPath);
        byte[] labels = Idx.ReadLabels(labelsPath);
        if (images.Count != labels.Length)
            throw IdxError.Create($"Image and label counts differ ({imagesPath} holds {images.Count} images)", labelsPath,
                $"{images.Count} labels, one per image", $"{labels.Length} labels");
        long features = (long)images.Rows * images.Cols;
        if (features > int.MaxValue)
            throw IdxError.Create("Images too large", imagesPath, $"at most {int.MaxValue} pixels per image", $"{images.Rows} x {images.Cols}");

        int count = Math.Min(images.Count, limit ?? int.MaxValue);
        // The pixels stay bytes (a quarter of the memory); batches divide them by 255 as they are gathered.
        byte[] pixels = images.Pixels.Length == count * features ? images.Pixels : images.Pixels.AsSpan(0, (int)(count * features)).ToArray();
        var classes = new int[count];
        for (int i = 0; i < count; i++) classes[i] = labels[i];
        return new Dataset(pixels, 255f, classes, (int)features);
    }

    /// <summary>True when <paramref name="directory"/> holds <paramref name="fileName"/> or <paramref name="fileName"/><c>.gz</c>.</summary>
    internal static bool HasFile(string directory, string fileName)
        => File.Exists(Path.Combine(directory, fileName)) || File.Exists(Path.Combine(directory, fileName + ".gz"));

    /// <summary><paramref name="fileName"/> in <paramref name="directory"/>, else the same with <c>.gz</c>.</summary>
    internal static string FindFile(string directory, string fileName)
    {
        string raw = Path.Combine(directory, fileName);
        if (File.Exists(raw)) return raw;
        if (File.Exists(raw + ".gz")) return raw + ".gz";
        throw new FileNotFoundException($"Expected {fileName} or {fileName}.gz in {directory}, found neither.", raw + ".gz");
    }
}
