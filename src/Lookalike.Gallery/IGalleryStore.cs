using Lookalike.Faces;
using Lookalike.Faces.AgeGender;
using Lookalike.Index;

namespace Lookalike.Gallery;

/// <summary>
/// The gallery store port: people, photos (source path, content hash, status, skip reason), faces (box, keypoints, score,
/// thumbnail), their descriptors, metadata (model identity, index parameters) and a change marker. Adapters: SQLite
/// (<see cref="Sqlite.SqliteGalleryStore"/>, the embedded default) and PostgreSQL
/// (<see cref="Postgres.PostgresGalleryStore"/>, one store for several app processes). Implementations are thread-safe, and every write is
/// one transaction (a batch is stored completely or not at all).
/// </summary>
public interface IGalleryStore
{
    /// <summary>A metadata value, or null.</summary>
    string? GetMeta(string key);

    /// <summary>Sets several metadata values in one transaction.</summary>
    void SetMeta(params (string Key, string Value)[] values);

    /// <summary>The model that produced the stored descriptors, or null when none is stored yet.</summary>
    ModelIdentity? GetModel();

    /// <summary>
    /// Records the current model. When the store holds descriptors of a different model (name, weights or dimension) they
    /// are stale: every imported photo and its face are deleted (so the next import embeds them again).
    /// </summary>
    /// <returns>How many imported photos were dropped.</returns>
    int EnsureModel(ModelIdentity model);

    /// <summary>The index parameters stored by the tuning page (M, EfConstruction, DefaultEfSearch set; the dimension of
    /// the returned options is a placeholder the caller replaces), or null when none are stored.</summary>
    HnswOptions? GetIndexParameters();

    /// <summary>Persists M, EfConstruction and DefaultEfSearch (they win over configuration on the next start).</summary>
    void SetIndexParameters(HnswOptions parameters);

    /// <summary>Every source path already recorded (imported or skipped): a re-import leaves these alone.</summary>
    HashSet<string> GetKnownSourcePaths();

    /// <summary>Source paths of the first <paramref name="limit"/> imported photos (folder imports only: zip entries and uploads are left out).</summary>
    IReadOnlyList<string> GetImportedSourcePaths(int limit);

    /// <summary>Content hash (SHA-256, lower-case hex) → source path of every imported photo.</summary>
    Dictionary<string, string> GetImportedHashes();

    /// <summary>
    /// Writes a batch of outcomes in one transaction and returns the stored faces (new index labels) with their descriptors.
    /// Paths already recorded are ignored, so a retried batch cannot duplicate rows. A photo with a face whose content hash
    /// an imported photo already has (stored by another process, or earlier in the batch) is recorded as skipped,
    /// <see cref="ImageRejectionText.DuplicateOf"/>, so content is stored once whoever imports it.
    /// </summary>
    IReadOnlyList<(FaceRef Face, float[] Descriptor)> WriteBatch(IReadOnlyList<PhotoRecord> records);

    /// <summary>The change marker (faces with a descriptor, largest face id): one cheap query.</summary>
    StoreFingerprint GetFaceFingerprint();

    /// <summary>Reads every stored face with its descriptor, ordered by face id.</summary>
    /// <param name="dimension">Expected descriptor length (the embedder's).</param>
    /// <returns>The descriptors of <paramref name="dimension"/> floats; a row of another length is not thrown on but
    /// listed in <see cref="StoredDescriptors.Skipped"/> (a rebuild must never fail on one bad row).</returns>
    StoredDescriptors ReadAllEmbeddings(int dimension);

    /// <summary>The JPEG thumbnail of a face, or null.</summary>
    byte[]? GetThumbnail(long faceId);

    /// <summary>A person with all stored faces, or null.</summary>
    PersonRecord? GetPerson(long personId);

    /// <summary>Skipped files with reasons, newest first.</summary>
    IReadOnlyList<SkippedFile> GetSkipped(int limit = 200);

    /// <summary>Counts of people, photos, skips (by reason, the text before the first colon) and faces.</summary>
    GalleryStats GetStats();

    /// <summary>People whose name contains <paramref name="nameContains"/> (case-insensitive; null or blank: everyone),
    /// ordered by name then id, <paramref name="limit"/> of them from <paramref name="offset"/>, and how many match in all.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is negative or <paramref name="limit"/> is not 1–<see cref="GalleryLimits.MaxPeoplePageSize"/>.</exception>
    PeoplePage FindPeople(string? nameContains, int offset, int limit);

    /// <summary>Renames a person in one transaction. The caller validates the name (<see cref="Curation.GalleryCuration"/>).</summary>
    /// <returns><see cref="RenameOutcome.NotFound"/> for an unknown id, <see cref="RenameOutcome.NameTaken"/> when another
    /// person has the name; nothing changes then.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or blank.</exception>
    RenameOutcome RenamePerson(long personId, string name);

    /// <summary>Merges person <paramref name="sourceId"/> into <paramref name="targetId"/> in one transaction: every face and
    /// photo of the source moves to the target and the source is deleted.</summary>
    /// <returns>The ids of the faces that moved; null (nothing changed) when either person is unknown.</returns>
    /// <exception cref="ArgumentException">The two ids are the same.</exception>
    IReadOnlyList<long>? MergePeople(long sourceId, long targetId);

    /// <summary>Deletes a person, their faces and descriptors in one transaction. Their photos stay recorded as skipped
    /// (<see cref="ImageRejectionText.RemovedByAdmin"/>), so importing the same folder again does not bring them back.
    /// Face ids are never reused afterwards.</summary>
    /// <returns>The ids of the faces deleted; null (nothing changed) when the person is unknown.</returns>
    IReadOnlyList<long>? DeletePerson(long personId);

    /// <summary>Deletes one face and its descriptor in one transaction; its photo stays recorded as skipped
    /// (<see cref="ImageRejectionText.RemovedByAdmin"/>). The person stays, even with no face left. Face ids are never reused.</summary>
    /// <returns>The face as it was; null (nothing changed) when no face has that id.</returns>
    FaceRef? DeleteFace(long faceId);

    /// <summary>The stored age/sex estimates of the given faces (schema: <c>faces.age_years</c>, <c>faces.male_probability</c>);
    /// a face without an estimate, or unknown, is absent from the result.</summary>
    /// <param name="faceIds">Face ids (any number; read in chunks).</param>
    IReadOnlyDictionary<long, AgeGenderEstimate> GetEstimates(IReadOnlyCollection<long> faceIds);

    /// <summary>Up to <paramref name="limit"/> faces that have no estimate yet, ordered by face id, with their thumbnails
    /// (the backfill's input).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not positive.</exception>
    IReadOnlyList<(long FaceId, byte[] Thumbnail)> GetFacesWithoutEstimate(int limit);

    /// <summary>How many stored faces have no estimate yet.</summary>
    int CountFacesWithoutEstimate();

    /// <summary>Stores estimates of existing faces in one transaction; ids of faces deleted meanwhile are ignored.</summary>
    void SetEstimates(IReadOnlyList<(long FaceId, AgeGenderEstimate Estimate)> estimates);

    /// <summary>Where the store lives, for messages (a file path or a server name).</summary>
    string Location { get; }
}
