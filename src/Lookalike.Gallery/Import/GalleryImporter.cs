using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Lookalike.Faces;
using Lookalike.Gallery.Index;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lookalike.Gallery.Import;

/// <summary>Progress of a running import.</summary>
public sealed record ImportProgress(int Total, int Processed, int Imported, int Skipped, int AlreadyStored, int FacesFound, double ImagesPerSecond, TimeSpan? Eta);

/// <summary>Outcome of an import: counts, the files skipped in this run with their reasons, and whether it was cancelled.</summary>
public sealed record ImportSummary(int Total, int Imported, int Skipped, int AlreadyStored, int FacesFound, TimeSpan Elapsed, IReadOnlyList<SkippedFile> SkippedFiles, bool Cancelled)
{
    /// <summary>
    /// Stored photos whose descriptors this import dropped because the face model or the descriptor settings changed
    /// (<see cref="IDescriptorModel.Identity"/>): they stay out of the gallery until their folders are imported again.
    /// </summary>
    public int DescriptorsDropped { get; init; }

    /// <summary>
    /// Files of the source that belong to other shares of a distributed import (<see cref="ImportShard"/>): not read, not in
    /// <see cref="Total"/> and not accounted as skipped by this run; 0 for an import that is not sharded.
    /// </summary>
    public int LeftToOtherShards { get; init; }

    /// <summary>Photos processed (imported or skipped in this run) per second.</summary>
    public double ImagesPerSecond => Elapsed.TotalSeconds > 0 ? (Imported + Skipped) / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// Imports a gallery into the store: a bounded parallel pipeline where workers (one per core) read, hash, decode and
/// detect, and one writer embeds the largest face of each photo in batches and commits each batch in one transaction,
/// then hands it to the index (<see cref="ImportIndexUpdates"/>: at once when the live index is in use, otherwise the
/// index file is brought up to date once at the end, so a CLI import writes its first file without loading the index). Already-recorded paths and already-imported content hashes are skipped, so a
/// re-import, or a restart after a kill, embeds only what is not stored yet. Every skipped file is recorded with its reason.
/// </summary>
public sealed class GalleryImporter(IGalleryStore store, FacePipeline pipeline, Lookalike.Faces.AgeGender.ChipAgeGenderEstimator ageSex, IDescriptorModel model, ImportIndexUpdates index, IOptions<LookalikeOptions> options, ILogger<GalleryImporter> logger)
{
    private readonly LookalikeOptions _options = options.Value;

    /// <summary>The bounds on what an import reads (<see cref="LookalikeOptions.ArchiveLimits"/>, per file defaulting to the pipeline's <c>MaxFileBytes</c>).</summary>
    public ArchiveLimits Limits { get; } = options.Value.ArchiveLimits(pipeline.Options.MaxFileBytes);

