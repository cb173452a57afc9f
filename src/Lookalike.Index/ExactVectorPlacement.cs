namespace Lookalike.Index;

/// <summary>Where <see cref="HnswIndex.Load(string, int?, ExactVectorPlacement)"/> puts the float32 copies of a quantised
/// index (<see cref="Quantization.Int8"/>) that a search re-ranks its final candidates on. A float32 index keeps its
/// vectors in its node records and ignores this.</summary>
public enum ExactVectorPlacement
{
    /// <summary>Map the index file's exact-vector section (a page-aligned section after the node records, format
    /// version 3) privately, copy-on-write: the resident heap holds only the int8 node records, and a search pages in
    /// only the rows of the ≈ ef vectors it re-ranks (4·Dimension bytes each, a 4 KiB page holds 8 of 128-D). The file
    /// stays open while the index lives; replacing it by a rename (as <see cref="HnswIndex.Save"/> does) is safe on
    /// POSIX systems, the mapping keeps the old contents. Files of versions 1–2 (no such section) load as
    /// <see cref="Memory"/>.</summary>
    Mapped,

    /// <summary>Read the float32 copies into native memory (counted in <see cref="HnswIndex.MemoryBytes"/>): no page
    /// faults on the re-ranking path, 4·Dimension more resident bytes per vector.</summary>
    Memory,
}
