using System.Runtime.InteropServices;

namespace Lookalike.Index.Hnsw;

/// <summary>A candidate: distance to the query and node id.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Candidate
{
    public float Distance;
    public int Id;

    public Candidate(float distance, int id)
    {
        Distance = distance;
        Id = id;
    }
}

/// <summary>Small helpers over candidate spans.</summary>
internal static class CandidateSpanExtensions
{
    public static bool ContainsId(this ReadOnlySpan<Candidate> span, int id)
    {
        foreach (var c in span)
        {
            if (c.Id == id)
            {
                return true;
            }
        }
        return false;
    }
}
