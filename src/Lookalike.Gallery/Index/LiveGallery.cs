using System.Diagnostics;
using Lookalike.Index;
using Microsoft.Extensions.Logging;

namespace Lookalike.Gallery.Index;

/// <summary>
/// The gallery's live HNSW index (a singleton): on start it loads the index file when it matches the store
/// (<see cref="IndexFileRepository"/>) and otherwise rebuilds from the stored descriptors (never re-embedding); later
/// rebuilds run in the background, catch up with faces stored meanwhile, and are swapped in atomically, so searches are
/// never interrupted. Imports add faces in place. Its state is published on <see cref="IndexStatusBoard"/>.
/// </summary>
public sealed partial class LiveGallery : IGalleryIndex, IDisposable
{
    /// <summary>Log event of a load from the index file.</summary>
    public static readonly EventId IndexLoadedEvent = new(1001, "IndexLoaded");

    /// <summary>Log event of a rebuild from the stored descriptors.</summary>
    public static readonly EventId IndexRebuiltEvent = new(1002, "IndexRebuilt");

    private readonly IGalleryStore _store;
    private readonly IndexFileRepository _files;
    private readonly ModelStalenessPolicy _staleness;
    private readonly IndexParameterSource _parameters;
    private readonly IndexStatusBoard _status;
    private readonly ILogger<LiveGallery> _logger;
    private readonly Lock _writeGate = new();
    private readonly SemaphoreSlim _rebuildGate = new(1, 1);
    private readonly Lock _startGate = new();
    private Task? _startup;
    private volatile GallerySnapshot _current;
    private HashSet<long> _skipped = []; // stored faces left out of the index (under _writeGate)