    /// <summary>Imports a folder, a .zip or a single photo; every path the process can read (the command line's import).</summary>
    /// <exception cref="FileNotFoundException">the path does not exist.</exception>
    /// <exception cref="InvalidDataException">the layout is not the requested format, or a zip has too many entries.</exception>
    public Task<ImportSummary> ImportAsync(string path, ImportFormat format, IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ImportAsync(path, format, null, progress, cancellationToken);

    /// <summary>
    /// Imports a folder, a .zip or a single photo; with <paramref name="roots"/>, links inside the folder that point out
    /// of them are skipped (the caller has checked <paramref name="path"/> itself with <see cref="ImportRoots.Authorize"/>).
    /// </summary>
    /// <exception cref="FileNotFoundException">the path does not exist.</exception>
    /// <exception cref="InvalidDataException">the layout is not the requested format, or a zip has too many entries.</exception>
    public Task<ImportSummary> ImportAsync(string path, ImportFormat format, ImportRoots? roots, IProgress<ImportProgress>? progress, CancellationToken cancellationToken) =>
        ImportAsync(path, format, roots, ImportShard.All, progress, cancellationToken);

    /// <summary>
    /// Imports the share <paramref name="shard"/> of a folder, a .zip or a single photo (a distributed import: n processes,
    /// each with its own share, over one store). Files of other shares are neither read nor accounted for in this run;
    /// <see cref="ImportSummary.LeftToOtherShards"/> counts them. Resumable like any import: a re-run of the same share
    /// embeds only what is not stored yet.
    /// </summary>
    /// <exception cref="FileNotFoundException">the path does not exist.</exception>
    /// <exception cref="InvalidDataException">the layout is not the requested format, or a zip has too many entries.</exception>
    public async Task<ImportSummary> ImportAsync(string path, ImportFormat format, ImportRoots? roots, ImportShard shard, IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var entries = ImportSources.Enumerate(path, format, Limits, roots);
        if (shard.IsAll)
        {
            return await ImportEntriesAsync(entries, progress, cancellationToken).ConfigureAwait(false);
        }
        var share = entries.Where(e => shard.Contains(ImportShard.KeyOf(path, e.SourcePath))).ToList();
        logger.LogInformation("Shard {Shard}: {Share} of {Total} files; {Others} left to other shards", shard, share.Count, entries.Count, entries.Count - share.Count);
        var summary = await ImportEntriesAsync(share, progress, cancellationToken).ConfigureAwait(false);
        return summary with { LeftToOtherShards = entries.Count - share.Count };
    }

    /// <summary>Adds one uploaded photo of <paramref name="person"/> to the gallery.</summary>
    public Task<ImportSummary> AddPhotoAsync(byte[] bytes, string person, string fileName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentException.ThrowIfNullOrWhiteSpace(person);
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var entry = new ImportEntry($"upload:{hash[..16]}/{Path.GetFileName(fileName)}", person.Trim(), () => bytes, null);
        return ImportEntriesAsync([entry], null, cancellationToken);
    }

    /// <summary>Runs the pipeline over <paramref name="entries"/>.</summary>
    public async Task<ImportSummary> ImportEntriesAsync(IReadOnlyList<ImportEntry> entries, IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        await index.BeforeImportAsync(cancellationToken).ConfigureAwait(false);
        var cleared = store.EnsureModel(model.Identity);
        if (cleared > 0)
        {
            logger.LogWarning("The face model changed: {Count} stored photos will be embedded again", cleared);
            await index.DescriptorsDroppedAsync(cancellationToken).ConfigureAwait(false);
        }

        var known = store.GetKnownSourcePaths();
        var hashes = new ConcurrentDictionary<string, string>(store.GetImportedHashes(), StringComparer.Ordinal);
        var workers = _options.ImportParallelism > 0 ? _options.ImportParallelism : Environment.ProcessorCount;
        var batchSize = Math.Max(1, _options.EmbedBatchSize);
        var work = Channel.CreateBounded<(ImportEntry Entry, byte[] Bytes)>(new BoundedChannelOptions(workers * 2) { SingleWriter = true });
        var results = Channel.CreateBounded<Outcome>(new BoundedChannelOptions(workers * 2 + batchSize) { SingleReader = true });
        var counters = new Counters { Total = entries.Count };
        var stopwatch = Stopwatch.StartNew();
        var skippedFiles = new List<SkippedFile>();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = linked.Token;

        var producer = Task.Run(async () =>
        {
            try
            {
                foreach (var entry in entries)
                {
                    token.ThrowIfCancellationRequested();
                    if (known.Contains(entry.SourcePath))
                    {
                        Interlocked.Increment(ref counters.AlreadyStored);
                        continue;
                    }
                    if (entry.PreSkipReason is not null || entry.Read is null)
                    {
                        await results.Writer.WriteAsync(Outcome.Skip(entry, null, entry.PreSkipReason ?? "unreadable"), token).ConfigureAwait(false);
                        continue;
                    }
                    byte[] bytes;
                    try
                    {
                        bytes = entry.Read();
                    }
                    catch (ImportEntryTooLargeException ex)
                    {
                        await results.Writer.WriteAsync(Outcome.Skip(entry, null, ex.Message), token).ConfigureAwait(false);
                        continue;
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
                    {
                        // the reason is shown on the web: the file's folder and name, not its full server path
                        var reason = "unreadable: " + ex.Message.Replace(entry.SourcePath, ImportSources.DisplayName(entry.SourcePath), StringComparison.Ordinal);
                        await results.Writer.WriteAsync(Outcome.Skip(entry, null, reason), token).ConfigureAwait(false);
                        continue;
                    }
                    await work.Writer.WriteAsync((entry, bytes), token).ConfigureAwait(false);
                }
            }
            finally
            {
                work.Writer.TryComplete();
            }
        }, token);

        var detectors = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            await foreach (var (entry, bytes) in work.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                await results.Writer.WriteAsync(Detect(entry, bytes, hashes), token).ConfigureAwait(false);
            }
        }, token)).ToArray();

