using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lookalike.Index.Distances;

/// <summary>
/// Horizontal sums for the distance kernels as a halving tree: the upper half of the register added onto the lower,
/// down to one lane (512 → 256 → 128 → 64 → 32 bits): log₂(lanes) adds on one dependency chain. The runtime's
/// <see cref="Vector512.Sum{T}(Vector512{T})"/> on .NET 10 sums each 128-bit quarter on its own chain and then the
/// quarters (about twice the instructions, measured in the JIT's listing of the search loop), and a 128-D distance
/// is short enough that the final sum is a large part of its cost. Float results may differ from a left-to-right sum
/// in the last bits (a different association order), as any SIMD sum does; integer results are exact.
/// </summary>
internal static class HorizontalSum
{
    /// <summary>Σ of the 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> v) => Sum(v.GetLower() + v.GetUpper());

    /// <summary>Σ of the 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> v) => Sum(v.GetLower() + v.GetUpper());

    /// <summary>Σ of the 4 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> v)
    {
        var t = v + Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1));
        t += Vector128.Shuffle(t, Vector128.Create(1, 0, 3, 2));
        return t.ToScalar();
    }

    /// <summary>Σ of the 16 lanes (wrapping as int addition does).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sum(Vector512<int> v) => Sum(v.GetLower() + v.GetUpper());

    /// <summary>Σ of the 8 lanes (wrapping as int addition does).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sum(Vector256<int> v) => Sum(v.GetLower() + v.GetUpper());

    /// <summary>Σ of the 4 lanes (wrapping as int addition does).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sum(Vector128<int> v)
    {
        var t = v + Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1));
        t += Vector128.Shuffle(t, Vector128.Create(1, 0, 3, 2));
        return t.ToScalar();
    }
}
