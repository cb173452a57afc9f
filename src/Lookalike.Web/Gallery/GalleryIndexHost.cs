using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Lookalike.Faces;
using Lookalike.Index;
using Microsoft.Extensions.Options;

namespace Lookalike.Web.Gallery;

/// <summary>Where the index host stands.</summary>
public enum IndexState { NotLoaded, Loading, Rebuilding, Ready, Failed }

/// <summary>
/// Owns the gallery's HNSW index (a singleton). On start it loads <c>gallery.hnsw</c> when the file's checksum, face count,
/// model identity and parameters agree with the store, and otherwise rebuilds it from the stored descriptors (never
/// re-embedding). Rebuilds run in the background and are swapped in atomically, so searches are never interrupted.
/// The index file is written to a temporary name and renamed, so a kill leaves either the old or the new file.
/// </summary>
public sealed partial class GalleryIndexHost : IDisposable
{
    /// <summary>Log event of a load from the index file.</summary>
    public static readonly EventId IndexLoadedEvent = new(1001, "IndexLoaded");

    /// <summary>Log event of a rebuild from the stored descriptors.</summary>
    public static readonly EventId IndexRebuiltEvent = new(1002, "IndexRebuilt");

    private readonly GalleryStore _store;
    private readonly FacePipeline _pipeline;
    private readonly LookalikeOptions _options;
    private readonly ILogger<GalleryIndexHost> _logger;
    private readonly Lock _writeGate = new();
    private readonly SemaphoreSlim _rebuildGate = new(1, 1);
    private readonly Lock _startGate = new();
    private Task? _startup;
    private volatile GallerySnapshot _current;
    private int _loads;
    private int _rebuilds;
    private (int Count, long MaxId) _lastSyncFingerprint = (-1, -1);

    public GalleryIndexHost(GalleryStore store, FacePipeline pipeline, IOptions<LookalikeOptions> options, ILogger<GalleryIndexHost> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _pipeline = pipeline;
        _options = options.Value;
        _logger = logger;
        _current = new GallerySnapshot(NewIndex(DesiredParameters()), DesiredParameters(), TimeSpan.Zero, loadedFromFile: false);
        IndexPath = Path.Combine(store.DataDirectory, "gallery.hnsw");
    }

    /// <summary>The index file (<c>gallery.hnsw</c> in the data directory); its sidecar is <c>gallery.hnsw.json</c>.</summary>
    public string IndexPath { get; }

    private string SidecarPath => IndexPath + ".json";

    /// <summary>The current searchable gallery; replaced atomically by rebuilds.</summary>
    public GallerySnapshot Current => _current;

    /// <summary>The current state.</summary>
    public IndexState State { get; private set; } = IndexState.NotLoaded;

    /// <summary>Progress of a load or rebuild, 0–1.</summary>
    public double Progress { get; private set; }

    /// <summary>What the host last did or why it failed, for the UI.</summary>
    public string StatusMessage { get; private set; } = "Index not loaded yet.";

    /// <summary>
    /// Set when the store's descriptors were made by another model or other descriptor settings (see
    /// <see cref="DescriptorIdentity"/>): the message says which and that the gallery must be re-imported; null otherwise.
    /// While it is set the index serves nothing and <see cref="SyncWithStore"/> adds nothing.
    /// </summary>
    public string? StaleModelMessage { get; private set; }

    /// <summary>Times the index was loaded from its file (a counter for tests and <c>/api/stats</c>).</summary>
    public int LoadCount => _loads;

    /// <summary>Times the index was rebuilt from the store.</summary>
    public int RebuildCount => _rebuilds;

    /// <summary>Raised (on a background thread) when state, progress or the current snapshot change.</summary>
    public event Action? Changed;

    /// <summary>Parameters in force for the next build: the store's (tuning page) else appsettings.</summary>
    public IndexParameters DesiredParameters() => _store.GetIndexParameters() ?? _options.Index.Clone();

