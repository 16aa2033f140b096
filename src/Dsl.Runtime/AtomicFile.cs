using System;
using System.IO;

namespace Dsl.Runtime;

/// <summary>
/// Writes a file so that a crash never leaves it half-written: the content goes to a temporary file in the same folder
/// (so the rename cannot cross file systems), is flushed to the disk, and the temporary file is then renamed over the
/// target in one step. On failure the temporary file is deleted and the target is left as it was.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> atomically with <paramref name="write"/>, creating its folder if needed.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        string temp = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
