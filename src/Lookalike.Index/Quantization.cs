namespace Lookalike.Index;

/// <summary>How an <see cref="HnswIndex"/> stores the vectors its graph search compares (chosen once, in
/// <see cref="HnswOptions.Quantization"/>).</summary>
public enum Quantization
{
    /// <summary>float32 vectors in the node records (4 bytes per component); distances are exact.</summary>
    None,

    /// <summary>Scalar quantisation to one signed byte per component, as FAISS's <c>IndexHNSWSQ</c> (8-bit scalar
    /// quantiser) and USearch's <c>i8</c> scalar kind. Only with <see cref="DistanceMetric.Cosine"/>: a unit vector's
    /// components lie in [−1, 1], so one fixed global scale (code = round(127·x), clamped to ±127) covers every vector
    /// without training and without per-index parameters in the hot loop (FAISS's per-dimension min/max would need a
    /// training pass over data an incremental index does not have up front). The graph search compares the int8 codes
    /// (the node records shrink from 4·Dimension to Dimension bytes of vector, so a visit touches fewer cache lines);
    /// the ef final candidates are re-ranked on float32 copies kept outside the node records, so results and their
    /// distances are exact cosine distances. Resident memory per element: Dimension bytes of codes in the record; the
    /// 4·Dimension-byte float copy is resident only in an index built in memory without
    /// <see cref="HnswOptions.ExactVectorFile"/> (a loaded index maps it from its file, <see cref="ExactVectorPlacement"/>).
    /// On disk the file holds the records with codes, then the float copies in a page-aligned section.</summary>
    Int8,
}
