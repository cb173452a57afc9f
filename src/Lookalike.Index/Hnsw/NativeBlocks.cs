using System.Runtime.InteropServices;

namespace Lookalike.Index.Hnsw;

/// <summary>
/// Native memory for the node records (and the in-memory exact vectors): 64-byte aligned blocks, and from 2 MiB up
/// 2 MiB aligned with Linux transparent huge pages requested for them (<c>madvise(MADV_HUGEPAGE)</c>). A search visits
/// records at random across the whole block, so with 4 KiB pages nearly every visit of a large index also misses the
/// TLB (a 1M-node int8 index is ~80,000 pages against a few thousand TLB entries); with 2 MiB pages the page walk
/// mostly disappears. The advice is only advice: where THP is off ("never"), not Linux, or the call fails, the block
/// is the same memory with ordinary pages, and nothing else changes.
/// </summary>
internal static unsafe partial class NativeBlocks
{
    /// <summary>Size and alignment of an x86-64 / arm64 transparent huge page: 2 MiB.</summary>
    public const long HugePageBytes = 2L << 20;

    private const int MadvHugePage = 14; // MADV_HUGEPAGE, <asm-generic/mman-common.h>

    /// <summary>Allocates <paramref name="bytes"/> zeroed bytes (freed with <see cref="NativeMemory.AlignedFree"/>),
    /// asking for huge pages from 2 MiB up. The zeroing runs after the advice, so the first touch faults huge pages in.</summary>
    /// <exception cref="OutOfMemoryException">The allocation failed.</exception>
    public static void* AllocateZeroed(long bytes)
    {
        var huge = bytes >= HugePageBytes;
        var p = NativeMemory.AlignedAlloc((nuint)bytes, huge ? (nuint)HugePageBytes : 64);
        if (huge && OperatingSystem.IsLinux())
        {
            try
            {
                _ = Madvise(p, (nuint)bytes, MadvHugePage); // failure (THP disabled, old kernel) leaves ordinary pages
            }
            catch (DllNotFoundException)
            {
            }
            catch (EntryPointNotFoundException)
            {
            }
        }
        NativeMemory.Clear(p, (nuint)bytes);
        return p;
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);
}