        var completion = Task.WhenAll(detectors.Append(producer)).ContinueWith(t => results.Writer.TryComplete(t.Exception), TaskScheduler.Default);

        var pendingFaces = new List<Outcome>(batchSize);
        var pendingSkips = new List<Outcome>();
        var lastReport = 0L;
        var cancelled = false;
        try
        {
            await foreach (var outcome in results.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                (outcome.Face is null ? pendingSkips : pendingFaces).Add(outcome);
                if (pendingFaces.Count >= batchSize || pendingSkips.Count >= 256)
                {
                    Flush(pendingFaces, pendingSkips, counters, skippedFiles);
                }
                if (stopwatch.ElapsedMilliseconds - lastReport > 250)
                {
                    lastReport = stopwatch.ElapsedMilliseconds;
                    progress?.Report(counters.ToProgress(stopwatch.Elapsed, pendingFaces.Count + pendingSkips.Count));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelled = true;
        }
        finally
        {
            await linked.CancelAsync().ConfigureAwait(false);
            // What was already decoded is still committed, so a resumed import does not redo it.
            Flush(pendingFaces, pendingSkips, counters, skippedFiles);
            try
            {
                await completion.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // workers stopped by the cancellation above
            }
        }
        if (!cancelled)
        {
            await producer.ConfigureAwait(false);
        }
        await index.AfterImportAsync(!cancelled && (counters.Imported > 0 || cleared > 0), CancellationToken.None).ConfigureAwait(false);
        var summary = new ImportSummary(counters.Total, counters.Imported, counters.Skipped, counters.AlreadyStored, counters.FacesFound, stopwatch.Elapsed, skippedFiles, cancelled)
        {
            DescriptorsDropped = cleared,
        };
        progress?.Report(counters.ToProgress(stopwatch.Elapsed, 0));
        logger.LogInformation(
            "Import {State}: {Imported} imported, {Skipped} skipped, {Already} already stored of {Total} in {Seconds:0.0} s ({Rate:0.0} images/s)",
            cancelled ? "cancelled" : "finished", summary.Imported, summary.Skipped, summary.AlreadyStored, summary.Total, summary.Elapsed.TotalSeconds, summary.ImagesPerSecond);
        return summary;
    }

    private Outcome Detect(ImportEntry entry, byte[] bytes, ConcurrentDictionary<string, string> hashes)
    {
        if (bytes.Length == 0)
        {
            return Outcome.Skip(entry, null, "empty file");
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!hashes.TryAdd(hash, entry.SourcePath))
        {
            return Outcome.Skip(entry, hash, ImageRejectionText.DuplicateOf(hashes[hash]));
        }
        try
        {
            var (image, faces) = pipeline.DecodeAndDetect(bytes);
            if (faces.Count == 0)
            {
                return Outcome.Skip(entry, hash, "no face detected", image.Width, image.Height);
            }
            var largest = faces.MaxBy(f => f.Box.Area)!;
            return new Outcome(entry, hash, null, image, largest, faces.Count);
        }
        catch (ImageRejectedException ex)
        {
            hashes.TryRemove(hash, out _);
            return Outcome.Skip(entry, hash, ImageRejectionText.SkipReason(ex));
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException or InvalidOperationException or IOException)
        {
            hashes.TryRemove(hash, out _);
            return Outcome.Skip(entry, hash, "could not decode: " + ex.Message);
        }
    }

    private void Flush(List<Outcome> pendingFaces, List<Outcome> pendingSkips, Counters counters, List<SkippedFile> skippedFiles)
    {
        if (pendingFaces.Count == 0 && pendingSkips.Count == 0)
        {
            return;
        }
        var records = new List<PhotoRecord>(pendingFaces.Count + pendingSkips.Count);
        foreach (var s in pendingSkips)
        {
            records.Add(s.ToRecord(null));
        }
        if (pendingFaces.Count > 0)
        {
            foreach (var (outcome, analyzed, error) in Embed(pendingFaces))
            {
                if (analyzed is null)
                {
                    records.Add(outcome.ToRecord(null) with { SkipReason = error });
                    continue;
                }
                var d = analyzed.Detection;
                // the estimate comes from the thumbnail, as the backfill's does, so old and new faces agree
                records.Add(outcome.ToRecord(new StoredFaceInput(d.Box, d.Keypoints, d.Score, analyzed.ThumbnailJpeg, analyzed.Descriptor)
                {
                    Estimate = ageSex.Estimate(analyzed.ThumbnailJpeg),
                }));
            }
        }
        var added = store.WriteBatch(records);
        index.Added(added);
        foreach (var r in records)
        {
            if (r.Face is null)
            {
                counters.Skipped++;
                skippedFiles.Add(new SkippedFile(r.SourcePath, r.SkipReason ?? ""));
            }
            else
            {
                counters.Imported++;
                counters.FacesFound += r.FaceCount;
            }
        }
        pendingFaces.Clear();
        pendingSkips.Clear();
    }

    private List<(Outcome Outcome, AnalyzedFace? Face, string? Error)> Embed(List<Outcome> batch)
    {
        var list = new List<(Outcome, AnalyzedFace?, string?)>(batch.Count);
        IReadOnlyList<AnalyzedFace>? embedded = null;
        try
        {
            embedded = pipeline.EmbedFaces(batch.Select(o => (o.Image!, o.Face!)).ToList());
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or ImageRejectedException)
        {
            logger.LogWarning(ex, "Batch embedding failed; embedding the {Count} faces one by one", batch.Count);
        }
        for (var i = 0; i < batch.Count; i++)
        {
            AnalyzedFace? face = null;
            string? error = null;
            try
            {
                face = embedded is not null ? embedded[i] : pipeline.EmbedFaces([(batch[i].Image!, batch[i].Face!)])[0];
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or ImageRejectedException)
            {
                error = ImageRejectionText.NoDescriptorReason(ex.Message);
            }
            if (face is not null && DescriptorCheck.Problem(face.Descriptor) is { } problem)
            {
                face = null; // a degenerate network output is never stored
                error = ImageRejectionText.NoDescriptorReason(problem);
            }
            list.Add((batch[i], face, error));
        }
        return list;
    }

    private sealed record Outcome(ImportEntry Entry, string? Hash, string? SkipReason, RgbImage? Image, DetectedFace? Face, int FaceCount, int Width = 0, int Height = 0)
    {
        public static Outcome Skip(ImportEntry entry, string? hash, string reason, int width = 0, int height = 0) => new(entry, hash, reason, null, null, 0, width, height);

        public PhotoRecord ToRecord(StoredFaceInput? face) => new(
            Entry.SourcePath, Hash, Entry.Person, face is null ? SkipReason : null, FaceCount, Image?.Width ?? Width, Image?.Height ?? Height, face);
    }

    private sealed class Counters
    {
        public int Total;
        public int Imported;
        public int Skipped;
        public int AlreadyStored;
        public int FacesFound;

        public ImportProgress ToProgress(TimeSpan elapsed, int pending)
        {
            var processed = Imported + Skipped + pending;
            var rate = elapsed.TotalSeconds > 0.5 ? processed / elapsed.TotalSeconds : 0;
            var remaining = Total - processed - Volatile.Read(ref AlreadyStored);
            TimeSpan? eta = rate > 0 ? TimeSpan.FromSeconds(Math.Max(0, remaining) / rate) : null;
            return new ImportProgress(Total, processed + Volatile.Read(ref AlreadyStored), Imported, Skipped, Volatile.Read(ref AlreadyStored), FacesFound, rate, eta);
        }
    }
}
