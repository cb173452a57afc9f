namespace Lookalike.Gallery.Index;

/// <summary>
/// The live index's side of gallery curation (<see cref="Curation.GalleryCuration"/> changes the store first, then calls
/// these): removed faces leave every search at once and the index file is saved, so a restart loads what the store holds;
/// renamed or merged people show under their new name in the next search. A load, rebuild or store sync that read the
/// store before a curation is reconciled with the store before it is swapped in, so it cannot bring a deleted face or an
/// old name back.
/// </summary>
public sealed partial class LiveGallery
{
    private long _curations; // bumped under _writeGate by every curation

    /// <summary>How many curations were applied so far; a reader of the store notes it before reading.</summary>
    internal long CurationGeneration
    {
        get
        {
            lock (_writeGate)
            {
                return _curations;
            }
        }
    }

    /// <summary>Takes faces the store deleted out of the live index (searches never return them from now on), then saves
    /// the index file and its sidecar when the live index holds what the store holds.</summary>
    /// <param name="faceIds">Ids of deleted faces; ids the index does not hold are ignored.</param>
    /// <exception cref="IOException">The index file could not be written (the live index is already updated; the next
    /// start rebuilds from the store).</exception>
    public void RemoveFaces(IReadOnlyCollection<long> faceIds)
    {
        ArgumentNullException.ThrowIfNull(faceIds);
        lock (_writeGate)
        {
            _curations++;
            _current.RemoveFaces(faceIds);
            if (_skipped.Overlaps(faceIds))
            {
                _skipped.ExceptWith(faceIds);
                _status.SetSkipped(_skipped.Count);
            }
            UpdateReadyMessageLocked();
            PersistLocked();
        }
        _status.Notify();
    }

    /// <summary>Gives every face of person <paramref name="personId"/> in the live index the person
    /// <paramref name="newPersonId"/> called <paramref name="newName"/> (a rename: the same id; a merge: the target's).
    /// The index file does not change: it holds face ids and descriptors, and names come from the store on load.</summary>
    public void Reassign(long personId, long newPersonId, string newName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(newName);
        lock (_writeGate)
        {
            _curations++;
            var snapshot = _current;
            snapshot.UpdateFaces(snapshot.Faces.Values.Where(f => f.PersonId == personId)
                .Select(f => f with { PersonId = newPersonId, Person = newName }).ToList());
        }
        _status.Notify();
    }

    /// <summary>
    /// Brings a snapshot built from a store read taken at curation generation <paramref name="readAt"/> in step with the
    /// store when a curation happened since: faces the store no longer holds are removed, faces whose person changed are
    /// relabelled. Faces the store gained meanwhile are left to the import that stored them. Under <c>_writeGate</c>.
    /// </summary>
    private void ReconcileLocked(GallerySnapshot snapshot, long readAt)
    {
        if (_curations == readAt)
        {
            return;
        }
        var stored = _store.ReadAllEmbeddings(snapshot.Dimension);
        var byId = new Dictionary<long, FaceRef>(stored.Faces.Length);
        foreach (var face in stored.Faces)
        {
            byId[face.FaceId] = face;
        }
        var gone = new List<long>();
        var changed = new List<FaceRef>();
        foreach (var face in snapshot.Faces.Values)
        {
            if (!byId.TryGetValue(face.FaceId, out var now))
            {
                gone.Add(face.FaceId);
            }
            else if (now != face)
            {
                changed.Add(now);
            }
        }
        snapshot.RemoveFaces(gone);
        snapshot.UpdateFaces(changed);
    }

    private void UpdateReadyMessageLocked()
    {
        if (_status.Current.State == IndexState.Ready)
        {
            _status.SetMessage($"Index ready: {_current.Count:N0} faces ({GalleryIndexParameters.Describe(_current.Parameters)}).");
        }
    }
}