    private static HnswIndex NewIndex(IndexParameters p) => new(new HnswOptions
    {
        Dimension = GallerySnapshot.Dimension,
        Metric = DistanceMetric.Cosine,
        M = p.M,
        EfConstruction = p.EfConstruction,
        DefaultEfSearch = p.EfSearch,
    });

    /// <summary>Loads or rebuilds once; later calls return the same task.</summary>
    public Task EnsureReadyAsync(CancellationToken cancellationToken = default)
    {
        lock (_startGate)
        {
            if (_startup is null || _startup.IsFaulted || _startup.IsCanceled)
            {
                _startup = Task.Run(() => LoadOrRebuildAsync(cancellationToken), cancellationToken);
            }
            return _startup;
        }
    }

    private async Task LoadOrRebuildAsync(CancellationToken cancellationToken)
    {
        try
        {
            SetState(IndexState.Loading, 0, "Loading the gallery index…");
            var stopwatch = Stopwatch.StartNew();
            var desired = DesiredParameters();
            var storeModel = _store.GetModel();
            var stale = CheckModel(storeModel);
            StaleModelMessage = stale;
            if (stale is not null)
            {
                _current = new GallerySnapshot(NewIndex(desired), desired, TimeSpan.Zero, false);
                SetState(IndexState.Ready, 1, stale);
                LogStaleModel(stale);
                return;
            }
            var (faces, vectors) = _store.ReadAllEmbeddings(GallerySnapshot.Dimension);
            var maxId = faces.Length == 0 ? 0 : faces[^1].FaceId;
            var reason = TryLoad(desired, faces.Length, maxId, storeModel, out var loaded);
            if (loaded is not null)
            {
                var snapshot = new GallerySnapshot(loaded, desired, stopwatch.Elapsed, loadedFromFile: true);
                snapshot.AppendExact(faces, vectors);
                _current = snapshot;
                Interlocked.Increment(ref _loads);
                LogLoaded(faces.Length, stopwatch.Elapsed.TotalMilliseconds);
                SetState(IndexState.Ready, 1, $"Index loaded from file: {faces.Length:N0} faces in {stopwatch.Elapsed.TotalSeconds:0.00} s.");
                return;
            }
            LogRebuildNeeded(reason);
            await RebuildCoreAsync(desired, faces, vectors, persistParameters: false, null, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            SetState(IndexState.NotLoaded, 0, "Index load cancelled.");
            throw;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or IndexFormatException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            LogFailed(ex);
            SetState(IndexState.Failed, 0, "The gallery index could not be loaded: " + ex.Message);
            throw;
        }
    }

    private string? CheckModel(ModelIdentity? storeModel)
    {
        if (storeModel is null)
        {
            return null;
        }
        ModelIdentity current;
        try
        {
            current = DescriptorIdentity.Of(_pipeline);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            return null;
        }
        if (current.Dimension != storeModel.Dimension)
        {
            return $"The stored descriptors have {storeModel.Dimension} dimensions but the model gives {current.Dimension}: re-import the gallery.";
        }
        return current.Name == storeModel.Name && current.WeightsSha256 == storeModel.WeightsSha256
            ? null
            : $"The gallery was embedded with model {storeModel.Name} ({Short(storeModel.WeightsSha256)}), the app now runs {current.Name} ({Short(current.WeightsSha256)}): its descriptors are stale — re-import the gallery.";
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;

    private string TryLoad(IndexParameters desired, int count, long maxId, ModelIdentity? model, out HnswIndex? index)
    {
        index = null;
        if (!File.Exists(IndexPath) || !File.Exists(SidecarPath))
        {
            return "no index file";
        }
        IndexSidecar? sidecar;
        try
        {
            sidecar = JsonSerializer.Deserialize<IndexSidecar>(File.ReadAllText(SidecarPath));
        }
        catch (JsonException ex)
        {
            return "unreadable index sidecar: " + ex.Message;
        }
        if (sidecar is null)
        {
            return "empty index sidecar";
        }
        if (sidecar.Count != count || sidecar.MaxFaceId != maxId)
        {
            return $"index holds {sidecar.Count} faces (max id {sidecar.MaxFaceId}), the store {count} (max id {maxId})";
        }
        if (sidecar.ModelName != model?.Name || sidecar.ModelSha256 != model?.WeightsSha256)
        {
            return "index was built from another model's descriptors";
        }
        if (sidecar.M != desired.M || sidecar.EfConstruction != desired.EfConstruction)
        {
            return $"index was built with M={sidecar.M}, efConstruction={sidecar.EfConstruction}; wanted M={desired.M}, efConstruction={desired.EfConstruction}";
        }
        var sha = FileSha256(IndexPath);
        if (sha != sidecar.FileSha256)
        {
            return "index file checksum does not match";
        }
        try
        {
            var loaded = HnswIndex.Load(IndexPath);
            if (loaded.Count != count || loaded.Dimension != GallerySnapshot.Dimension)
            {
                return $"index file holds {loaded.Count} vectors of {loaded.Dimension} dimensions";
            }
            index = loaded;
            return "";
        }
        catch (Exception ex) when (ex is IndexFormatException or IOException or InvalidDataException or EndOfStreamException)
        {
            return "index file failed to load: " + ex.Message;
        }
    }

    /// <summary>
    /// Rebuilds the index from the stored descriptors with <paramref name="parameters"/> in the background, then swaps it in.
    /// Faces imported during the build are added before the swap. Persists the parameters to the store when asked.
    /// </summary>
    public async Task<TimeSpan> RebuildAsync(IndexParameters parameters, bool persistParameters, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var errors = parameters.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors.Values), nameof(parameters));
        }
        var (faces, vectors) = await Task.Run(() => _store.ReadAllEmbeddings(GallerySnapshot.Dimension), cancellationToken).ConfigureAwait(false);
        return await RebuildCoreAsync(parameters, faces, vectors, persistParameters, progress, cancellationToken).ConfigureAwait(false);
    }

    private async Task<TimeSpan> RebuildCoreAsync(IndexParameters parameters, FaceRef[] faces, float[] vectors, bool persistParameters, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        await _rebuildGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            SetState(IndexState.Rebuilding, 0, $"Rebuilding the index from {faces.Length:N0} stored descriptors ({parameters})…");
            var stopwatch = Stopwatch.StartNew();
            var index = NewIndex(parameters);
            var reporter = new InlineProgress<int>(done =>
            {
                var fraction = faces.Length == 0 ? 1 : (double)done / faces.Length;
                progress?.Report(fraction);
                SetState(IndexState.Rebuilding, fraction, $"Rebuilding the index: {done:N0} / {faces.Length:N0} faces…");
            });
            await Task.Run(() => index.AddRange(faces.Select(f => f.FaceId).ToArray(), vectors, -1, reporter, cancellationToken), cancellationToken).ConfigureAwait(false);
            var buildTime = stopwatch.Elapsed;
            var snapshot = new GallerySnapshot(index, parameters, buildTime, loadedFromFile: false);
            snapshot.AppendExact(faces, vectors);
            lock (_writeGate)
            {
                // Catch up with faces an import stored while this build ran, then swap.
                var previous = _current;
                var known = faces.Select(f => f.FaceId).ToHashSet();
                var missing = previous.Faces.Values.Where(f => !known.Contains(f.FaceId)).OrderBy(f => f.FaceId).ToList();
                if (missing.Count > 0)
                {
                    var buffer = new float[missing.Count * GallerySnapshot.Dimension];
                    for (var i = 0; i < missing.Count; i++)
                    {
                        previous.Index.TryGetVector(missing[i].FaceId, buffer.AsSpan(i * GallerySnapshot.Dimension, GallerySnapshot.Dimension));
                    }
                    index.AddRange(missing.Select(f => f.FaceId).ToArray(), buffer);
                    snapshot.AppendExact(missing, buffer);
                }
                _current = snapshot;
                if (persistParameters)
                {
                    _store.SetIndexParameters(parameters);
                }
                PersistLocked();
            }
            Interlocked.Increment(ref _rebuilds);
            LogRebuilt(faces.Length, buildTime.TotalMilliseconds, parameters.ToString());
            SetState(IndexState.Ready, 1, $"Index rebuilt: {snapshot.Count:N0} faces in {buildTime.TotalSeconds:0.00} s ({parameters}).");
            return buildTime;
        }
        catch (OperationCanceledException)
        {
            SetState(IndexState.Ready, 1, "Rebuild cancelled; the previous index stays in use.");
            throw;
        }
        finally
        {
            _rebuildGate.Release();
        }
    }

    /// <summary>Adds newly stored faces to the live index (searches keep running).</summary>
    public void AddFaces(IReadOnlyList<(FaceRef Face, float[] Descriptor)> added)
    {
        ArgumentNullException.ThrowIfNull(added);
        if (added.Count == 0)
        {
            return;
        }
        var faces = added.Select(a => a.Face).ToArray();
        var vectors = new float[added.Count * GallerySnapshot.Dimension];
        for (var i = 0; i < added.Count; i++)
        {
            added[i].Descriptor.AsSpan().CopyTo(vectors.AsSpan(i * GallerySnapshot.Dimension));
        }
        lock (_writeGate)
        {
            AddMissingLocked(faces, vectors);
        }
        Changed?.Invoke();
    }

    /// <summary>Adds the faces the current snapshot does not hold yet (a face already there — e.g. picked up by <see cref="SyncWithStore"/> — is left alone).</summary>
    private int AddMissingLocked(FaceRef[] faces, float[] vectors)
    {
        var snapshot = _current;
        var keep = new List<int>(faces.Length);
        for (var i = 0; i < faces.Length; i++)
        {
            if (!snapshot.Faces.ContainsKey(faces[i].FaceId))
            {
                keep.Add(i);
            }
        }
        if (keep.Count == 0)
        {
            return 0;
        }
        if (keep.Count < faces.Length)
        {
            var kept = new float[keep.Count * GallerySnapshot.Dimension];
            for (var j = 0; j < keep.Count; j++)
            {
                vectors.AsSpan(keep[j] * GallerySnapshot.Dimension, GallerySnapshot.Dimension).CopyTo(kept.AsSpan(j * GallerySnapshot.Dimension));
            }
            faces = keep.Select(i => faces[i]).ToArray();
            vectors = kept;
        }
        snapshot.Index.AddRange(faces.Select(f => f.FaceId).ToArray(), vectors);
        snapshot.AppendExact(faces, vectors);
        if (State == IndexState.Ready)
        {
            StatusMessage = $"Index ready: {snapshot.Count:N0} faces ({snapshot.Parameters}).";
        }
        return faces.Length;
    }

    /// <summary>
    /// Adds faces another process (a CLI <c>import</c> into the same data directory) stored since this host loaded: cheap
    /// when nothing changed (one count query). Only while the index is ready; faces removed from the store are not dropped.
    /// Returns how many faces were added.
    /// </summary>
    public int SyncWithStore()
    {
        if (State != IndexState.Ready)
        {
            return 0;
        }
        var fingerprint = _store.GetFaceFingerprint();
        if (fingerprint == _lastSyncFingerprint)
        {
            return 0;
        }
        var snapshot = _current;
        if (fingerprint.Count <= snapshot.Count && snapshot.Faces.ContainsKey(fingerprint.MaxId))
        {
            _lastSyncFingerprint = fingerprint;
            return 0;
        }
        // Faces another process stored with another model or other descriptor settings must not be mixed into the index.
        var stale = CheckModel(_store.GetModel());
        if (stale is not null)
        {
            if (StaleModelMessage is null)
            {
                LogStaleModel(stale);
            }
            StaleModelMessage = stale;
            StatusMessage = stale;
            return 0; // the fingerprint is not recorded: the next sync checks the model again (one meta query)
        }
        if (StaleModelMessage is not null)
        {
            StaleModelMessage = null; // the gallery was re-imported with this app's settings
        }
        var (faces, vectors) = _store.ReadAllEmbeddings(GallerySnapshot.Dimension);
        int added;
        lock (_writeGate)
        {
            if (!_rebuildGate.Wait(0))
            {
                return 0; // a rebuild is running; it reads the store itself
            }
            try
            {
                added = AddMissingLocked(faces, vectors);
            }
            finally
            {
                _rebuildGate.Release();
            }
        }
        _lastSyncFingerprint = fingerprint;
        if (added > 0)
        {
            LogSynced(added);
            Changed?.Invoke();
        }
        return added;
    }

    /// <summary>Writes the index file and its sidecar (temporary names, then renamed).</summary>
    public void Persist()
    {
        lock (_writeGate)
        {
            PersistLocked();
        }
    }

    /// <summary>Sets the efSearch default (no rebuild needed) and stores it.</summary>
    public void SetDefaultEfSearch(int efSearch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(efSearch, 1);
        var p = _current.Parameters;
        p.EfSearch = efSearch;
        var stored = DesiredParameters();
        stored.EfSearch = efSearch;
        _store.SetIndexParameters(stored);
        Changed?.Invoke();
    }

    private void PersistLocked()
    {
        var snapshot = _current;
        var model = _store.GetModel();
        var (count, maxId) = _store.GetFaceFingerprint();
        if (count != snapshot.Count)
        {
            // The store moved on (an import is writing); the next persist will catch up.
            return;
        }
        var tmp = IndexPath + ".tmp";
        snapshot.Index.Save(tmp);
        var sidecar = new IndexSidecar(FileSha256(tmp), count, maxId, model?.Name, model?.WeightsSha256, snapshot.Parameters.M, snapshot.Parameters.EfConstruction);
        var sidecarTmp = SidecarPath + ".tmp";
        File.WriteAllText(sidecarTmp, JsonSerializer.Serialize(sidecar));
        File.Move(tmp, IndexPath, overwrite: true);
        File.Move(sidecarTmp, SidecarPath, overwrite: true);
    }

    private static string FileSha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private void SetState(IndexState state, double progress, string message)
    {
        State = state;
        Progress = progress;
        StatusMessage = message;
        Changed?.Invoke();
    }

    public void Dispose() => _rebuildGate.Dispose();

    /// <summary>Reports on the reporting thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class InlineProgress<T>(Action<T> callback) : IProgress<T>
    {
        public void Report(T value) => callback(value);
    }

    private sealed record IndexSidecar(string FileSha256, int Count, long MaxFaceId, string? ModelName, string? ModelSha256, int M, int EfConstruction);

    [LoggerMessage(Level = LogLevel.Information, Message = "Added {Count} faces another process stored to the live index")]
    private partial void LogSynced(int count);

    [LoggerMessage(EventId = 1001, EventName = "IndexLoaded", Level = LogLevel.Information, Message = "Gallery index loaded from file: {Count} faces in {Milliseconds:0} ms")]
    private partial void LogLoaded(int count, double milliseconds);

    [LoggerMessage(EventId = 1002, EventName = "IndexRebuilt", Level = LogLevel.Information, Message = "Gallery index rebuilt from the store: {Count} faces in {Milliseconds:0} ms ({Parameters})")]
    private partial void LogRebuilt(int count, double milliseconds, string parameters);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Gallery index will be rebuilt: {Reason}")]
    private partial void LogRebuildNeeded(string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "{Message}")]
    private partial void LogStaleModel(string message);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "Gallery index failed to load")]
    private partial void LogFailed(Exception ex);
}
