using System.Linq;
using Dsl.Generator.Model;

namespace Dsl.Generator.Shapes;

internal static class ShapeMath
{
    /// <summary>Samples per tile of the generated code's activation buffers; sizes times this must fit an int.</summary>
    public const int TileSize = 256;

    public static int Size(EquatableArray<int> shape)
    {
        int size = 1;
        foreach (int d in shape) size *= d;
        return size;
    }

    public static string Format(EquatableArray<int> shape) => "[" + string.Join(", ", shape.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
