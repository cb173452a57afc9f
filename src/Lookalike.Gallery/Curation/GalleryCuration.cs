using Lookalike.Gallery.Index;

namespace Lookalike.Gallery.Curation;

/// <summary>How a curation ended; the API maps it to a status (200, 400, 404, 409).</summary>
public enum CurationStatus
{
    /// <summary>Done: the store and the live index changed.</summary>
    Done,

    /// <summary>The input was refused (empty or too long name, a merge into the same person); nothing changed.</summary>
    Invalid,

    /// <summary>No person or face with that id; nothing changed.</summary>
    NotFound,

    /// <summary>Another person already has the name; nothing changed.</summary>
    Conflict,
}

/// <summary>The outcome of a curation: its status, a stable code for the API (<c>renamed</c>, <c>empty_name</c>,
/// <c>person_not_found</c>, …), a plain sentence for people, and what it touched.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Code">Stable lower-case code.</param>
/// <param name="Message">A sentence for the page or the API's <c>message</c>.</param>
/// <param name="PersonId">The person that remains (renamed, merged into, owner of a deleted face); null when none.</param>
/// <param name="Name">That person's name; null when none.</param>
/// <param name="Faces">How many faces moved (merge) or left the gallery (deletes); 0 otherwise.</param>
public sealed record CurationResult(CurationStatus Status, string Code, string Message, long? PersonId = null, string? Name = null, int Faces = 0)
{
    /// <summary>True when the change was made.</summary>
    public bool Succeeded => Status == CurationStatus.Done;
}

/// <summary>
/// Gallery curation for the admin (Gallery page, <c>/api/admin/people</c>, <c>/api/admin/faces</c>): rename a person,
/// merge two people, delete a person or one face. Each validates its input, changes the store in one transaction and
/// then the live index at once (<see cref="LiveGallery.RemoveFaces"/>, <see cref="LiveGallery.Reassign"/>): a deleted
/// face leaves search results immediately and a new name shows in the next search. Deletes save the index file, so a
/// restart loads exactly what the store holds. Not undoable. Curations run one at a time. The caller checks that the
/// user is the admin.
/// </summary>
public sealed class GalleryCuration(IGalleryStore store, LiveGallery gallery)
{
    private readonly Lock _gate = new();

    /// <summary>A name as it will be stored (trimmed), or the reason it is refused.</summary>
    /// <returns>Null when <paramref name="name"/> is acceptable, otherwise an <see cref="CurationStatus.Invalid"/> result.</returns>
    public static CurationResult? CheckName(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            return Invalid("empty_name", "The new name is empty.");
        }
        if (trimmed.Length > GalleryLimits.MaxPersonNameLength)
        {
            return Invalid("name_too_long", $"The name is {trimmed.Length} characters long; at most {GalleryLimits.MaxPersonNameLength} are allowed.");
        }
        if (trimmed.Any(char.IsControl))
        {
            return Invalid("bad_name", "The name holds a line break or another control character.");
        }
        return null;
    }

    /// <summary>Renames person <paramref name="personId"/> to <paramref name="name"/> (trimmed; 1–<see cref="GalleryLimits.MaxPersonNameLength"/> characters, no control characters).</summary>
    /// <returns>Done (<c>renamed</c>), Invalid (<c>empty_name</c>, <c>name_too_long</c>, <c>bad_name</c>), NotFound
    /// (<c>person_not_found</c>) or Conflict (<c>name_taken</c>: another person has the name; merge them instead).</returns>
    public CurationResult Rename(long personId, string? name)
    {
        if (CheckName(name) is { } refused)
        {
            return refused;
        }
        var trimmed = name!.Trim();
        lock (_gate)
        {
            switch (store.RenamePerson(personId, trimmed))
            {
                case RenameOutcome.NotFound:
                    return PersonNotFound(personId);
                case RenameOutcome.NameTaken:
                    return new CurationResult(CurationStatus.Conflict, "name_taken", $"Another person is already called “{trimmed}”; merge the two instead.");
            }
            gallery.Reassign(personId, personId, trimmed);
        }
        return new CurationResult(CurationStatus.Done, "renamed", $"Renamed to {trimmed}.", personId, trimmed);
    }

    /// <summary>Merges person <paramref name="sourceId"/> into <paramref name="targetId"/>: the source's faces and photos
    /// become the target's and the source is deleted.</summary>
    /// <returns>Done (<c>merged</c>, with the faces moved), Invalid (<c>merge_into_self</c>) or NotFound (<c>person_not_found</c>).</returns>
    public CurationResult Merge(long sourceId, long targetId)
    {
        if (sourceId == targetId)
        {
            return Invalid("merge_into_self", "A person cannot be merged into themselves; choose another person.");
        }
        lock (_gate)
        {
            var source = store.GetPerson(sourceId);
            var target = store.GetPerson(targetId);
            if (source is null || target is null)
            {
                return PersonNotFound(source is null ? sourceId : targetId);
            }
            var moved = store.MergePeople(sourceId, targetId);
            if (moved is null)
            {
                return PersonNotFound(sourceId);
            }
            gallery.Reassign(sourceId, targetId, target.Name);
            return new CurationResult(CurationStatus.Done, "merged", $"Merged {source.Name} into {target.Name} ({Faces(moved.Count)} moved).", targetId, target.Name, moved.Count);
        }
    }

    /// <summary>Deletes person <paramref name="personId"/> with every face; they leave search results at once.</summary>
    /// <returns>Done (<c>person_deleted</c>, with the faces removed) or NotFound (<c>person_not_found</c>).</returns>
    /// <exception cref="IOException">The store changed but the index file could not be saved (the next start rebuilds).</exception>
    public CurationResult DeletePerson(long personId)
    {
        lock (_gate)
        {
            var person = store.GetPerson(personId);
            var removed = person is null ? null : store.DeletePerson(personId);
            if (removed is null)
            {
                return PersonNotFound(personId);
            }
            gallery.RemoveFaces(removed);
            return new CurationResult(CurationStatus.Done, "person_deleted", $"Deleted {person!.Name} ({Faces(removed.Count)}).", null, person.Name, removed.Count);
        }
    }

    /// <summary>Deletes face <paramref name="faceId"/> (and its photo from the gallery); it leaves search results at once. The person stays.</summary>
    /// <returns>Done (<c>face_deleted</c>) or NotFound (<c>face_not_found</c>).</returns>
    /// <exception cref="IOException">The store changed but the index file could not be saved (the next start rebuilds).</exception>
    public CurationResult DeleteFace(long faceId)
    {
        lock (_gate)
        {
            if (store.DeleteFace(faceId) is not { } face)
            {
                return new CurationResult(CurationStatus.NotFound, "face_not_found", $"There is no face with id {faceId}.");
            }
            gallery.RemoveFaces([faceId]);
            return new CurationResult(CurationStatus.Done, "face_deleted", $"Deleted a photo of {face.Person}.", face.PersonId, face.Person, 1);
        }
    }

    private static CurationResult Invalid(string code, string message) => new(CurationStatus.Invalid, code, message);

    private static CurationResult PersonNotFound(long id) => new(CurationStatus.NotFound, "person_not_found", $"There is no person with id {id}.");

    private static string Faces(int n) => n == 1 ? "1 photo" : $"{n} photos";
}
