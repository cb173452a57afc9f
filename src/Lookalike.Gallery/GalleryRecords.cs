using Lookalike.Faces;

namespace Lookalike.Gallery;

/// <summary>A face to store with its photo: detection (source-image pixels), descriptor (float[dimension] of the embedder
/// in force) and 112×112 JPEG thumbnail.</summary>
public sealed record StoredFaceInput(FaceBox Box, IReadOnlyList<Point2> Keypoints, float Score, byte[] Thumbnail, float[] Descriptor)
{
    /// <summary>Estimated age and sex of the face (from <see cref="Thumbnail"/>), or null when not estimated: the
    /// face is then stored without one and the backfill (<see cref="Estimates.FaceEstimateBackfill"/>) adds it later.</summary>
    public Faces.AgeGender.AgeGenderEstimate? Estimate { get; init; }
}

/// <summary>One import outcome: an imported photo (with <see cref="Face"/>) or a skipped file (with <see cref="SkipReason"/>).</summary>
public sealed record PhotoRecord(string SourcePath, string? Sha256, string? Person, string? SkipReason, int FaceCount, int Width, int Height, StoredFaceInput? Face);

/// <summary>What the index needs to know about a stored face: its id (the index label), photo and person.</summary>
public sealed record FaceRef(long FaceId, long PhotoId, long PersonId, string Person);

/// <summary>A person and the faces stored for them.</summary>
public sealed record PersonRecord(long Id, string Name, IReadOnlyList<PersonFace> Faces);

/// <summary>A stored face of a person, with the photo it came from.</summary>
public sealed record PersonFace(long FaceId, long PhotoId, string SourcePath, int FaceCount, float Score);

/// <summary>A skipped file and why.</summary>
public sealed record SkippedFile(string SourcePath, string Reason);

/// <summary>Counts of the store; <see cref="StorageBytes"/> is the size of what the store occupies on disk (0 when unknown).</summary>
public sealed record GalleryStats(int People, int Photos, int Imported, int Skipped, int Faces, string? ModelName, string? ModelHash, IReadOnlyList<(string Reason, int Count)> SkipReasons, long StorageBytes);

/// <summary>
/// The store's change marker: how many faces have a descriptor and the largest face id. Two equal fingerprints mean
/// nothing was added in between; the live index compares it to decide whether another process wrote.
/// </summary>
/// <param name="Count">Faces with a stored descriptor.</param>
/// <param name="MaxFaceId">Largest face id with a descriptor; 0 when there is none.</param>
public readonly record struct StoreFingerprint(int Count, long MaxFaceId);

/// <summary>Every stored descriptor at one moment: faces ordered by id and their descriptors as one row-major
/// [Faces.Length, dimension] block, and the stored rows left out because they cannot be indexed
/// (<see cref="Skipped"/>: wrong length, non-finite or degenerate; see <see cref="Index.DescriptorScreen"/>).</summary>
public sealed record StoredDescriptors(FaceRef[] Faces, float[] Vectors)
{
    /// <summary>Stored descriptors that were read but left out, ordered by face id.</summary>
    public IReadOnlyList<SkippedDescriptor> Skipped { get; init; } = [];

    /// <summary>The store's fingerprint of what was read: every row, usable or skipped.</summary>
    public StoreFingerprint Fingerprint => new(Faces.Length + Skipped.Count,
        Math.Max(Faces.Length == 0 ? 0 : Faces[^1].FaceId, Skipped.Count == 0 ? 0 : Skipped.Max(s => s.FaceId)));
}

/// <summary>A stored descriptor the index cannot take, and why ("stored with 64 dimensions; expected 128", "it is all zeros").</summary>
public sealed record SkippedDescriptor(long FaceId, string Reason);

/// <summary>A person as the gallery browser lists them: id, name, how many faces are stored for them and the first of
/// them (for a thumbnail; null when none is left).</summary>
public sealed record PersonSummary(long Id, string Name, int FaceCount, long? FirstFaceId);

/// <summary>One page of people matching a name search (<see cref="IGalleryStore.FindPeople"/>) and how many match in all.</summary>
public sealed record PeoplePage(IReadOnlyList<PersonSummary> People, int Total);

/// <summary>What <see cref="IGalleryStore.RenamePerson"/> did.</summary>
public enum RenameOutcome
{
    /// <summary>The person now has the new name (also when it was their name already).</summary>
    Renamed,

    /// <summary>No person has that id; nothing changed.</summary>
    NotFound,

    /// <summary>Another person already has that name (names are unique: merge them instead); nothing changed.</summary>
    NameTaken,
}