    /// <summary>Creates the live gallery, empty until <see cref="EnsureReadyAsync"/>.</summary>
    public LiveGallery(IGalleryStore store, IndexFileRepository files, ModelStalenessPolicy staleness, IndexParameterSource parameters, IndexStatusBoard status, ILogger<LiveGallery> logger)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _store = store;
        _files = files;
        _staleness = staleness;
        _parameters = parameters;
        _status = status;
        _logger = logger;
        _current = Empty(parameters.Desired());
    }

    /// <summary>The current searchable gallery; replaced atomically by rebuilds.</summary>
    public GallerySnapshot Current => _current;

    /// <summary>The live index's status (also on <see cref="IndexStatusBoard"/>).</summary>
    public IndexStatus Status => _status.Current;

    /// <inheritdoc/>
    public IDisposable NotifyOnChange(Action callback) => _status.NotifyOnChange(callback);

    /// <summary>True once <see cref="EnsureReadyAsync"/> was called (the index is loaded, or loading).</summary>
    public bool IsStarted
    {
        get
        {
            lock (_startGate)
            {
                return _startup is not null;
            }
        }
    }

    private static GallerySnapshot Empty(HnswOptions parameters) => new(new HnswIndex(parameters), TimeSpan.Zero, loadedFromFile: false);

    /// <summary>Loads or rebuilds once; later calls return the same task (a failed or cancelled start is retried).</summary>
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
            _status.Set(IndexState.Loading, 0, "Loading the gallery index…");
            foreach (var orphan in _files.RemoveOrphanTemporaryFiles())
            {
                LogOrphanRemoved(orphan);
            }
            var stopwatch = Stopwatch.StartNew();
            var desired = _parameters.Desired();
            var storeModel = _store.GetModel();
            var stale = _staleness.Check(storeModel);
            _status.SetStale(stale);
            if (stale is not null)
            {
                _current = Empty(desired);
                _status.Set(IndexState.Ready, 1, stale);
                LogStaleModel(stale);
                return;
            }
            var readAt = CurationGeneration;
            var stored = ReadScreened(desired.Dimension);
            var (faces, vectors) = stored;
            var load = _files.TryLoad(desired, stored.Fingerprint, storeModel, faces.Length);
            if (load.KeptAs is { } keptAs)
            {
                var damaged = $"The index file was damaged ({load.Reason}); it was kept as {Path.GetFileName(keptAs)} and the index rebuilt from the store.";
                LogDamaged(load.Reason, keptAs);
                _status.SetDamaged(damaged);
            }
            else
            {
                _status.SetDamaged(null);
            }
            lock (_writeGate)
            {
                SetSkippedLocked(stored.Skipped);
            }
            if (load.Index is { } loaded)
            {
                var snapshot = new GallerySnapshot(loaded, stopwatch.Elapsed, loadedFromFile: true);
                snapshot.SetDefaultEfSearch(desired.DefaultEfSearch);
                snapshot.AppendExact(faces, vectors);
                lock (_writeGate)
                {
                    ReconcileLocked(snapshot, readAt);
                    _current = snapshot;
                }
                _status.CountLoad();
                LogLoaded(faces.Length, stopwatch.Elapsed.TotalMilliseconds);
                _status.Set(IndexState.Ready, 1, $"Index loaded from file: {faces.Length:N0} faces in {stopwatch.Elapsed.TotalSeconds:0.00} s.");
                return;
            }
            LogRebuildNeeded(load.Reason);
            await RebuildCoreAsync(desired, faces, vectors, readAt, persistParameters: false, null, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _status.Set(IndexState.NotLoaded, 0, "Index load cancelled.");
            throw;
        }
        catch (Exception ex)
        {
            // Whatever went wrong, the state says so (never "Loading…" forever); EnsureReadyAsync may be called again.
            LogFailed(ex);
            _status.Set(IndexState.Failed, 0, "The gallery index could not be loaded: " + ex.Message);
            throw;
        }
    }

    /// <summary>
    /// Rebuilds the index from the stored descriptors with <paramref name="parameters"/> (the embedder's dimension is
    /// used whatever theirs) in the background, then swaps it in. Faces imported during the build are added before the
    /// swap. Stores the parameters when asked.
    /// </summary>
    /// <returns>The build time.</returns>
    /// <exception cref="ArgumentException">The parameters are outside <see cref="GalleryLimits"/>; the index in force stays.</exception>
    public async Task<TimeSpan> RebuildAsync(HnswOptions parameters, bool persistParameters, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var errors = GalleryIndexParameters.Validate(parameters);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors.Values), nameof(parameters));
        }
        var options = GalleryIndexParameters.ForModel(parameters, _parameters.Desired().Dimension);
        var readAt = CurationGeneration;
        var stored = await Task.Run(() => ReadScreened(options.Dimension), cancellationToken).ConfigureAwait(false);
        lock (_writeGate)
        {
            SetSkippedLocked(stored.Skipped);
        }
        var (faces, vectors) = stored;
        return await RebuildCoreAsync(options, faces, vectors, readAt, persistParameters, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Rebuilds with the parameters in force (<see cref="IndexParameterSource.Desired"/>).</summary>
    public Task<TimeSpan> RebuildAsync(IProgress<double>? progress = null, CancellationToken cancellationToken = default) =>
        RebuildAsync(_parameters.Desired(), persistParameters: false, progress, cancellationToken);

    // readAt: the curation generation noted before the faces were read from the store (reconciled before the swap).
    private async Task<TimeSpan> RebuildCoreAsync(HnswOptions parameters, FaceRef[] faces, float[] vectors, long readAt, bool persistParameters, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        await _rebuildGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var described = GalleryIndexParameters.Describe(parameters);
        try
        {
            _status.Set(IndexState.Rebuilding, 0, $"Rebuilding the index from {faces.Length:N0} stored descriptors ({described})…");
            var stopwatch = Stopwatch.StartNew();
            var index = new HnswIndex(parameters);
            var reporter = new InlineProgress<int>(done =>
            {
                var fraction = faces.Length == 0 ? 1 : (double)done / faces.Length;
                progress?.Report(fraction);
                _status.Set(IndexState.Rebuilding, fraction, $"Rebuilding the index: {done:N0} / {faces.Length:N0} faces…");
            });
            await Task.Run(() => index.AddRange(faces.Select(f => f.FaceId).ToArray(), vectors, -1, reporter, cancellationToken), cancellationToken).ConfigureAwait(false);
            var buildTime = stopwatch.Elapsed;
            var snapshot = new GallerySnapshot(index, buildTime, loadedFromFile: false);
            snapshot.AppendExact(faces, vectors);
            lock (_writeGate)
            {
                // Catch up with faces an import stored while this build ran, then swap.
                var previous = _current;
                var known = faces.Select(f => f.FaceId).ToHashSet();
                var missing = previous.Faces.Values.Where(f => !known.Contains(f.FaceId)).OrderBy(f => f.FaceId).ToList();
                if (missing.Count > 0 && previous.Dimension == index.Dimension)
                {
                    var dimension = index.Dimension;
                    var buffer = new float[missing.Count * dimension];
                    for (var i = 0; i < missing.Count; i++)
                    {
                        previous.Index.TryGetVector(missing[i].FaceId, buffer.AsSpan(i * dimension, dimension));
                    }
                    index.AddRange(missing.Select(f => f.FaceId).ToArray(), buffer);
                    snapshot.AppendExact(missing, buffer);
                }
                ReconcileLocked(snapshot, readAt);
                _current = snapshot;
                if (persistParameters)
                {
                    _parameters.Store(parameters);
                }
                PersistLocked();
            }
            _status.CountRebuild();
            LogRebuilt(faces.Length, buildTime.TotalMilliseconds, described);
            _status.Set(IndexState.Ready, 1, $"Index rebuilt: {snapshot.Count:N0} faces in {buildTime.TotalSeconds:0.00} s ({described}).");
            return buildTime;
        }
        catch (OperationCanceledException)
        {
            _status.Set(IndexState.Ready, 1, "Rebuild cancelled; the previous index stays in use.");
            throw;
        }
        finally
        {
            _rebuildGate.Release();
        }
    }

    /// <summary>Adds newly stored faces to the live index (searches keep running).</summary>
    /// <param name="added">Faces with their descriptors (the embedder's dimension each).</param>
    public void AddFaces(IReadOnlyList<(FaceRef Face, float[] Descriptor)> added)
    {
        ArgumentNullException.ThrowIfNull(added);
        if (added.Count == 0)
        {
            return;
        }
        var dimension = _current.Dimension;
        var faces = added.Select(a => a.Face).ToArray();
        var vectors = new float[added.Count * dimension];
        for (var i = 0; i < added.Count; i++)
        {
            added[i].Descriptor.AsSpan().CopyTo(vectors.AsSpan(i * dimension));
        }
        lock (_writeGate)
        {
            AddMissingLocked(faces, vectors);
        }
        _status.Notify();
    }

    /// <summary>
    /// Adds the faces of <paramref name="stored"/> the live index does not hold yet, unless a rebuild is running (it reads
    /// the store itself). Returns how many were added, or null when a rebuild was running or a curation happened since the read.
    /// </summary>
    /// <param name="stored">What the store held when read.</param>
    /// <param name="readAt">The curation generation noted before reading; when a curation happened since, nothing is
    /// added and null is returned (the read may hold a face deleted since), so the caller reads again.</param>
    /// <returns>How many faces were added; null when nothing was tried.</returns>
    internal int? TryAddMissing(StoredDescriptors stored, long readAt)
    {
        lock (_writeGate)
        {
            if (_curations != readAt || !_rebuildGate.Wait(0))
            {
                return null;
            }
            try
            {
                var screened = DescriptorScreen.Screen(stored, _current.Dimension);
                LogSkippedRows(screened.Skipped.Where(s => !_skipped.Contains(s.FaceId)));
                SetSkippedLocked(screened.Skipped);
                return AddMissingLocked(screened.Faces, screened.Vectors);
            }
            finally
            {
                _rebuildGate.Release();
            }
        }
    }

    /// <summary>
    /// Adds the faces of <paramref name="stored"/> (a read of some stored faces, e.g. those a change log row names) the live
    /// index does not hold yet; rebuilds running meanwhile pick them up from the live snapshot before their swap. Faces
    /// whose descriptor cannot be indexed join the skipped ones.
    /// </summary>
    /// <param name="stored">Descriptors read from the store.</param>
    /// <param name="readAt">The curation generation noted before reading; when a curation happened since, nothing is added.</param>
    /// <returns>How many faces were added; null when a curation made the read stale (read again).</returns>
    internal int? TryAddStored(StoredDescriptors stored, long readAt)
    {
        int added;
        lock (_writeGate)
        {
            if (_curations != readAt)
            {
                return null;
            }
            var screened = DescriptorScreen.Screen(stored, _current.Dimension);
            var newlySkipped = screened.Skipped.Where(s => !_skipped.Contains(s.FaceId)).ToList();
            if (newlySkipped.Count > 0)
            {
                LogSkippedRows(newlySkipped);
                _skipped.UnionWith(newlySkipped.Select(s => s.FaceId));
                _status.SetSkipped(_skipped.Count);
            }
            added = AddMissingLocked(screened.Faces, screened.Vectors);
        }
        if (added > 0)
        {
            _status.Notify();
        }
        return added;
    }

    /// <summary>Stored faces that are left out of the live index (their descriptor cannot be indexed); the store sync
    /// counts them as known so that it does not read the store again and again.</summary>
    public bool IsSkipped(long faceId)
    {
        lock (_writeGate)
        {
            return _skipped.Contains(faceId);
        }
    }

    /// <summary>How many stored faces are left out of the live index.</summary>
    public int SkippedCount
    {
        get
        {
            lock (_writeGate)
            {
                return _skipped.Count;
            }
        }
    }

    /// <summary>Every stored descriptor of <paramref name="dimension"/> floats the index can take; the others are logged and listed.</summary>
    private StoredDescriptors ReadScreened(int dimension)
    {
        var screened = DescriptorScreen.Screen(_store.ReadAllEmbeddings(dimension), dimension);
        LogSkippedRows(screened.Skipped);
        return screened;
    }

    private void LogSkippedRows(IEnumerable<SkippedDescriptor> skipped)
    {
        var list = skipped.ToList();
        if (list.Count > 0)
        {
            LogSkipped(list.Count, string.Join("; ", list.Take(10).Select(s => $"face {s.FaceId}: {s.Reason}")) + (list.Count > 10 ? "; …" : ""));
        }
    }

    private void SetSkippedLocked(IReadOnlyList<SkippedDescriptor> skipped)
    {
        _skipped = skipped.Select(s => s.FaceId).ToHashSet();
        _status.SetSkipped(_skipped.Count);
    }

    /// <summary>Adds the faces the current snapshot does not hold yet (a face already there is left alone).</summary>
    private int AddMissingLocked(FaceRef[] faces, float[] vectors)
    {
        var snapshot = _current;
        var dimension = snapshot.Dimension;
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
            var kept = new float[keep.Count * dimension];
            for (var j = 0; j < keep.Count; j++)
            {
                vectors.AsSpan(keep[j] * dimension, dimension).CopyTo(kept.AsSpan(j * dimension));
            }
            faces = keep.Select(i => faces[i]).ToArray();
            vectors = kept;
        }
        snapshot.Index.AddRange(faces.Select(f => f.FaceId).ToArray(), vectors);
        snapshot.AppendExact(faces, vectors);
        if (_status.Current.State == IndexState.Ready)
        {
            _status.SetMessage($"Index ready: {snapshot.Count:N0} faces ({GalleryIndexParameters.Describe(snapshot.Parameters)}).");
        }
        return faces.Length;
    }

    /// <summary>Writes the index file and its sidecar (<see cref="IndexFileRepository.Save"/>) when the live index holds what the store holds.</summary>
    public void Persist()
    {
        lock (_writeGate)
        {
            PersistLocked();
        }
    }

    /// <summary>Sets the default efSearch of the live index (no rebuild needed) and stores it.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="efSearch"/> is outside 1…<see cref="GalleryLimits.MaxDefaultEfSearch"/>.</exception>
    public void SetDefaultEfSearch(int efSearch)
    {
        _parameters.StoreDefaultEfSearch(efSearch);
        _current.SetDefaultEfSearch(efSearch);
        _status.Notify();
    }

    private void PersistLocked()
    {
        var snapshot = _current;
        var fingerprint = _store.GetFaceFingerprint();
        if (fingerprint.Count != snapshot.Count + _skipped.Count)
        {
            // The store moved on (an import is writing); the next persist will catch up.
            return;
        }
        _files.Save(snapshot.Index, fingerprint, _store.GetModel());
    }

    /// <inheritdoc/>
    public void Dispose() => _rebuildGate.Dispose();

    /// <summary>Reports on the reporting thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class InlineProgress<T>(Action<T> callback) : IProgress<T>
    {
        public void Report(T value) => callback(value);
    }

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

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "The index file was damaged ({Reason}); it was kept as {KeptAs} and the index is rebuilt from the store")]
    private partial void LogDamaged(string reason, string keptAs);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "{Count} stored descriptors cannot be indexed and are left out: {Details}")]
    private partial void LogSkipped(int count, string details);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "Removed {File}, a temporary file left by an interrupted save")]
    private partial void LogOrphanRemoved(string file);
}
