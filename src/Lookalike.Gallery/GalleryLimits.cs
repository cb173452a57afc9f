using Lookalike.Index;

namespace Lookalike.Gallery;

/// <summary>
/// The one home of the product's bounds: the API, the tuning form, the search sliders and the options validation read
/// them from here. (The index library's own ranges, in <see cref="Lookalike.Index.HnswOptions"/>, are wider: these are
/// what the product offers.)
/// </summary>
public static class GalleryLimits
{
    /// <summary>Largest k a caller may ask for (API, CLI).</summary>
    public const int MaxK = 200;

    /// <summary>Largest k the home page's slider offers.</summary>
    public const int MaxSliderK = 50;

    /// <summary>Smallest M (links per node on upper layers).</summary>
    public const int MinM = HnswOptions.MinM;

    /// <summary>Largest M the product offers.</summary>
    public const int MaxM = HnswOptions.MaxM;

    /// <summary>Largest efConstruction (it must also be at least M).</summary>
    public const int MaxEfConstruction = HnswOptions.MaxEfConstruction;

    /// <summary>Largest efSearch of a single request (API, CLI, session): 10,000, the index's own bound
    /// (<see cref="HnswOptions.MaxEfSearch"/>).</summary>
    public const int MaxEfSearch = HnswOptions.MaxEfSearch;

    /// <summary>Largest stored default efSearch (tuning form, <c>Lookalike:Index:DefaultEfSearch</c>): 2,000, the
    /// bound the tuning page always had; a default beyond it only costs every query time.</summary>
    public const int MaxDefaultEfSearch = 2_000;

    /// <summary>Recall against exact search (0–1) below which the home page warns that some cards may be the wrong people
    /// (0.95, the threshold hnswlib's own recall test holds an index to).</summary>
    public const double MinTrustedRecall = 0.95;

    /// <summary>Largest efSearch the home page's slider offers (a request may go up to <see cref="MaxEfSearch"/>).</summary>
    public const int MaxSliderEfSearch = 500;

    /// <summary>Largest upload accepted by configuration, in bytes (200 MiB).</summary>
    public const long MaxUploadBytesCeiling = 200L * 1024 * 1024;

    /// <summary>
    /// Largest photo the home page sends to the server in one message (64 KiB): a small upload, drop or paste (a
    /// 250×250 photo is 8–20 KB) arrives with the call that starts its search instead of through the chunked stream
    /// protocol, which costs several browser round trips. Larger photos use the stream (with upload progress), so the
    /// Blazor hub's largest incoming message — this plus <see cref="HubMessageOverheadBytes"/>, 80 KiB — stays a modest
    /// raise of its 32 KiB default for every visitor's connection.
    /// </summary>
    public const int MaxDirectPhotoBytes = 64 * 1024;

    /// <summary>Room for the call's own fields beside a <see cref="MaxDirectPhotoBytes"/> photo in one hub message (16 KiB).</summary>
    public const int HubMessageOverheadBytes = 16 * 1024;

    /// <summary>Largest embedding batch accepted by configuration.</summary>
    public const int MaxEmbedBatchSize = 1024;

    /// <summary>Largest import parallelism accepted by configuration.</summary>
    public const int MaxImportParallelism = 256;

    /// <summary>Longest person name the gallery browser and <c>/api/admin/people/{id}/rename</c> accept, in characters (200).</summary>
    public const int MaxPersonNameLength = 200;

    /// <summary>Most people one page of the gallery browser (<see cref="IGalleryStore.FindPeople"/>) holds (100).</summary>
    public const int MaxPeoplePageSize = 100;
}
